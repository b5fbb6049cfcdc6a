"""Writes of time entries, with the business rules: snapshots, billable minutes, history, locks.

Every caller (pages, API, sync, field work, import, demo data) goes through these functions."""

from .billing_rules import reapply_billing_rules
from .entries import (
    MAX_DESCRIPTION_LENGTH,
    SOURCE_OWNED_FIELDS,
    EntryChanges,
    build_entry,
    create_entry,
    delete_entry,
    delete_refusal,
    insert_entries,
    link_source_ids,
    snapshot_rates,
    update_entry,
)
from .errors import (
    EntryBusy,
    EntryError,
    EntryInvalid,
    EntryLocked,
    EntryNotFound,
    EntrySourceConflict,
)
from .history import change_row, entry_data, move_balance, record_change
from .invoices import (
    attach_adjustments_to_invoice,
    attach_entries_to_invoice,
    record_adjustment,
    release_invoice_adjustments,
    release_invoice_entries,
    set_invoice_lock,
    settle_invoice_adjustments,
)
from .locks import lock_client, lock_clients, lock_entry, lock_timesheet_cell
from .members import ensure_member, placeholder_member
from .timer import TimerError, discard_timer, start_timer, stop_timer
from .timesheet import set_timesheet_cell
from .timesheet_rows import add_timesheet_rows, copy_last_weeks_rows, save_timesheet_cell  # noqa: F401
from .undo import UNDO_SECONDS, undo_delete  # noqa: F401

__all__ = [
    "EntryError",
    "EntryInvalid",
    "EntryLocked",
    "EntrySourceConflict",
    "EntryNotFound",
    "EntryBusy",
    "entry_data",
    "move_balance",
    "record_change",
    "change_row",
    "build_entry",
    "insert_entries",
    "lock_clients",
    "lock_entry",
    "lock_timesheet_cell",
    "SOURCE_OWNED_FIELDS",
    "MAX_DESCRIPTION_LENGTH",
    "lock_client",
    "snapshot_rates",
    "create_entry",
    "EntryChanges",
    "update_entry",
    "delete_refusal",
    "delete_entry",
    "link_source_ids",
    "reapply_billing_rules",
    "record_adjustment",
    "attach_entries_to_invoice",
    "set_invoice_lock",
    "release_invoice_entries",
    "attach_adjustments_to_invoice",
    "settle_invoice_adjustments",
    "release_invoice_adjustments",
    "ensure_member",
    "placeholder_member",
    "TimerError",
    "start_timer",
    "stop_timer",
    "discard_timer",
    "set_timesheet_cell",
]
