"""The value types of the setup file: each checks one JSON value and says, with an example, what
it accepts. They are `Annotated` types whose validator replaces Pydantic's own, so that a message
names the accepted form (`must be a date YYYY-MM-DD, e.g. "2026-01-31" (got '2026-13-01')`)."""

import json
import re
import zoneinfo
from collections.abc import Callable
from datetime import date, time
from decimal import Decimal, InvalidOperation
from functools import cache
from typing import Annotated, Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from pydantic import PlainValidator

from clients.models import ROUNDING_INCREMENTS, BillingMode, Classification, ProjectStatus, Rounding
from clients.services import PurchaseError, parse_purchase_hours

from ..models import Exclusion

ROLES = ("staff", "manager", "finance", "client", "admin")  # the contract's order, for messages

_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
_ISSUE_KEY = re.compile(r"^[A-Za-z][A-Za-z0-9_]*-\d+$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_TIME = re.compile(r"^\d{2}:\d{2}(:\d{2})?$")
_CURRENCY = re.compile(r"^[A-Z]{3}$")


class BadValue(ValueError):
    """A rejected value; the message says what is accepted, with an example."""


def shown(value) -> str:
    """A value as the file wrote it, shortened for a message."""
    text = repr(value) if isinstance(value, str) else json.dumps(value, default=str)
    return text if len(text) <= 60 else text[:57] + "…"


def _checked(parse: Callable[[Any], Any]) -> PlainValidator:
    """`parse` as the whole validation of a field; `null` is refused unless the type is `X | None`."""

    def validate(value):
        if value is None:
            raise BadValue("must not be null")
        return parse(value)

    return PlainValidator(validate)


def text_parser(max_length: int, *, example: str, blank: bool = False, pattern=None):
    def parse(value) -> str:
        if not isinstance(value, str):
            raise BadValue(f'must be text, e.g. "{example}" (got {shown(value)})')
        value = value.strip()
        if not value and not blank:
            raise BadValue(f'must not be empty, e.g. "{example}"')
        if len(value) > max_length:
            raise BadValue(f"must be at most {max_length} characters (got {len(value)})")
        if value and pattern is not None and not pattern.match(value):
            raise BadValue(f'is not valid, e.g. "{example}" (got {shown(value)})')
        return value

    return parse


def Text(max_length: int, *, example: str, blank: bool = False, pattern=None):  # noqa: N802
    return Annotated[
        str, _checked(text_parser(max_length, example=example, blank=blank, pattern=pattern))
    ]


def Choice(values) -> type:  # noqa: N802
    def parse(value) -> str:
        if not isinstance(value, str) or value not in values:
            raise BadValue(f"must be one of {', '.join(values)} (got {shown(value)})")
        return value

    return Annotated[str, _checked(parse)]


def Int(minimum: int, maximum: int, *, example: int, allowed=None) -> type:  # noqa: N802
    def parse(value) -> int:
        if type(value) is not int:
            raise BadValue(f"must be a whole number, e.g. {example} (got {shown(value)})")
        if allowed is not None and value not in allowed:
            raise BadValue(f"must be one of {', '.join(map(str, allowed))} (got {value})")
        if not minimum <= value <= maximum:
            raise BadValue(f"must be between {minimum} and {maximum} (got {value})")
        return value

    return Annotated[int, _checked(parse)]


def Dec(  # noqa: N802
    *, places: int, example: str, minimum=None, positive=False, below=None, maximum=None
) -> type:
    """A decimal given as a string or a JSON number. `below` is an exclusive upper bound."""

    def parse(value) -> Decimal:
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            raise BadValue(
                f'must be a decimal number as a string, e.g. "{example}" (got {shown(value)})'
            )
        try:
            number = Decimal(str(value).strip())
        except InvalidOperation:
            raise BadValue(
                f'must be a decimal number, e.g. "{example}" (got {shown(value)})'
            ) from None
        if not number.is_finite():
            raise BadValue(f'must be a finite number, e.g. "{example}" (got {shown(value)})')
        if positive and number <= 0:
            raise BadValue(f'must be more than 0, e.g. "{example}" (got {shown(value)})')
        if minimum is not None and number < minimum:
            raise BadValue(f'must be at least {minimum}, e.g. "{example}" (got {shown(value)})')
        if below is not None and number >= below:
            raise BadValue(f'must be less than {below}, e.g. "{example}" (got {shown(value)})')
        if maximum is not None and number > maximum:
            raise BadValue(f'must be at most {maximum}, e.g. "{example}" (got {shown(value)})')
        if number != number.quantize(Decimal(1).scaleb(-places)):
            raise BadValue(
                f'must have at most {places} decimals, e.g. "{example}" (got {shown(value)})'
            )
        return number

    return Annotated[Decimal, _checked(parse)]


def _username(value) -> str:
    value = text_parser(150, example="alice")(value)
    try:
        get_user_model().username_validator(value)
    except ValidationError:
        raise BadValue(
            f'may contain only letters, digits and @.+-_, e.g. "alice" (got {shown(value)})'
        ) from None
    return value


def _email(value) -> str:
    value = text_parser(254, example="alice@example.com", blank=True)(value)
    if value:
        try:
            validate_email(value)
        except ValidationError:
            raise BadValue(
                f'must be an email address, e.g. "alice@example.com" (got {shown(value)})'
            ) from None
    return value


def _contact_email(value) -> str:
    value = _email(value)
    if not value:
        raise BadValue("must be an email address, e.g. \"it@acme.example\" (got '')")
    return value


def _currency(value) -> str:
    if not isinstance(value, str) or not _CURRENCY.match(value):
        raise BadValue(
            f'must be a 3-letter uppercase ISO 4217 code, e.g. "USD" (got {shown(value)})'
        )
    return value


@cache
def _timezones() -> frozenset:
    return frozenset(zoneinfo.available_timezones())


def _timezone(value) -> str:
    if not isinstance(value, str) or value not in _timezones():
        raise BadValue(f'must be an IANA timezone, e.g. "Europe/Berlin" (got {shown(value)})')
    return value


def _bool(value) -> bool:
    if not isinstance(value, bool):
        raise BadValue(f"must be true or false (got {shown(value)})")
    return value


def _date(value) -> date:
    try:
        if not isinstance(value, str) or not _DATE.match(value):
            raise ValueError
        return date.fromisoformat(value)
    except ValueError:
        raise BadValue(
            f'must be a date YYYY-MM-DD, e.g. "2026-01-31" (got {shown(value)})'
        ) from None


def _time(value) -> time:
    try:
        if not isinstance(value, str) or not _TIME.match(value):
            raise ValueError
        return time.fromisoformat(value)
    except ValueError:
        raise BadValue(f'must be a time HH:MM, e.g. "08:00" (got {shown(value)})') from None


def _password(value) -> str:
    # Not stripped: spaces are part of a passphrase.
    if not isinstance(value, str) or not value or len(value) > 128:
        raise BadValue('must be text of 1 to 128 characters, e.g. "a-long-passphrase-2026"')
    return value


def _purchase_hours(value) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise BadValue(f'must be a number of hours, e.g. "40" (got {shown(value)})')
    try:
        return parse_purchase_hours(value)
    except PurchaseError as error:
        raise BadValue(str(error)) from None


Code = Text(32, example="ACME", pattern=_CODE)
IssueKey = Text(64, example="ACME-12", pattern=_ISSUE_KEY)
Username = Annotated[str, _checked(_username)]
Email = Annotated[str, _checked(_email)]
ContactEmail = Annotated[str, _checked(_contact_email)]
Currency = Annotated[str, _checked(_currency)]
Timezone = Annotated[str, _checked(_timezone)]
Bool = Annotated[bool, _checked(_bool)]
Date = Annotated[date, _checked(_date)]
Time = Annotated[time, _checked(_time)]
Password = Annotated[str, _checked(_password)]
PurchaseHours = Annotated[Decimal, _checked(_purchase_hours)]

Money = Dec(places=2, example="120.00", minimum=0, below=Decimal("1E10"))
Hours = Dec(places=2, example="40", minimum=0, below=Decimal("1E7"))
Multiplier = Dec(places=4, example="1.5", positive=True, maximum=100)
Weekday = Int(0, 6, example=0)

BillingModeChoice = Choice(BillingMode.values)
ClassificationChoice = Choice(Classification.values)
ProjectStatusChoice = Choice(ProjectStatus.values)
RoundingChoice = Choice(Rounding.values)
ExclusionChoice = Choice(Exclusion.values)
RoleChoice = Choice(ROLES)
RoundingIncrement = Int(1, 60, example=15, allowed=ROUNDING_INCREMENTS)
