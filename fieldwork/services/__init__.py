"""Writes of field work (seed 002), each in one transaction."""

from .activities import (
    MAX_CREW,
    MAX_MINUTES,
    ActivityError,
    ActivityForbidden,
    ActivityInput,
    ActivityInvalid,
    ActivityLocked,
    AdjustmentInput,
    activity_errors,
    create_activity,
    delete_activity,
    input_of,
    update_activity,
)
from .allocation import allocate_breaks, allocate_travel
from .csv_import import EXAMPLE_HEADER, EXAMPLE_ROWS, CsvImportError, import_csv, parse_csv
from .rounding import (
    RoundingChange,
    RoundingPreview,
    apply_rounding,
    preview_rounding,
    set_field_rounding,
)

__all__ = [
    "MAX_CREW",
    "MAX_MINUTES",
    "EXAMPLE_HEADER",
    "EXAMPLE_ROWS",
    "ActivityError",
    "ActivityForbidden",
    "ActivityInput",
    "ActivityInvalid",
    "ActivityLocked",
    "AdjustmentInput",
    "CsvImportError",
    "RoundingChange",
    "RoundingPreview",
    "activity_errors",
    "allocate_breaks",
    "allocate_travel",
    "apply_rounding",
    "create_activity",
    "delete_activity",
    "import_csv",
    "input_of",
    "parse_csv",
    "preview_rounding",
    "set_field_rounding",
    "update_activity",
]
