"""The timetracking router and the period filter its endpoints share."""

import datetime as dt

from ninja import Field, Router, Schema

from core.api import bad_input

router = Router()


class PeriodQuery(Schema):
    date_from: dt.date | None = Field(
        None, alias="from", description="First day, inclusive (YYYY-MM-DD)"
    )
    date_to: dt.date | None = Field(
        None, alias="to", description="Last day, inclusive (YYYY-MM-DD)"
    )


def check_period(period: PeriodQuery) -> None:
    if period.date_from and period.date_to and period.date_from > period.date_to:
        raise bad_input(
            "to",
            f"'to' ({period.date_to}) is before 'from' ({period.date_from}); e.g. from=2026-03-01&to=2026-03-31.",
        )
