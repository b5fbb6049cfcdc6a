"""The timetracking router and the period filter its endpoints share."""

import datetime as dt
from typing import Annotated

from ninja import Field, Router, Schema
from pydantic import StrictBool, StrictInt

from core.api import MAX_ID, Text, bad_input

from ..services import MAX_DESCRIPTION_LENGTH

router = Router()

# JSON bodies are read strictly: `true` is not the id 1 and "yes" is not a boolean.
BodyId = Annotated[StrictInt, Field(ge=1, le=MAX_ID)]
BodyFlag = StrictBool
# Manual descriptions; synced text is written by the sync, never through these schemas.
Description = Annotated[Text, Field(max_length=MAX_DESCRIPTION_LENGTH)]


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
