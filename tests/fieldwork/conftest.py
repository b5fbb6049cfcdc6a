"""Field-work fixtures: activities built through the services on the shared firm."""

import datetime

import pytest

from clients.models import FirmSettings
from fieldwork.services import ActivityInput, AdjustmentInput, create_activity

DAY = datetime.date(2026, 3, 2)


def hm(text: str) -> datetime.time:
    return datetime.time.fromisoformat(text)


@pytest.fixture
def make_activity(firm):
    """make_activity(start="08:00", end="16:00", crew=1, adjustments=[("Andrea", 145)], …)."""

    def make(
        start="08:00",
        end="16:00",
        crew=1,
        *,
        task=None,
        lead=None,
        on_date=DAY,
        adjustments=(),
        by=None,
        **minutes,
    ):
        return create_activity(
            ActivityInput(
                task=task or firm.acme_task,
                lead=lead or firm.staff_member,
                on_date=on_date,
                start_time=hm(start),
                end_time=hm(end),
                crew_size=crew,
                adjustments=[AdjustmentInput(person, value) for person, value in adjustments],
                **minutes,
            ),
            by=by or firm.staff,
        )

    return make


@pytest.fixture
def rounding(firm):
    """rounding("up") sets the firm's field rounding."""

    def set_to(method: str):
        settings_row = FirmSettings.objects.first() or FirmSettings()
        settings_row.field_rounding = method
        settings_row.save()

    return set_to
