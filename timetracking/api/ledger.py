"""The hour-bank ledger of the JSON API (PRODUCT §5.4): `GET /clients/{id}/ledger` (rows, blocks
with drawn/unused/expired minutes, expiry warnings) and `POST /clients/{id}/ledger` (a purchase
block or a correction; managers and up). Rows are never changed or deleted: no PATCH or DELETE."""

import datetime as dt
from decimal import Decimal
from typing import Literal

from django.http import HttpRequest
from ninja import Field, Schema
from ninja.errors import HttpError
from pydantic import ConfigDict, StrictFloat, StrictInt

from clients.api_auth import STAFF_AUTH, api_auth, staff_guard
from clients.models import HourPurchase, LedgerKind
from clients.selectors import get_client_for_user
from clients.services import PurchaseError, add_correction, add_purchase
from core.api import (
    READ_ERRORS,
    WRITE_ERRORS,
    Text,
    api_user,
    bad_input,
    datetime_text,
    hours_number,
    money_text,
)

from ..selectors.hour_blocks import client_blocks, ledger_rows
from .common import router

MANAGER_AUTH = api_auth(staff_guard("manager"))
LEDGER_LIMIT = 500


class LedgerRowOut(Schema):
    id: int
    kind: Literal["purchase", "correction", "expiry"]
    date: dt.date
    hours: float
    minutes: int
    price: str | None
    expires_on: dt.date | None
    expires_block_id: int | None
    note: str
    entered_by: str | None
    created_at: str


class BlockOut(Schema):
    id: int
    date: dt.date
    minutes: int
    hours: float
    expires_on: dt.date | None
    drawn_minutes: int
    unused_minutes: int
    expired_minutes: int


class ExpiryWarningOut(Schema):
    block_id: int
    expires_on: dt.date
    unused_minutes: int
    unused_hours: float


class LedgerOut(Schema):
    client_id: int
    currency: str
    purchased_minutes: int
    remaining_minutes: int
    rows: list[LedgerRowOut]
    blocks: list[BlockOut]
    expiry_warnings: list[ExpiryWarningOut]


class LedgerRowIn(Schema):
    model_config = ConfigDict(extra="forbid")

    kind: Literal["purchase", "correction"] = Field(
        description="`purchase` adds a block; `correction` adds or takes ± hours (note required)"
    )
    date: dt.date = Field(description="YYYY-MM-DD")
    hours: StrictInt | StrictFloat | Text = Field(
        description="Non-zero, at most 2 decimals; negative only for a correction",
        examples=["40", "-2.5"],
    )
    price: Text | None = Field(
        None, description="Purchase only, client currency", examples=["4800.00"]
    )
    expires_on: dt.date | None = Field(None, description="Purchase only, YYYY-MM-DD")
    note: Text = Field("", max_length=300, description="Required for a correction")


def ledger_row_json(row: HourPurchase) -> dict:
    return {
        "id": row.pk,
        "kind": row.kind,
        "date": row.date,
        "hours": float(row.hours),
        "minutes": row.minutes,
        "price": money_text(row.price),
        "expires_on": row.expires_on,
        "expires_block_id": row.expires_block_id,
        "note": row.note,
        "entered_by": row.entered_by.username if row.entered_by_id else None,
        "created_at": datetime_text(row.created_at),
    }


def ledger_json(client) -> dict:
    blocks = client_blocks(client)
    return {
        "client_id": client.pk,
        "currency": client.currency,
        "purchased_minutes": blocks.balance.purchased_minutes,
        "remaining_minutes": blocks.balance.remaining_minutes,
        "rows": [ledger_row_json(row) for row in ledger_rows(client, limit=LEDGER_LIMIT)],
        "blocks": [
            {
                "id": block.id,
                "date": block.date,
                "minutes": block.minutes,
                "hours": hours_number(block.minutes),
                "expires_on": block.expires_on,
                "drawn_minutes": block.drawn,
                "unused_minutes": block.unused,
                "expired_minutes": block.expired,
            }
            for block in blocks.blocks
        ],
        "expiry_warnings": [
            {
                "block_id": warning.block.id,
                "expires_on": warning.block.expires_on,
                "unused_minutes": warning.unused_minutes,
                "unused_hours": hours_number(warning.unused_minutes),
            }
            for warning in blocks.forecasts
        ],
    }


@router.get(
    "/clients/{id}/ledger",
    response={200: LedgerOut, **READ_ERRORS},
    auth=STAFF_AUTH,
    tags=["clients"],
)
def client_ledger(request: HttpRequest, id: int):
    """The hour-bank ledger (latest 500 rows, newest first) and its blocks in drawing order."""
    return ledger_json(get_client_for_user(api_user(request), id))


def _field_of(message: str) -> str:
    lowered = message.lower()
    for name in ("note", "price"):
        if name in lowered:
            return name
    return "expires_on" if "expiry" in lowered else "hours"


@router.post(
    "/clients/{id}/ledger",
    response={201: LedgerRowOut, **WRITE_ERRORS},
    auth=MANAGER_AUTH,
    tags=["clients"],
)
def add_ledger_row(request: HttpRequest, id: int, payload: LedgerRowIn):
    """Add a purchase block (optionally priced and expiring) or a correction (± hours, note
    required). Managers and up. Ledger rows are never changed or deleted."""
    user = api_user(request)
    client = get_client_for_user(user, id)
    hours = payload.hours if isinstance(payload.hours, str) else Decimal(str(payload.hours))
    try:
        if payload.kind == LedgerKind.CORRECTION:
            for name in ("price", "expires_on"):
                if getattr(payload, name) is not None:
                    raise bad_input(name, f"A correction has no {name}; leave it out.")
            row = add_correction(
                client=client, hours=hours, on_date=payload.date, note=payload.note, by=user
            )
        else:
            if str(hours).strip().startswith("-"):
                raise bad_input(
                    "hours",
                    "A purchase adds hours, e.g. 40; use kind=correction to take hours away.",
                )
            row = add_purchase(
                client=client,
                hours=hours,
                on_date=payload.date,
                note=payload.note,
                by=user,
                price=payload.price,
                expires_on=payload.expires_on,
            )
    except PurchaseError as error:
        raise bad_input(_field_of(str(error)), str(error)) from None
    if row is None:  # pragma: no cover - services raise instead
        raise HttpError(500, "No row written.")
    return 201, ledger_row_json(row)
