"""The insights period picker and filters: they parse the query string into a `Scope`."""

from dataclasses import replace
from datetime import date, timedelta

from django import forms
from django.core.exceptions import ValidationError

from clients.models import Client, Project
from core.forms import RowModelChoiceField
from core.widgets import PlainSelect
from timetracking.forms import DATE_EXAMPLE, DateField
from timetracking.models import Member, display_name_of

from .selectors import BUCKETS, UTILIZATION_SORTS, Scope

PERIODS = (("week", "Week"), ("month", "Month"), ("quarter", "Quarter"), ("custom", "Custom"))
MAX_DAYS = 731


def _month_start(day: date, back: int = 0) -> date:
    month = day.year * 12 + day.month - 1 - back
    return date(month // 12, month % 12 + 1, 1)


def period_bounds(key: str, today: date) -> tuple[date, date, date, date]:
    """(from, to, previous from, previous to) of the calendar week, month or quarter of today."""
    if key == "month":
        start = _month_start(today)
        end = _month_start(today, -1) - timedelta(days=1)
        return start, end, _month_start(today, 1), start - timedelta(days=1)
    if key == "quarter":
        start = date(today.year, (today.month - 1) // 3 * 3 + 1, 1)
        end = _month_start(start, -3) - timedelta(days=1)
        return start, end, _month_start(start, 3), start - timedelta(days=1)
    start = today - timedelta(days=today.weekday())
    return start, start + timedelta(days=6), start - timedelta(days=7), start - timedelta(days=1)


class InsightsForm(forms.Form):
    period = forms.ChoiceField(choices=PERIODS, required=False, label="Period", widget=PlainSelect)
    date_from = DateField(required=False, label="From")
    date_to = DateField(required=False, label="To")
    client = RowModelChoiceField(
        queryset=Client.objects.filter(is_internal=False).order_by("code"),
        label_fields=("code", "name"),
        label_from_row=lambda code, name: f"{code} · {name}",
        required=False,
        empty_label="All clients",
    )
    project = RowModelChoiceField(
        queryset=Project.objects.order_by("code"),
        label_fields=("client__code", "code", "name"),
        label_from_row=lambda client_code, code, name: f"{client_code} · {code} · {name}",
        required=False,
        empty_label="All projects",
    )
    member = RowModelChoiceField(
        queryset=Member.objects.order_by("user__username"),
        label_fields=Member.DISPLAY_NAME_FIELDS,
        label_from_row=display_name_of,
        required=False,
        empty_label="All members",
    )
    bucket = forms.ChoiceField(
        choices=[(b, b.capitalize()) for b in BUCKETS],
        required=False,
        label="Hours per",
        widget=PlainSelect,
    )
    sort = forms.ChoiceField(
        choices=[(key, key.capitalize()) for key in UTILIZATION_SORTS],
        required=False,
        widget=forms.HiddenInput,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["period"].error_messages["invalid_choice"] = (
            "Period %(value)s is not one of week, month, quarter, custom."
        )
        for name in ("client", "project", "member"):
            self.fields[name].error_messages["invalid_choice"] = (
                f"That {name} does not exist; pick one from the list, e.g. the first one."
            )

    def clean(self):
        data = super().clean()
        if data.get("period") == "custom":
            date_from, date_to = data.get("date_from"), data.get("date_to")
            if not date_from or not date_to:
                raise ValidationError(
                    f"A custom period needs both dates, {DATE_EXAMPLE} to 2026-11-30."
                )
            if date_from > date_to:
                raise ValidationError("The period starts after it ends; swap the dates.")
            if (date_to - date_from).days >= MAX_DAYS:
                raise ValidationError(
                    "Choose a period of at most two years, e.g. 2026-01-01 to 2026-12-31."
                )
        return data

    def _data(self) -> dict:
        return self.cleaned_data if self.is_bound and self.is_valid() else {}

    def scopes(self, today: date) -> tuple[Scope, Scope]:
        """This period and the previous one (same length), with the filters."""
        data = self._data()
        key = data.get("period") or "month"
        filters = {
            "client_id": data["client"].pk if data.get("client") else None,
            "project_id": data["project"].pk if data.get("project") else None,
            "member_id": data["member"].pk if data.get("member") else None,
        }
        if key == "custom":
            scope = Scope(data["date_from"], data["date_to"], **filters)
            return scope, scope.previous()
        start, end, previous_start, previous_end = period_bounds(key, today)
        scope = Scope(start, end, **filters)
        return scope, replace(scope, date_from=previous_start, date_to=previous_end)

    @property
    def hours_bucket(self) -> str:
        return self._data().get("bucket") or "week"

    @property
    def utilization_sort(self) -> str:
        return self._data().get("sort") or "utilization"
