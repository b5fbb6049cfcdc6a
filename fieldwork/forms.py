"""Forms of the field page: the activity dialog with its person adjustments, the CSV upload and
the firm's rounding. Parsing only; the rules stay in `services` and `rules`."""

from django import forms

from clients.models import FieldRounding
from core.widgets import DateInput

from .rules import ADJUSTMENT_EXAMPLE, format_adjustment, parse_adjustment
from .services import MAX_CREW, MAX_MINUTES, ActivityInput, AdjustmentInput


class TimeInput(forms.TimeInput):
    """Plain text `HH:MM`: typed quickly on any keyboard, whatever the browser's 12/24 h locale."""

    def __init__(self, attrs=None):
        attrs = {
            "placeholder": "HH:MM",
            "inputmode": "numeric",
            "autocomplete": "off",
            **(attrs or {}),
        }
        super().__init__(attrs=attrs, format="%H:%M")


def _minutes_field(label: str, help_text: str = "", required: bool = False):
    return forms.IntegerField(
        label=label,
        min_value=0,
        max_value=MAX_MINUTES,
        required=required,
        help_text=help_text,
        error_messages={"invalid": "Enter whole minutes, e.g. 30."},
    )


class TaskChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, task):
        return f"{task.project.client.code} · {task.project.code} · {task.name}"


class ActivityForm(forms.Form):
    task = TaskChoiceField(queryset=None, label="Task", empty_label="Choose a task…")
    lead = forms.ModelChoiceField(
        queryset=None,
        label="Lead",
        empty_label="Choose the lead…",
        help_text="The time entry is theirs.",
    )
    date = forms.DateField(label="Date", widget=DateInput())
    start_time = forms.TimeField(
        label="Start", widget=TimeInput(), error_messages={"invalid": "Enter HH:MM, e.g. 08:00."}
    )
    end_time = forms.TimeField(
        label="End", widget=TimeInput(), error_messages={"invalid": "Enter HH:MM, e.g. 16:30."}
    )
    crew_size = forms.IntegerField(label="Crew size", min_value=1, max_value=MAX_CREW, initial=1)
    break_minutes = _minutes_field("Break (min)")
    non_billable_minutes = _minutes_field("Non-billable (min)")
    travel_minutes = _minutes_field("Travel (min)", "Stored; only allocated travel is billed.")
    allocated_break_minutes = _minutes_field("Allocated break (min)")
    allocated_travel_minutes = _minutes_field("Allocated travel (min)")

    def __init__(self, *args, tasks, leads, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["task"].queryset = tasks
        self.fields["lead"].queryset = leads
        self.fields["lead"].label_from_instance = lambda member: str(member)

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("start_time"), cleaned.get("end_time")
        if start and end and end <= start:
            self.add_error("end_time", "End must be after the start, e.g. start 08:00, end 16:30.")
        return cleaned


class AdjustmentForm(forms.Form):
    person = forms.CharField(label="Person", max_length=100, required=False)
    adjustment = forms.CharField(
        label="Adjustment (H:MM)", max_length=8, required=False, help_text="e.g. 2:25 or -0:30"
    )
    note = forms.CharField(label="Note", max_length=200, required=False)

    def clean(self):
        cleaned = super().clean()
        person = (cleaned.get("person") or "").strip()
        text = (cleaned.get("adjustment") or "").strip()
        if not person and not text:
            cleaned["minutes"] = None
            return cleaned
        if not person:
            self.add_error("person", "Name the person, e.g. Andrea.")
        try:
            cleaned["minutes"] = parse_adjustment(text)
        except ValueError:
            self.add_error("adjustment", f"Enter the adjustment as H:MM; {ADJUSTMENT_EXAMPLE}.")
        return cleaned


AdjustmentFormSet = forms.formset_factory(AdjustmentForm, extra=2, max_num=50)


def activity_initial(activity) -> tuple[dict, list[dict]]:
    values = {
        "task": activity.task_id,
        "lead": activity.lead_id,
        "date": activity.date,
        "start_time": activity.start_time,
        "end_time": activity.end_time,
        "crew_size": activity.crew_size,
        "break_minutes": activity.break_minutes,
        "non_billable_minutes": activity.non_billable_minutes,
        "travel_minutes": activity.travel_minutes,
        "allocated_break_minutes": activity.allocated_break_minutes,
        "allocated_travel_minutes": activity.allocated_travel_minutes,
    }
    adjustments = [
        {"person": row.person, "adjustment": format_adjustment(row.minutes), "note": row.note}
        for row in activity.adjustments.all()
    ]
    return values, adjustments


def activity_input(form: ActivityForm, formset) -> ActivityInput:
    data = form.cleaned_data
    return ActivityInput(
        task=data["task"],
        lead=data["lead"],
        on_date=data["date"],
        start_time=data["start_time"].replace(second=0, microsecond=0),
        end_time=data["end_time"].replace(second=0, microsecond=0),
        crew_size=data["crew_size"],
        break_minutes=data["break_minutes"] or 0,
        non_billable_minutes=data["non_billable_minutes"] or 0,
        travel_minutes=data["travel_minutes"] or 0,
        allocated_break_minutes=data["allocated_break_minutes"] or 0,
        allocated_travel_minutes=data["allocated_travel_minutes"] or 0,
        adjustments=[
            AdjustmentInput(row["person"].strip(), row["minutes"], row["note"].strip())
            for row in formset.cleaned_data
            if row and row.get("minutes") is not None
        ],
    )


class ImportForm(forms.Form):
    file = forms.FileField(label="CSV file")


class RoundingForm(forms.Form):
    rounding = forms.ChoiceField(label="Field rounding", choices=FieldRounding.choices)
