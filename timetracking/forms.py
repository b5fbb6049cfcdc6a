"""Forms of the staff pages: they parse what people type and hand the values to services.

Every rule lives elsewhere: durations in `durations.parse_duration`, purchase hours in
`clients.services.parse_purchase_hours`; these forms only turn their errors into field errors."""

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation

from django import forms
from django.core.exceptions import ValidationError

from clients.models import Task
from clients.selectors import visible_tasks
from clients.services import PurchaseError, parse_purchase_hours
from core.calendar import MAX_PAGE_YEAR, MIN_PAGE_YEAR, entry_date_error, week_start_of
from core.widgets import DateInput, PlainSelect

from .durations import DurationError, format_minutes, parse_duration
from .models import Member, Source, TimeEntry
from .selectors import (
    DIRECTORY_SORTS,
    DIRECTORY_STATUSES,
    Risk,
    can_log_for_others,
    loggable_members,
)
from .services import EntryChanges

DATE_EXAMPLE = "e.g. 2026-11-03"
# Only ISO dates: `03/02/2026` means March in one country and February in another.
ISO_DATE_FORMATS = ["%Y-%m-%d"]


class DateField(forms.DateField):
    def __init__(self, **kwargs):
        kwargs.setdefault("input_formats", ISO_DATE_FORMATS)
        kwargs.setdefault("widget", DateInput())
        super().__init__(**kwargs)

    def validate(self, value):
        super().validate(value)
        # Pages compute neighbouring days and weeks from it; far years would overflow.
        if value and not MIN_PAGE_YEAR <= value.year <= MAX_PAGE_YEAR:
            raise ValidationError(
                f"Enter a date between {MIN_PAGE_YEAR} and {MAX_PAGE_YEAR}, {DATE_EXAMPLE}."
            )


class DurationField(forms.CharField):
    """Text in any format of PRODUCT §2.1; cleans to whole minutes."""

    def __init__(self, **kwargs):
        kwargs.setdefault(
            "widget",
            forms.TextInput(
                attrs={"autocomplete": "off", "placeholder": "1h 30m", "spellcheck": "false"}
            ),
        )
        kwargs.setdefault(
            "error_messages",
            {"required": "Duration is required; use 2h, 30m, 1:30 or minutes (e.g. 1h 30m or 90)."},
        )
        super().__init__(**kwargs)

    def prepare_value(self, value):
        return format_minutes(value) if isinstance(value, int) and value else value

    def clean(self, value):
        text = super().clean(value)
        if isinstance(text, int):
            return text
        try:
            return parse_duration(text)
        except DurationError as error:
            raise ValidationError(str(error)) from None


class ListedModelChoiceIterator(forms.models.ModelChoiceIterator):
    """Reads the options once per form: rendering a select iterates its choices twice (the
    `required` attribute check, then the options), and the default would query each time."""

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        for obj in self.queryset:  # fills the queryset's cache; the next pass reads it
            yield self.choice(obj)


class ListedModelChoiceField(forms.ModelChoiceField):
    iterator = ListedModelChoiceIterator


class EntryForm(forms.Form):
    """The log-time dialog: create (every field) or edit (task read-only). Managers and up also
    get a Member select (PRODUCT §9, log for others); everyone else never has that field."""

    task = forms.ModelChoiceField(
        queryset=Task.objects.none(),
        label="Task",
        error_messages={
            "required": "Choose a task; search by its name, project or Jira key (e.g. ACME-12).",
            "invalid_choice": "That task does not exist or is closed; choose one from the list.",
        },
    )
    date = DateField(
        label="Date",
        widget=DateInput(),
        error_messages={
            "required": f"Date is required, {DATE_EXAMPLE}.",
            "invalid": f"Enter a date, {DATE_EXAMPLE}.",
        },
    )
    duration = DurationField(label="Duration")
    billable = forms.BooleanField(required=False, label="Billable")
    description = forms.CharField(
        required=False,
        label="Description",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    # Optional: a post without it (an older page, a script) keeps the default member.
    member = ListedModelChoiceField(
        queryset=Member.objects.none(),
        required=False,
        empty_label=None,
        label="Member",
        error_messages={
            "invalid_choice": "That member cannot log time (inactive or excluded); "
            "choose one from the list, e.g. yourself."
        },
    )

    def __init__(
        self,
        *args,
        user,
        entry: TimeEntry | None = None,
        member: Member | None = None,
        **kwargs,
    ):
        if entry is not None:
            kwargs.setdefault(
                "initial",
                {
                    "date": entry.date,
                    "duration": entry.duration_minutes,
                    "billable": entry.billable,
                    "description": entry.description,
                },
            )
        super().__init__(*args, **kwargs)
        self.entry = entry
        # Who the entry is for unless a manager picks someone else: the entry's, or the user's.
        self.default_member = entry.member if entry is not None else member
        if can_log_for_others(user) and self.default_member is not None:
            self.fields["member"].queryset = loggable_members(keep=self.default_member)
            self.fields["member"].initial = self.default_member
        else:
            del self.fields["member"]
        if entry is None:
            self.fields["task"].queryset = (
                visible_tasks(user).filter(is_active=True).select_related("project__client")
            )
            return
        del self.fields["task"]
        if entry.locked:
            for bound in self.fields.values():
                bound.disabled = True
        elif entry.source != Source.MANUAL:
            # Changed at their source (PRODUCT §1); the billable flag can be overridden here.
            self.fields["date"].disabled = True
            self.fields["duration"].disabled = True
            if "member" in self.fields:
                self.fields["member"].disabled = True

    def add_error(self, field, error):
        super().add_error(field, error)
        # Screen readers announce the invalid field and read its message (rendered with this id).
        for name in self.errors:
            if name in self.fields:
                self.fields[name].widget.attrs.update(
                    {"aria-invalid": "true", "aria-describedby": f"{name}-error"}
                )

    def clean_date(self):
        day = self.cleaned_data["date"]
        unchanged = self.entry is not None and day == self.entry.date
        if not unchanged and (error := entry_date_error(day)):
            raise ValidationError(error)
        return day

    @property
    def read_only(self) -> bool:
        return self.entry is not None and self.entry.locked

    def chosen_member(self) -> Member | None:
        """The member to save for (valid forms): the one picked, else the default."""
        return self.cleaned_data.get("member") or self.default_member

    def changes(self) -> EntryChanges:
        data = self.cleaned_data
        return EntryChanges(
            member=self.chosen_member(),
            on_date=data["date"],
            duration_minutes=data["duration"],
            billable=data["billable"],
            description=data["description"],
        )


class TimerForm(forms.Form):
    task = forms.ModelChoiceField(
        queryset=Task.objects.none(),
        label="Task",
        error_messages={
            "required": "Choose the task to time, e.g. from your recent tasks.",
            "invalid_choice": "That task does not exist or is closed; choose one from the list.",
        },
    )
    description = forms.CharField(required=False, label="Description", max_length=2000)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["task"].queryset = (
            visible_tasks(user).filter(is_active=True).select_related("project__client")
        )


class PurchaseForm(forms.Form):
    date = DateField(
        label="Date",
        widget=DateInput(),
        error_messages={
            "required": f"Date is required, {DATE_EXAMPLE}.",
            "invalid": f"Enter a date, {DATE_EXAMPLE}.",
        },
    )
    hours = forms.CharField(
        label="Hours",
        widget=forms.TextInput(
            attrs={"inputmode": "decimal", "placeholder": "40", "autocomplete": "off"}
        ),
        error_messages={"required": "Hours are required, e.g. 40."},
    )
    note = forms.CharField(label="Note", required=False, max_length=300)

    def clean_hours(self):
        text = self.cleaned_data["hours"]
        try:
            hours = parse_purchase_hours(text)
        except PurchaseError as error:
            if _is_zero(text):
                raise ValidationError(_NOT_ABOVE_ZERO % text) from None
            raise ValidationError(str(error)) from None
        # A negative purchase used to be stored as a silent correction; corrections have their
        # own form, which asks for a note saying why.
        if hours < 0:
            raise ValidationError(_NOT_ABOVE_ZERO % text)
        return hours


_NOT_ABOVE_ZERO = (
    "A purchase adds hours: enter more than 0, e.g. 40 (not %s). To take hours off, add a "
    "correction in the hour-blocks ledger below (Kind: Correction)."
)


def _is_zero(text: str) -> bool:
    try:
        return Decimal(text.strip().replace(",", ".")) == 0
    except InvalidOperation:
        return False


@dataclass(frozen=True)
class Period:
    key: str
    label: str
    date_from: date
    date_to: date


PERIODS = (
    ("this_week", "This week"),
    ("last_week", "Last week"),
    ("this_month", "This month"),
    ("last_month", "Last month"),
    ("custom", "Custom"),
)


def period_of(
    key: str, today: date, date_from: date | None = None, date_to: date | None = None
) -> Period:
    label = dict(PERIODS).get(key, "This week")
    if key == "last_week":
        start = week_start_of(today) - timedelta(days=7)
        return Period(key, label, start, start + timedelta(days=6))
    if key == "this_month":
        start = today.replace(day=1)
        next_month = (start + timedelta(days=32)).replace(day=1)
        return Period(key, label, start, next_month - timedelta(days=1))
    if key == "last_month":
        end = today.replace(day=1) - timedelta(days=1)
        return Period(key, label, end.replace(day=1), end)
    if key == "custom" and date_from and date_to:
        return Period(key, f"{date_from:%d %b %Y} – {date_to:%d %b %Y}", date_from, date_to)
    start = week_start_of(today)
    return Period("this_week", "This week", start, start + timedelta(days=6))


class DateRangeForm(forms.Form):
    """An optional inclusive `from`/`to` filter (the client page's unbilled time card)."""

    date_from = DateField(
        required=False,
        label="From",
        widget=DateInput(),
        error_messages={"invalid": f"Enter a date, {DATE_EXAMPLE}."},
    )
    date_to = DateField(
        required=False,
        label="To",
        widget=DateInput(),
        error_messages={"invalid": f"Enter a date, {DATE_EXAMPLE}."},
    )

    def clean(self):
        data = super().clean()
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            raise ValidationError("The period starts after it ends; swap the dates.")
        return data

    def dates(self) -> tuple[date | None, date | None]:
        if not self.is_bound or not self.is_valid():
            return None, None
        return self.cleaned_data.get("date_from"), self.cleaned_data.get("date_to")


class PeriodForm(DateRangeForm):
    """My Work's period for the project breakdown and KPIs (a custom range needs both dates)."""

    period = forms.ChoiceField(choices=PERIODS, required=False, label="Period", widget=PlainSelect)
    field_order = ["period", "date_from", "date_to"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["period"].error_messages["invalid_choice"] = (
            "Period %(value)s is not one of this_week, last_week, this_month, last_month, custom."
        )

    def clean(self):
        data = super().clean()
        if data.get("period") == "custom":
            date_from, date_to = data.get("date_from"), data.get("date_to")
            if not date_from or not date_to:
                raise ValidationError(
                    f"A custom period needs both dates, {DATE_EXAMPLE} to 2026-11-30."
                )
            if (date_to - date_from).days > 366:
                raise ValidationError(
                    "Choose a period of at most a year, e.g. 2026-01-01 to 2026-12-31."
                )
        return data

    def selected(self, today: date) -> Period:
        if not self.is_bound or not self.is_valid():
            return period_of("this_week", today)
        data = self.cleaned_data
        return period_of(
            data.get("period") or "this_week", today, data.get("date_from"), data.get("date_to")
        )


class DirectoryFilterForm(forms.Form):
    q = forms.CharField(required=False, label="Search", max_length=100)
    status = forms.ChoiceField(
        choices=DIRECTORY_STATUSES, required=False, label="Status", widget=PlainSelect
    )
    risk = forms.ChoiceField(choices=Risk.CHOICES, required=False, label="Risk", widget=PlainSelect)
    sort = forms.ChoiceField(
        choices=[(key, label) for key, (label, _) in DIRECTORY_SORTS.items()],
        required=False,
        label="Sort by",
        widget=PlainSelect,
    )

    def filters(self) -> dict:
        data = self.cleaned_data if self.is_bound and self.is_valid() else {}
        return {
            "search": data.get("q") or "",
            "status": data.get("status") or "active",
            "risk": data.get("risk") or "",
            "sort": data.get("sort") or "risk",
        }


class ProjectStatusForm(forms.Form):
    status = forms.ChoiceField(
        choices=(("complete", "Complete"), ("active", "Active")), label="Status"
    )
    confirm = forms.BooleanField(required=False)
