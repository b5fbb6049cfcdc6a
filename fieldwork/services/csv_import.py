"""CSV import of a day's work activities with their person adjustments.

One row per activity; a row with only `person`, `adjustment` and `note` adds an adjustment to
the activity above it. Every row is checked first and errors name their line; nothing is
written unless the whole file is valid, and then it is written in one transaction."""

import csv
import io
from dataclasses import dataclass
from datetime import date, time

from django.db import transaction
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from clients.models import Task
from clients.selectors import visible_tasks
from timetracking.models import Member

from ..models import WorkActivity
from ..rules import ADJUSTMENT_EXAMPLE, parse_adjustment
from .activities import (
    ActivityError,
    ActivityInput,
    AdjustmentInput,
    activity_errors,
    create_activity,
)

ACTIVITY_COLUMNS = (
    "date",
    "project",
    "task",
    "lead",
    "start_time",
    "end_time",
    "crew_size",
    "break_minutes",
    "non_billable_minutes",
    "travel_minutes",
)
ADJUSTMENT_COLUMNS = ("person", "adjustment", "note")
REQUIRED_COLUMNS = ("date", "project", "task", "lead", "start_time", "end_time")
COLUMNS = ACTIVITY_COLUMNS + ADJUSTMENT_COLUMNS
EXAMPLE_HEADER = ",".join(COLUMNS)
EXAMPLE_ROWS = (
    "2026-03-02,GARDEN,Hedge trimming,alice,08:00,16:00,3,30,15,40,Andrea,2:25,stayed late\n"
    ",,,,,,,,,,Virginia,-0:30,left early"
)
MAX_BYTES = 1_000_000

HINTS = {
    "date": "use YYYY-MM-DD, e.g. 2026-03-02",
    "start_time": "use HH:MM, e.g. 08:00",
    "end_time": "use HH:MM, e.g. 16:30",
    "crew_size": "use a whole number from 1, e.g. 3",
    "break_minutes": "use whole minutes, e.g. 30",
    "non_billable_minutes": "use whole minutes, e.g. 15",
    "travel_minutes": "use whole minutes, e.g. 40",
}


class ActivityRow(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    date: date
    project: str = Field(min_length=1, max_length=64)
    task: str = Field(min_length=1, max_length=300)
    lead: str = Field(min_length=1, max_length=150)
    start_time: time
    end_time: time
    crew_size: int = Field(1, ge=1, le=500)
    break_minutes: int = Field(0, ge=0)
    non_billable_minutes: int = Field(0, ge=0)
    travel_minutes: int = Field(0, ge=0)
    person: str = Field("", max_length=100)
    adjustment: str = ""
    note: str = Field("", max_length=200)


class CsvImportError(Exception):
    """The file was refused; `errors` are 'Line N, column: message' lines, in file order."""

    def __init__(self, errors: list[str]):
        super().__init__(errors[0] if errors else "The file is not valid.")
        self.errors = errors


@dataclass
class _Pending:
    line: int
    data: ActivityInput


def _read_rows(content: bytes) -> csv.DictReader:
    if len(content) > MAX_BYTES:
        raise CsvImportError(["The file is larger than 1 MB; import one day at a time."])
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise CsvImportError(["The file is not UTF-8 text; save it as CSV (UTF-8)."]) from None
    reader = csv.DictReader(io.StringIO(text))
    header = [name.strip() for name in (reader.fieldnames or [])]
    if not header:
        raise CsvImportError(
            [f"Line 1: the file is empty; start with the header {EXAMPLE_HEADER}."]
        )
    unknown = [name for name in header if name not in COLUMNS]
    missing = [name for name in REQUIRED_COLUMNS if name not in header]
    problems = []
    if unknown:
        problems.append(
            f"Line 1: unknown column(s) {', '.join(unknown)}; the columns are {EXAMPLE_HEADER}."
        )
    if missing:
        problems.append(
            f"Line 1: missing column(s) {', '.join(missing)}; e.g. header {EXAMPLE_HEADER}."
        )
    if problems:
        raise CsvImportError(problems)
    reader.fieldnames = header
    return reader


def _adjustment(values: dict, line: int, errors: list[str]) -> AdjustmentInput | None:
    person = (values.get("person") or "").strip()
    text = (values.get("adjustment") or "").strip()
    note = (values.get("note") or "").strip()
    if not person and not text:
        if note:
            errors.append(f"Line {line}, person: a note needs a person and an adjustment.")
        return None
    if not person:
        errors.append(f"Line {line}, person: the adjustment {text} needs a person, e.g. Andrea.")
        return None
    try:
        minutes = parse_adjustment(text)
    except ValueError:
        errors.append(f"Line {line}, adjustment: {text!r} is not valid; {ADJUSTMENT_EXAMPLE}.")
        return None
    if len(person) > 100 or len(note) > 200:
        errors.append(f"Line {line}, person: at most 100 characters (note: 200).")
        return None
    return AdjustmentInput(person, minutes, note)


def _activity(values: dict, line: int, errors: list[str], lookups) -> ActivityInput | None:
    filled = {name: value for name, value in values.items() if value not in ("", None)}
    row = None
    try:
        row = ActivityRow.model_validate(filled)
    except ValidationError as error:
        for problem in error.errors():
            name = str(problem["loc"][0]) if problem["loc"] else "row"
            message = (
                "is required"
                if problem["type"] == "missing"
                else str(problem["msg"]).removeprefix("Value error, ")
            )
            hint = f"; {HINTS[name]}" if name in HINTS else ""
            errors.append(f"Line {line}, {name}: {message}{hint}.")
    tasks, members = lookups
    project_code, task_name = values.get("project", ""), values.get("task", "")
    key = (project_code.lower(), task_name.lower())
    task = tasks.get(key)
    if project_code and task_name and task is None:
        problem = "two tasks have the name" if key in tasks else "there is no task"
        errors.append(
            f"Line {line}, task: {problem} {task_name!r} in project {project_code!r}; use a "
            "project code and a task name as they are in Hourbank, e.g. ACME-WEB,Checkout bug."
        )
    username = values.get("lead", "")
    lead = members.get(username)
    if username and lead is None:
        errors.append(
            f"Line {line}, lead: no member has the username {username!r}; use a staff "
            "username, e.g. alice."
        )
    if row is None or task is None or lead is None:
        return None
    data = ActivityInput(
        task=task,
        lead=lead,
        on_date=row.date,
        start_time=row.start_time,
        end_time=row.end_time,
        crew_size=row.crew_size,
        break_minutes=row.break_minutes,
        non_billable_minutes=row.non_billable_minutes,
        travel_minutes=row.travel_minutes,
    )
    for name, message in activity_errors(data).items():
        errors.append(f"Line {line}, {name}: {message}")
    return data


def _lookups(rows: list[tuple[int, dict]], user):
    projects = {(v.get("project") or "").strip().lower() for _, v in rows} - {""}
    tasks: dict[tuple[str, str], Task | None] = {}
    for task in visible_tasks(user).select_related("project__client"):
        if task.project.code.lower() not in projects:
            continue
        key = (task.project.code.lower(), task.name.lower())
        # Two tasks of one name in a project cannot be told apart by name.
        tasks[key] = None if key in tasks else task
    usernames = {(v.get("lead") or "").strip() for _, v in rows} - {""}
    members = {
        member.user.username: member
        for member in Member.objects.filter(user__username__in=usernames).select_related("user")
    }
    return tasks, members


def parse_csv(content: bytes, *, user) -> list[_Pending]:
    """Every activity of the file, or CsvImportError listing every problem with its line."""
    reader = _read_rows(content)
    rows = []
    for values in reader:
        extra = values.pop(None, None)
        line = reader.line_num
        values = {k: (v or "").strip() for k, v in values.items()}
        if extra:
            values["__extra__"] = extra
        rows.append((line, values))
    lookups = _lookups(rows, user)
    errors: list[str] = []
    pending: list[_Pending] = []
    for line, values in rows:
        if "__extra__" in values:
            errors.append(f"Line {line}: more cells than the header has columns.")
            continue
        if not any(values.values()):
            continue
        if not any(values.get(name) for name in ACTIVITY_COLUMNS):
            adjustment = _adjustment(values, line, errors)
            if adjustment is None:
                continue
            if not pending:
                errors.append(
                    f"Line {line}: an adjustment row needs an activity row above it (the first "
                    "row after the header must be an activity)."
                )
            else:
                pending[-1].data.adjustments.append(adjustment)
            continue
        data = _activity(values, line, errors, lookups)
        adjustment = _adjustment(values, line, errors)
        if data is not None:
            if adjustment is not None:
                data.adjustments.append(adjustment)
            pending.append(_Pending(line, data))
    if errors:
        raise CsvImportError(errors)
    if not pending:
        raise CsvImportError(
            [f"The file has no activities; e.g.\n{EXAMPLE_HEADER}\n{EXAMPLE_ROWS}"]
        )
    return pending


@transaction.atomic
def import_csv(content: bytes, *, user) -> list[WorkActivity]:
    """Create every activity of the file, or none of them."""
    created = []
    for item in parse_csv(content, user=user):
        try:
            created.append(create_activity(item.data, by=user))
        except ActivityError as error:
            # The transaction rolls back: the rows written so far are undone.
            raise CsvImportError(
                [f"Line {item.line}, {error.field or 'row'}: {error.message}"]
            ) from error
    return created
