"""The firm setup file (INTERFACES §1.1): read and check every value first, then apply all of it
in one transaction, matching existing rows so that a rerun changes nothing.

`import_setup(data)` is used by `manage.py import_setup` and by `seed_demo`.

Rules of the format that are not spelled out in the contract:
- A key left out keeps the current value of an existing object; a new object gets the default.
  `null` is a value (it clears a nullable field).
- `plan.rounding.increment_minutes` accepts 1, 5, 6, 10, 12, 15, 20, 30 or 60
  (`clients.models.ROUNDING_INCREMENTS`).
- `plan.multipliers` may name only some of its four keys; the others keep their value.
- A member row alone gives a new user the role `staff`; an existing user's role changes only
  through a `users` row. A `users` row's role decides `is_superuser` (admin only), and
  `clients.services.sync_admin_access` then gives Django admin access by role.
- A placeholder takeover is the creation of that person's login, so a `users` password is set.
- Counts: `clients` counts a client whose row, plan or purchases changed; `members` a member
  whose row, rates or cost rates changed; `users` a login whose User row (including a member's
  name and email) or role profile changed.
"""

import json
import re
import zoneinfo
from dataclasses import dataclass, field
from datetime import date, time
from decimal import Decimal, InvalidOperation
from functools import cache

from django.contrib.auth import get_user_model, password_validation
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models.functions import Upper

from clients.models import (
    ROUNDING_INCREMENTS,
    BillingMode,
    BillingPlan,
    Classification,
    Client,
    FirmSettings,
    HourPurchase,
    Project,
    ProjectStatus,
    Role,
    Rounding,
    Task,
    UserProfile,
    default_multipliers,
)
from clients.services import PurchaseError, add_purchase, parse_purchase_hours, sync_admin_access

from .models import CostRate, Exclusion, Member, RateCard

ROLES = ("staff", "manager", "finance", "client", "admin")  # the contract's order, for messages
COUNT_KEYS = ("clients", "projects", "tasks", "members", "users")
MULTIPLIER_KEYS = ("standard", "off_hours", "p1_p3", "p1_p3_off_hours")

TOP_KEYS = ("settings", "clients", "members", "users")
SETTINGS_KEYS = ("hours_per_day", "days_per_week", "invoice_prefix")
CLIENT_KEYS = tuple(
    "code name currency tax_rate timezone billing_mode low_balance_hours low_balance_percent "
    "runout_warning_weeks owner alert_contacts alert_clients_enabled is_internal is_active "
    "business_hours plan purchases projects".split()
)
BUSINESS_HOURS_KEYS = ("weekdays", "start", "end")
PLAN_KEYS = tuple(
    "min_billable_minutes rounding multipliers support_fee monitoring_fee "
    "monthly_included_hours overtime_rate critical_priorities".split()
)
ROUNDING_KEYS = ("method", "increment_minutes")
PURCHASE_KEYS = ("date", "hours", "note")
PROJECT_KEYS = tuple(
    "code name classification status budget_hours budget_amount jira_project_keys "
    "jira_labels tasks".split()
)
TASK_KEYS = ("name", "jira_issue_key", "is_active")
MEMBER_KEYS = tuple(
    "username name email jira_account_id weekly_target_hours exclusion timezone rates "
    "cost_rates".split()
)
RATE_KEYS = ("client", "project", "rate", "currency", "valid_from")
COST_RATE_KEYS = ("rate", "currency", "valid_from")
USER_KEYS = ("username", "email", "role", "client", "password")

_SKIP = object()  # a key that is absent or whose value was rejected
_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
_ISSUE_KEY = re.compile(r"^[A-Za-z][A-Za-z0-9_]*-\d+$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_TIME = re.compile(r"^\d{2}:\d{2}(:\d{2})?$")
_CURRENCY = re.compile(r"^[A-Z]{3}$")


class SetupError(Exception):
    """The file is invalid; `errors` names every problem found (nothing was written)."""

    def __init__(self, errors: list[str]):
        self.errors = list(errors)
        count = len(self.errors)
        summary = f"{count} problem{'s' if count != 1 else ''} in the setup file: "
        super().__init__(summary + "; ".join(self.errors))


class _Bad(ValueError):
    """A rejected value; the message says what was expected, with an example."""


# --- Value parsers: each returns the clean value or raises _Bad. -----------------------------------


def _got(value) -> str:
    text = repr(value) if isinstance(value, str) else json.dumps(value, default=str)
    return text if len(text) <= 60 else text[:57] + "…"


def _text(max_length: int, *, example: str, blank: bool = False, pattern=None):
    def parse(value):
        if not isinstance(value, str):
            raise _Bad(f'must be text, e.g. "{example}" (got {_got(value)})')
        value = value.strip()
        if not value and not blank:
            raise _Bad(f'must not be empty, e.g. "{example}"')
        if len(value) > max_length:
            raise _Bad(f"must be at most {max_length} characters (got {len(value)})")
        if value and pattern is not None and not pattern.match(value):
            raise _Bad(f'is not valid, e.g. "{example}" (got {_got(value)})')
        return value

    return parse


def _code(value):
    return _text(32, example="ACME", pattern=_CODE)(value)


def _username(value):
    value = _text(150, example="alice")(value)
    try:
        get_user_model().username_validator(value)
    except ValidationError:
        raise _Bad(
            f'may contain only letters, digits and @.+-_, e.g. "alice" (got {_got(value)})'
        ) from None
    return value


def _email(value):
    value = _text(254, example="alice@example.com", blank=True)(value)
    if value:
        try:
            validate_email(value)
        except ValidationError:
            raise _Bad(
                f'must be an email address, e.g. "alice@example.com" (got {_got(value)})'
            ) from None
    return value


def _email_required(value):
    value = _email(value)
    if not value:
        raise _Bad("must be an email address, e.g. \"it@acme.example\" (got '')")
    return value


def _currency(value):
    if not isinstance(value, str) or not _CURRENCY.match(value):
        raise _Bad(f'must be a 3-letter uppercase ISO 4217 code, e.g. "USD" (got {_got(value)})')
    return value


@cache
def _timezones() -> frozenset:
    return frozenset(zoneinfo.available_timezones())


def _timezone(value):
    if not isinstance(value, str) or value not in _timezones():
        raise _Bad(f'must be an IANA timezone, e.g. "Europe/Berlin" (got {_got(value)})')
    return value


def _choice(values):
    def parse(value):
        if not isinstance(value, str) or value not in values:
            raise _Bad(f"must be one of {', '.join(values)} (got {_got(value)})")
        return value

    return parse


def _bool(value):
    if not isinstance(value, bool):
        raise _Bad(f"must be true or false (got {_got(value)})")
    return value


def _int(minimum: int, maximum: int, *, example: int, allowed=None):
    def parse(value):
        if type(value) is not int:
            raise _Bad(f"must be a whole number, e.g. {example} (got {_got(value)})")
        if allowed is not None and value not in allowed:
            raise _Bad(f"must be one of {', '.join(map(str, allowed))} (got {value})")
        if not minimum <= value <= maximum:
            raise _Bad(f"must be between {minimum} and {maximum} (got {value})")
        return value

    return parse


def _decimal(*, places: int, example: str, minimum=None, positive=False, below=None, maximum=None):
    """A decimal given as a string or a JSON number. `below` is an exclusive upper bound."""

    def parse(value):
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            raise _Bad(
                f'must be a decimal number as a string, e.g. "{example}" (got {_got(value)})'
            )
        try:
            number = Decimal(str(value).strip())
        except InvalidOperation:
            raise _Bad(f'must be a decimal number, e.g. "{example}" (got {_got(value)})') from None
        if not number.is_finite():
            raise _Bad(f'must be a finite number, e.g. "{example}" (got {_got(value)})')
        if positive and number <= 0:
            raise _Bad(f'must be more than 0, e.g. "{example}" (got {_got(value)})')
        if minimum is not None and number < minimum:
            raise _Bad(f'must be at least {minimum}, e.g. "{example}" (got {_got(value)})')
        if below is not None and number >= below:
            raise _Bad(f'must be less than {below}, e.g. "{example}" (got {_got(value)})')
        if maximum is not None and number > maximum:
            raise _Bad(f'must be at most {maximum}, e.g. "{example}" (got {_got(value)})')
        if number != number.quantize(Decimal(1).scaleb(-places)):
            raise _Bad(f'must have at most {places} decimals, e.g. "{example}" (got {_got(value)})')
        return number

    return parse


_MONEY = _decimal(places=2, example="120.00", minimum=0, below=Decimal("1E10"))
_HOURS = _decimal(places=2, example="40", minimum=0, below=Decimal("1E7"))


def _date(value):
    try:
        if not isinstance(value, str) or not _DATE.match(value):
            raise ValueError
        return date.fromisoformat(value)
    except ValueError:
        raise _Bad(f'must be a date YYYY-MM-DD, e.g. "2026-01-31" (got {_got(value)})') from None


def _time(value):
    try:
        if not isinstance(value, str) or not _TIME.match(value):
            raise ValueError
        return time.fromisoformat(value)
    except ValueError:
        raise _Bad(f'must be a time HH:MM, e.g. "08:00" (got {_got(value)})') from None


def _password(value):
    # Not stripped: spaces are part of a passphrase.
    if not isinstance(value, str) or not value or len(value) > 128:
        raise _Bad('must be text of 1 to 128 characters, e.g. "a-long-passphrase-2026"')
    return value


def _purchase_hours(value):
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise _Bad(f'must be a number of hours, e.g. "40" (got {_got(value)})')
    try:
        return parse_purchase_hours(value)
    except PurchaseError as error:
        raise _Bad(str(error)) from None


# --- The cleaned file ------------------------------------------------------------------------------


@dataclass
class _PurchaseRow:
    path: str
    date: date
    hours: Decimal
    note: str


@dataclass
class _RateRow:
    path: str
    fields: dict
    client_code: str | None = None
    project_code: str | None = None


@dataclass
class _MemberRow:
    path: str
    username: str
    user_fields: dict
    member_fields: dict
    rates: list = field(default_factory=list)
    cost_rates: list = field(default_factory=list)


@dataclass
class _UserRow:
    path: str
    username: str
    user_fields: dict
    role: str | None = None
    client_code: str | None = None
    password: str | None = None


@dataclass
class _TaskRow:
    path: str
    name: str
    issue_key: str | None
    fields: dict


@dataclass
class _ProjectRow:
    path: str
    code: str
    fields: dict
    tasks: list = field(default_factory=list)


@dataclass
class _ClientRow:
    path: str
    code: str
    fields: dict
    owner: object = _SKIP
    plan: dict | None = None
    purchases: list = field(default_factory=list)
    projects: list = field(default_factory=list)


@dataclass
class _Setup:
    settings: dict | None = None
    clients: list = field(default_factory=list)
    members: list = field(default_factory=list)
    users: list = field(default_factory=list)


def _join(path: str, key) -> str:
    if isinstance(key, int):
        return f"{path}[{key}]"
    return f"{path}.{key}" if path else key


class _Nullable:
    """Marks a parser whose key may be `null` (clearing a nullable field)."""

    def __init__(self, parse):
        self.parse = parse


# Field parsers of each object: file key → parser. Keys named differently in the model are renamed.
SETTINGS_FIELDS = {
    "hours_per_day": _decimal(places=2, example="8", positive=True, maximum=24),
    "days_per_week": _decimal(places=2, example="5", positive=True, maximum=7),
    "invoice_prefix": _text(20, example="INV", blank=True),
}
CLIENT_FIELDS = {
    "name": _text(200, example="Acme Ltd"),
    "currency": _currency,
    "tax_rate": _decimal(places=4, example="0.15", minimum=0, below=1),
    "timezone": _timezone,
    "billing_mode": _choice(BillingMode.values),
    "low_balance_hours": _Nullable(_HOURS),
    "low_balance_percent": _Nullable(_decimal(places=2, example="20", minimum=0, maximum=100)),
    "runout_warning_weeks": _int(0, 520, example=4),
    "alert_clients_enabled": _bool,
    "is_internal": _bool,
    "is_active": _bool,
}
BUSINESS_HOURS_FIELDS = {"start": _time, "end": _time}
BUSINESS_HOURS_RENAME = {"start": "business_start", "end": "business_end"}
PLAN_FIELDS = {
    "min_billable_minutes": _int(0, 24 * 60, example=30),
    "support_fee": _MONEY,
    "monitoring_fee": _MONEY,
    "monthly_included_hours": _Nullable(
        _decimal(places=2, example="10", minimum=0, below=Decimal("1E6"))
    ),
    "overtime_rate": _Nullable(_MONEY),
}
ROUNDING_FIELDS = {
    "method": _choice(Rounding.values),
    "increment_minutes": _int(1, 60, example=15, allowed=ROUNDING_INCREMENTS),
}
ROUNDING_RENAME = {"method": "rounding_method", "increment_minutes": "rounding_increment_minutes"}
PROJECT_FIELDS = {
    "name": _text(200, example="Website"),
    "classification": _choice(Classification.values),
    "status": _choice(ProjectStatus.values),
    "budget_hours": _Nullable(_HOURS),
    "budget_amount": _Nullable(_MONEY),
}
MEMBER_FIELDS = {
    "jira_account_id": _Nullable(_text(128, example="5b10ac8d82e05b22cc7d4ef5")),
    "weekly_target_hours": _decimal(places=2, example="40", minimum=0, maximum=168),
    "exclusion": _choice(Exclusion.values),
    "timezone": _timezone,
}
RATE_FIELDS = {"rate": _MONEY, "currency": _currency, "valid_from": _date}


class _Reader:
    """Walks the file, collecting every error with its path and the cleaned values."""

    def __init__(self):
        self.errors: list[str] = []

    def error(self, path: str, message: str) -> None:
        self.errors.append(f"{path}: {message}" if path else message)

    def obj(self, value, path: str, allowed: tuple, required: tuple = ()) -> dict | None:
        if not isinstance(value, dict):
            self.error(path or "the file", f"must be an object {{…}} (got {_got(value)})")
            return None
        for key in value:
            if key not in allowed:
                self.error(_join(path, key), f"unknown key (allowed: {', '.join(allowed)})")
        for key in required:
            if key not in value:
                self.error(_join(path, key), "is required")
        return value

    def items(self, src: dict, key: str, path: str) -> list:
        """(item path, item) of each element of a list-valued key; [] when absent."""
        value = src.get(key)
        if not isinstance(value, list):
            if key in src:
                self.error(_join(path, key), f"must be a list […] (got {_got(value)})")
            return []
        return [(_join(_join(path, key), index), item) for index, item in enumerate(value)]

    def value(self, src: dict, key: str, path: str, parse):
        """The clean value of `key`; _SKIP when it is absent or rejected (and reported)."""
        if key not in src:
            return _SKIP
        nullable = isinstance(parse, _Nullable)
        if src[key] is None:
            if nullable:
                return None
            self.error(_join(path, key), "must not be null")
            return _SKIP
        try:
            return (parse.parse if nullable else parse)(src[key])
        except _Bad as bad:
            self.error(_join(path, key), str(bad))
            return _SKIP

    def values(self, src: dict, path: str, parsers: dict, rename: dict | None = None) -> dict:
        """{model field: clean value} of the keys present and valid."""
        cleaned = {}
        for key, parse in parsers.items():
            value = self.value(src, key, path, parse)
            if value is not _SKIP:
                cleaned[(rename or {}).get(key, key)] = value
        return cleaned

    def value_list(self, src: dict, key: str, path: str, parse):
        """The clean elements of a list-valued key; _SKIP when it is absent or not a list."""
        if key not in src:
            return _SKIP
        elements = self.items(src, key, path)
        if not isinstance(src[key], list):
            return _SKIP
        cleaned = []
        for element_path, element in elements:
            try:
                cleaned.append(parse(element))
            except _Bad as bad:
                self.error(element_path, str(bad))
        return cleaned

    def add_list(self, fields: dict, src: dict, key: str, path: str, parse) -> None:
        values = self.value_list(src, key, path, parse)
        if values is not _SKIP:
            fields[key] = values

    def no_duplicates(self, rows, what: str, key) -> None:
        """Report rows whose identity repeats an earlier row's; key None = identity invalid."""
        seen = {}
        for row in rows:
            row_key = key(row)
            if row_key is None:
                continue
            if row_key in seen:
                self.error(row.path, f"duplicate {what} of {seen[row_key]}")
            else:
                seen[row_key] = row.path

    # --- sections ------------------------------------------------------------------------------
    # A section returns None when its identity (code, username…) is unusable; every other bad
    # value is reported and the row kept, so that references to it are still checked.

    def read(self, data) -> _Setup:
        setup = _Setup()
        if self.obj(data, "", TOP_KEYS) is None:
            return setup
        if "settings" in data and self.obj(data["settings"], "settings", SETTINGS_KEYS):
            setup.settings = self.values(data["settings"], "settings", SETTINGS_FIELDS)
        clients = [self.client(item, path) for path, item in self.items(data, "clients", "")]
        members = [self.member(item, path) for path, item in self.items(data, "members", "")]
        users = [self.user(item, path) for path, item in self.items(data, "users", "")]
        setup.clients = [row for row in clients if row]
        setup.members = [row for row in members if row]
        setup.users = [row for row in users if row]
        return setup

    def client(self, src, path) -> _ClientRow | None:
        if self.obj(src, path, CLIENT_KEYS, required=("code", "name")) is None:
            return None
        code = self.value(src, "code", path, _code)
        fields = self.values(src, path, CLIENT_FIELDS)
        self.add_list(fields, src, "alert_contacts", path, _email_required)
        if "business_hours" in src:
            fields.update(self.business_hours(src["business_hours"], _join(path, "business_hours")))
        row = _ClientRow(path=path, code=code, fields=fields)
        row.owner = self.value(src, "owner", path, _Nullable(_username))
        if "plan" in src:
            row.plan = self.plan(src["plan"], _join(path, "plan"))
        purchases = [self.purchase(item, at) for at, item in self.items(src, "purchases", path)]
        projects = [self.project(item, at) for at, item in self.items(src, "projects", path)]
        row.purchases = [purchase for purchase in purchases if purchase]
        row.projects = [project for project in projects if project]
        self.no_duplicates(
            row.purchases,
            "purchase (same date, hours and note)",
            lambda p: (p.date, p.hours, p.note),
        )
        return None if code is _SKIP else row

    def business_hours(self, src, path) -> dict:
        if self.obj(src, path, BUSINESS_HOURS_KEYS) is None:
            return {}
        fields = self.values(src, path, BUSINESS_HOURS_FIELDS, BUSINESS_HOURS_RENAME)
        weekdays = self.value_list(src, "weekdays", path, _int(0, 6, example=0))
        if weekdays is not _SKIP:
            if len(set(weekdays)) != len(weekdays):
                self.error(
                    _join(path, "weekdays"),
                    f"lists a day twice, e.g. [0, 1, 2, 3, 4] (got {_got(src['weekdays'])})",
                )
            fields["business_weekdays"] = sorted(set(weekdays))
        start, end = fields.get("business_start"), fields.get("business_end")
        if start is not None and end is not None and start >= end:
            self.error(_join(path, "end"), f'must be after start {start:%H:%M}, e.g. "18:00"')
        return fields

    def plan(self, src, path) -> dict | None:
        if self.obj(src, path, PLAN_KEYS) is None:
            return None
        fields = self.values(src, path, PLAN_FIELDS)
        self.add_list(fields, src, "critical_priorities", path, _text(100, example="P1"))
        rounding_path = _join(path, "rounding")
        if "rounding" in src and self.obj(src["rounding"], rounding_path, ROUNDING_KEYS):
            fields.update(
                self.values(src["rounding"], rounding_path, ROUNDING_FIELDS, ROUNDING_RENAME)
            )
        multipliers_path = _join(path, "multipliers")
        if "multipliers" in src and self.obj(src["multipliers"], multipliers_path, MULTIPLIER_KEYS):
            parse = _decimal(places=4, example="1.5", positive=True, maximum=100)
            parsers = dict.fromkeys(MULTIPLIER_KEYS, parse)
            fields["multipliers"] = self.values(src["multipliers"], multipliers_path, parsers)
        return fields

    def purchase(self, src, path) -> _PurchaseRow | None:
        if self.obj(src, path, PURCHASE_KEYS, required=("date", "hours")) is None:
            return None
        on_date = self.value(src, "date", path, _date)
        hours = self.value(src, "hours", path, _purchase_hours)
        note = self.value(src, "note", path, _text(300, example="Initial block", blank=True))
        if on_date is _SKIP or hours is _SKIP:
            return None
        return _PurchaseRow(
            path=path, date=on_date, hours=hours, note="" if note is _SKIP else note
        )

    def project(self, src, path) -> _ProjectRow | None:
        if self.obj(src, path, PROJECT_KEYS, required=("code", "name")) is None:
            return None
        code = self.value(src, "code", path, _code)
        fields = self.values(src, path, PROJECT_FIELDS)
        self.add_list(fields, src, "jira_project_keys", path, _text(255, example="ACME"))
        self.add_list(fields, src, "jira_labels", path, _text(255, example="acme-web"))
        tasks = [self.task(item, at) for at, item in self.items(src, "tasks", path)]
        tasks = [task for task in tasks if task]
        self.no_duplicates(tasks, "task", lambda t: (t.issue_key or "").upper() or ("name", t.name))
        return (
            None if code is _SKIP else _ProjectRow(path=path, code=code, fields=fields, tasks=tasks)
        )

    def task(self, src, path) -> _TaskRow | None:
        if self.obj(src, path, TASK_KEYS, required=("name",)) is None:
            return None
        name = self.value(src, "name", path, _text(300, example="Checkout bug"))
        issue_key_parser = _Nullable(_text(64, example="ACME-12", pattern=_ISSUE_KEY))
        issue_key = self.value(src, "jira_issue_key", path, issue_key_parser)
        fields = self.values(src, path, {"is_active": _bool})
        if name is _SKIP or issue_key is _SKIP and "jira_issue_key" in src:
            return None
        issue_key = None if issue_key is _SKIP else issue_key
        return _TaskRow(path=path, name=name, issue_key=issue_key, fields=fields)

    def member(self, src, path) -> _MemberRow | None:
        if self.obj(src, path, MEMBER_KEYS, required=("username",)) is None:
            return None
        username = self.value(src, "username", path, _username)
        user_fields = self.values(src, path, {"email": _email})
        name = self.value(src, "name", path, _text(301, example="Alice Ngata", blank=True))
        if name is not _SKIP:
            first, _, last = name.partition(" ")
            if len(first) > 150 or len(last.strip()) > 150:
                self.error(
                    _join(path, "name"), "first and last name must be at most 150 characters each"
                )
            user_fields.update(first_name=first, last_name=last.strip())
        row = _MemberRow(
            path=path,
            username=username,
            user_fields=user_fields,
            member_fields=self.values(src, path, MEMBER_FIELDS),
        )
        rates = [self.rate(item, at) for at, item in self.items(src, "rates", path)]
        row.rates = [rate for rate in rates if rate]
        cost_rates = [self.cost_rate(item, at) for at, item in self.items(src, "cost_rates", path)]
        row.cost_rates = [rate for rate in cost_rates if rate]
        self.no_duplicates(
            row.rates,
            "rate (same level and valid_from)",
            lambda r: (
                (r.client_code, r.project_code, r.fields["valid_from"])
                if "valid_from" in r.fields
                else None
            ),
        )
        self.no_duplicates(
            row.cost_rates, "cost rate (same valid_from)", lambda r: r.fields.get("valid_from")
        )
        return None if username is _SKIP else row

    def rate(self, src, path) -> _RateRow | None:
        if self.obj(src, path, RATE_KEYS, required=("rate", "currency", "valid_from")) is None:
            return None
        fields = self.values(src, path, RATE_FIELDS)
        client_code = self.value(src, "client", path, _Nullable(_code))
        project_code = self.value(src, "project", path, _Nullable(_code))
        client_code = None if client_code is _SKIP else client_code
        project_code = None if project_code is _SKIP else project_code
        if client_code and project_code:
            self.error(
                path,
                'give either "client" or "project", not both '
                f"(got client {client_code!r} and project {project_code!r})",
            )
            return None
        return _RateRow(
            path=path, fields=fields, client_code=client_code, project_code=project_code
        )

    def cost_rate(self, src, path) -> _RateRow | None:
        if self.obj(src, path, COST_RATE_KEYS, required=COST_RATE_KEYS) is None:
            return None
        return _RateRow(path=path, fields=self.values(src, path, RATE_FIELDS))

    def user(self, src, path) -> _UserRow | None:
        if self.obj(src, path, USER_KEYS, required=("username", "role")) is None:
            return None
        username = self.value(src, "username", path, _username)
        role = self.value(src, "role", path, _choice(ROLES))
        client_code = self.value(src, "client", path, _Nullable(_code))
        password = self.value(src, "password", path, _Nullable(_password))
        role = None if role is _SKIP else role
        client_code = None if client_code is _SKIP else client_code
        if role == Role.CLIENT and not client_code:
            self.error(
                _join(path, "client"), 'is required when role is client, e.g. "client": "ACME"'
            )
        if role is not None and role != Role.CLIENT and client_code:
            self.error(
                _join(path, "client"),
                f"only client users belong to a client (role is {role!r}); remove it or use role client",
            )
        if username is _SKIP:
            return None
        return _UserRow(
            path=path,
            username=username,
            user_fields=self.values(src, path, {"email": _email}),
            role=role,
            client_code=client_code,
            password=None if password is _SKIP else password,
        )


# --- Checks across the file and against the database -------------------------------------------


class _Checker:
    """References between rows, and against what the database already holds."""

    def __init__(self, setup: _Setup, error):
        self.setup = setup
        self.error = error
        self.client_currency: dict[str, str] = {}  # client code in the file → its currency
        self.project_client: dict[str, str] = {}  # project code in the file → its client code
        self.user_rows: dict[str, _UserRow] = {}
        self.member_rows: dict[str, _MemberRow] = {}

    def run(self) -> None:
        self.check_clients()
        self.check_users()
        self.check_members()
        self.check_owners()
        self.check_passwords()

    def currency_of_client(self, code: str) -> str | None:
        if code in self.client_currency:
            return self.client_currency[code]
        client = Client.objects.filter(code=code).first()
        return client.currency if client else None

    def currency_of_project(self, code: str) -> str | None:
        if code in self.project_client:
            return self.currency_of_client(self.project_client[code])
        project = Project.objects.filter(code=code).select_related("client").first()
        return project.client.currency if project else None

    def check_clients(self) -> None:
        client_paths: dict[str, str] = {}
        project_paths: dict[str, str] = {}
        issue_keys: dict[str, tuple[str, str]] = {}  # upper-case Jira key → (project code, path)
        db_currency = dict(
            Client.objects.filter(code__in=[row.code for row in self.setup.clients]).values_list(
                "code", "currency"
            )
        )
        for row in self.setup.clients:
            if row.code in client_paths:
                self.error(
                    _join(row.path, "code"),
                    f"duplicate client {row.code!r} (also at {client_paths[row.code]})",
                )
                continue
            client_paths[row.code] = row.path
            default = Client._meta.get_field("currency").default
            self.client_currency[row.code] = row.fields.get("currency") or db_currency.get(
                row.code, default
            )
            for project in row.projects:
                if project.code in project_paths:
                    self.error(
                        _join(project.path, "code"),
                        f"project code {project.code!r} is also used at {project_paths[project.code]}; "
                        "project codes are unique firm-wide",
                    )
                    continue
                self.project_client[project.code] = row.code
                project_paths[project.code] = project.path
                for task in project.tasks:
                    if not task.issue_key:
                        continue
                    key_path = _join(task.path, "jira_issue_key")
                    other_project, _ = issue_keys.setdefault(
                        task.issue_key.upper(), (project.code, key_path)
                    )
                    if other_project != project.code:
                        self.error(
                            key_path,
                            f"{task.issue_key!r} is also a task of project {other_project!r}",
                        )

        for project in Project.objects.filter(code__in=list(project_paths)).select_related(
            "client"
        ):
            if project.client.code != self.project_client[project.code]:
                self.error(
                    _join(project_paths[project.code], "code"),
                    f"project {project.code!r} already belongs to client {project.client.code!r}; "
                    "project codes are unique firm-wide",
                )
        linked = Task.objects.annotate(key_upper=Upper("jira_issue_key")).filter(
            key_upper__in=list(issue_keys)
        )
        for task in linked.select_related("project"):
            project_code, key_path = issue_keys[task.key_upper]
            if task.project.code != project_code:
                self.error(
                    key_path,
                    f"issue {task.jira_issue_key!r} is already a task of project {task.project.code!r}",
                )

    def check_users(self) -> None:
        member_names = {row.username for row in self.setup.members}
        for row in self.setup.users:
            if row.username in self.user_rows:
                self.error(
                    _join(row.path, "username"),
                    f"duplicate user {row.username!r} (also at {self.user_rows[row.username].path})",
                )
                continue
            self.user_rows[row.username] = row
            if row.client_code and self.currency_of_client(row.client_code) is None:
                self.error(
                    _join(row.path, "client"),
                    f"unknown client {row.client_code!r}; add it under clients or use an existing code",
                )
            if row.role == Role.CLIENT and (
                row.username in member_names
                or Member.objects.filter(user__username=row.username).exists()
            ):
                self.error(
                    _join(row.path, "role"),
                    f"{row.username!r} is a member (logs time); a client user cannot be one",
                )

    def check_members(self) -> None:
        account_paths: dict[str, str] = {}
        for row in self.setup.members:
            if row.username in self.member_rows:
                self.error(
                    _join(row.path, "username"),
                    f"duplicate member {row.username!r} (also at {self.member_rows[row.username].path})",
                )
                continue
            self.member_rows[row.username] = row
            user_row = self.user_rows.get(row.username)
            if user_row is None:
                profile = UserProfile.objects.filter(user__username=row.username).first()
                if profile and profile.role == Role.CLIENT:
                    self.error(
                        _join(row.path, "username"),
                        f"{row.username!r} is a client user; members must be staff "
                        "(add a users row with a staff role)",
                    )
            member_email = row.user_fields.get("email")
            user_email = user_row.user_fields.get("email") if user_row else None
            if member_email is not None and user_email is not None and member_email != user_email:
                self.error(
                    _join(row.path, "email"),
                    f"differs from {_join(user_row.path, 'email')} ({user_email!r}); give one email",
                )
            account_id = row.member_fields.get("jira_account_id")
            if account_id:
                account_path = _join(row.path, "jira_account_id")
                if account_id in account_paths:
                    self.error(
                        account_path, f"also given to the member at {account_paths[account_id]}"
                    )
                account_paths.setdefault(account_id, row.path)
                self.check_account(row, account_id, account_path)
            for rate in row.rates:
                self.check_rate(rate)

    def check_account(self, row: _MemberRow, account_id: str, path: str) -> None:
        holder = Member.objects.filter(jira_account_id=account_id).select_related("user").first()
        if holder is None or holder.user.username == row.username:
            return
        if not holder.is_placeholder:
            self.error(path, f"{account_id!r} already belongs to member {holder.user.username!r}")
        elif Member.objects.filter(user__username=row.username).exists():
            # Merging two members' entries would re-price them; a person decides that by hand.
            self.error(
                path,
                f"{account_id!r} belongs to placeholder {holder.user.username!r} with its entries, "
                f"but {row.username!r} is already a member; move the entries first or leave "
                "jira_account_id out",
            )

    def check_rate(self, rate: _RateRow) -> None:
        if rate.client_code:
            currency = self.currency_of_client(rate.client_code)
            if currency is None:
                self.error(
                    _join(rate.path, "client"),
                    f"unknown client {rate.client_code!r}; add it under clients or use an existing code",
                )
                return
        elif rate.project_code:
            currency = self.currency_of_project(rate.project_code)
            if currency is None:
                self.error(
                    _join(rate.path, "project"),
                    f"unknown project {rate.project_code!r}; add it under a client's projects "
                    "or use an existing code",
                )
                return
        else:
            return  # a member's default rate may be in any currency
        given = rate.fields.get("currency", currency)
        if given != currency:
            self.error(
                _join(rate.path, "currency"),
                f"must be the client's currency {currency!r} for a client or project rate (got {given!r})",
            )

    def check_owners(self) -> None:
        for row in self.setup.clients:
            if not row.owner or row.owner is _SKIP:
                continue
            path = _join(row.path, "owner")
            if row.owner in self.user_rows:
                role = self.user_rows[row.owner].role
            elif row.owner in self.member_rows:
                continue
            else:
                user = get_user_model().objects.filter(username=row.owner).first()
                if user is None:
                    self.error(
                        path,
                        f"unknown user {row.owner!r}; add it under users or members, or use an "
                        "existing username",
                    )
                    continue
                role = UserProfile.objects.filter(user=user).values_list("role", flat=True).first()
            if role == Role.CLIENT:
                self.error(
                    path, f"{row.owner!r} is a client user; the owner must be staff, e.g. a manager"
                )

    def check_passwords(self) -> None:
        # Passwords are set only on new logins (a placeholder takeover renames one into a new login).
        User = get_user_model()
        existing = set(
            User.objects.filter(username__in=list(self.user_rows)).values_list(
                "username", flat=True
            )
        )
        for row in self.user_rows.values():
            if not row.password or row.username in existing:
                continue
            try:
                password_validation.validate_password(
                    row.password,
                    User(username=row.username, email=row.user_fields.get("email", "")),
                )
            except ValidationError as invalid:
                self.error(_join(row.path, "password"), " ".join(invalid.messages))


def _placeholder_for(row: _MemberRow) -> Member | None:
    """The placeholder member this row takes over, if any."""
    account_id = row.member_fields.get("jira_account_id")
    if not account_id:
        return None
    return (
        Member.objects.filter(jira_account_id=account_id, is_placeholder=True)
        .exclude(user__username=row.username)
        .select_related("user")
        .first()
    )


def _read(data) -> tuple[_Setup, list[str]]:
    reader = _Reader()
    setup = reader.read(data)
    if isinstance(data, dict):
        _Checker(setup, reader.error).run()
    return setup, reader.errors


def validate_setup(data: dict) -> list[str]:
    """Every problem of the file, each as "path: what is wrong (example)"; [] when valid."""
    return _read(data)[1]


# --- Applying -------------------------------------------------------------------------------------


def _assign(obj, values: dict) -> bool:
    """Set the values that differ; True when any did. Unchanged rows are never saved."""
    changed = False
    for name, value in values.items():
        if getattr(obj, name) != value:
            setattr(obj, name, value)
            changed = True
    return changed


class _Applier:
    """Writes a valid file: users first (owners), then clients, roles, members and rates."""

    def __init__(self, setup: _Setup, by):
        self.setup = setup
        self.by = by
        self.changed = {key: set() for key in COUNT_KEYS}
        self.users: dict = {}
        self.clients: dict[str, Client] = {}
        self.projects: dict[str, Project] = {}

    def run(self) -> dict[str, int]:
        if self.setup.settings:
            self.apply_settings(self.setup.settings)
        for row in self.setup.members:
            self.take_over_placeholder(row)
        self.apply_users()
        for row in self.setup.clients:
            self.apply_client(row)
        self.apply_profiles()
        for row in self.setup.members:
            self.apply_member(row)
        return {key: len(self.changed[key]) for key in COUNT_KEYS}

    def apply_settings(self, values: dict) -> None:
        firm = FirmSettings.objects.select_for_update().order_by("pk").first()
        if firm is None:
            FirmSettings.objects.create(**values)
        elif _assign(firm, values):
            firm.save()

    def take_over_placeholder(self, row: _MemberRow) -> None:
        member = (
            _placeholder_for(row)
            or Member.objects.filter(user__username=row.username, is_placeholder=True)
            .select_related("user")
            .first()
        )
        if member is None:
            return
        User = get_user_model()
        user = member.user
        existing = User.objects.filter(username=row.username).first()
        if existing is not None and existing.pk != user.pk:
            # The person already has a login (without a member): the member moves to it and
            # the placeholder login, which never signed in, goes.
            placeholder_user = user
            member.user = user = existing
            member.is_placeholder = False
            member.save()
            placeholder_user.delete()
        else:
            password = next(
                (u.password for u in self.setup.users if u.username == row.username and u.password),
                None,
            )
            if user.username != row.username and password:
                user.set_password(password)  # the placeholder becomes this person's new login
            user.username = row.username
            member.is_placeholder = False
            member.save()
        user.is_active = True
        user.save()
        self.changed["members"].add(row.username)
        self.changed["users"].add(row.username)

    def apply_users(self) -> None:
        User = get_user_model()
        rows: dict[str, dict] = {}
        passwords: dict[str, str | None] = {}
        for row in self.setup.members:
            rows.setdefault(row.username, {}).update(row.user_fields)
        for row in self.setup.users:
            values = rows.setdefault(row.username, {})
            values.update(row.user_fields)
            # The file's role is the truth: a superuser listed as finance stops being one.
            values["is_superuser"] = row.role == Role.ADMIN
            passwords[row.username] = row.password
        existing = {
            user.username: user
            for user in User.objects.select_for_update().filter(username__in=list(rows))
        }
        for username, values in rows.items():
            user = existing.get(username)
            if user is None:
                user = User(username=username, **values)
                if passwords.get(username):
                    user.set_password(passwords[username])
                else:
                    user.set_unusable_password()
                user.save()
                self.changed["users"].add(username)
            elif _assign(user, values):
                user.save()
                self.changed["users"].add(username)
            self.users[username] = user

    def apply_profiles(self) -> None:
        for row in self.setup.users:
            client = self.client_by_code(row.client_code) if row.client_code else None
            self.set_profile(row.username, {"role": row.role, "client": client}, create_only=False)
            user = self.users[row.username]
            was_staff = user.is_staff
            # Django admin access (is_staff, the Finance group) follows the role.
            sync_admin_access(user)
            if user.is_staff != was_staff:
                self.changed["users"].add(row.username)
        user_rows = {row.username for row in self.setup.users}
        for row in self.setup.members:
            if row.username not in user_rows:
                self.set_profile(
                    row.username, {"role": Role.STAFF, "client": None}, create_only=True
                )

    def set_profile(self, username: str, values: dict, *, create_only: bool) -> None:
        user = self.users[username]
        profile = UserProfile.objects.filter(user=user).first()
        if profile is None:
            UserProfile.objects.create(user=user, **values)
            self.changed["users"].add(username)
        elif not create_only and _assign(profile, values):
            profile.save()
            self.changed["users"].add(username)

    def user_by_name(self, username: str):
        if username not in self.users:
            self.users[username] = get_user_model().objects.get(username=username)
        return self.users[username]

    def client_by_code(self, code: str) -> Client:
        if code not in self.clients:
            self.clients[code] = Client.objects.get(code=code)
        return self.clients[code]

    def project_by_code(self, code: str) -> Project:
        if code not in self.projects:
            self.projects[code] = Project.objects.get(code=code)
        return self.projects[code]

    def apply_client(self, row: _ClientRow) -> None:
        values = dict(row.fields)
        if row.owner is not _SKIP:
            values["owner"] = self.user_by_name(row.owner) if row.owner else None
        client = Client.objects.select_for_update().filter(code=row.code).first()
        created = client is None
        if created:
            client = Client.objects.create(code=row.code, **values)
            self.changed["clients"].add(row.code)
        elif _assign(client, values):
            client.save()
            self.changed["clients"].add(row.code)
        self.clients[row.code] = client
        if self.apply_plan(client, row.plan, created):
            self.changed["clients"].add(row.code)
        for purchase in row.purchases:
            if self.apply_purchase(client, purchase):
                self.changed["clients"].add(row.code)
        for project in row.projects:
            self.apply_project(client, project)

    def apply_plan(self, client: Client, values: dict | None, client_created: bool) -> bool:
        if values is None and not client_created:
            return False
        values = dict(values or {})
        plan = BillingPlan.objects.filter(client=client).first()
        current = plan.multipliers if plan else default_multipliers()
        if "multipliers" in values:
            merged = dict(current)
            for key, number in values["multipliers"].items():
                # "1.50" and "1.5" are the same multiplier: keep the stored text then.
                if key not in merged or _as_decimal(merged[key]) != number:
                    merged[key] = str(number)
            values["multipliers"] = merged
        if plan is None:
            BillingPlan.objects.create(client=client, **values)
            return True
        if _assign(plan, values):
            plan.save()
            return True
        return False

    def apply_purchase(self, client: Client, purchase: _PurchaseRow) -> bool:
        match = {"date": purchase.date, "hours": purchase.hours, "note": purchase.note}
        if HourPurchase.objects.filter(client=client, **match).exists():
            return False
        add_purchase(
            client=client,
            hours=purchase.hours,
            on_date=purchase.date,
            note=purchase.note,
            by=self.by,
        )
        return True

    def apply_project(self, client: Client, row: _ProjectRow) -> None:
        project = Project.objects.filter(code=row.code).first()
        if project is None:
            project = Project.objects.create(client=client, code=row.code, **row.fields)
            self.changed["projects"].add(row.code)
        elif _assign(project, row.fields):
            project.save()
            self.changed["projects"].add(row.code)
        self.projects[row.code] = project
        for task in row.tasks:
            self.apply_task(project, task)

    def apply_task(self, project: Project, row: _TaskRow) -> None:
        if row.issue_key:
            task = Task.objects.filter(
                project=project, jira_issue_key__iexact=row.issue_key
            ).first()
            values = {"name": row.name, **row.fields}
        else:
            # An unlinked task first (the constraint's namesake); else one linked since by hand.
            named = Task.objects.filter(project=project, name=row.name)
            task = named.filter(jira_issue_key__isnull=True).first() or named.order_by("pk").first()
            values = dict(row.fields)
        if task is None:
            task = Task.objects.create(
                project=project, name=row.name, jira_issue_key=row.issue_key or None, **row.fields
            )
        elif _assign(task, values):
            task.save()
        else:
            return
        self.changed["tasks"].add(task.pk)

    def apply_member(self, row: _MemberRow) -> None:
        user = self.users[row.username]
        member = Member.objects.filter(user=user).first()
        if member is None:
            member = Member.objects.create(user=user, **row.member_fields)
            self.changed["members"].add(row.username)
        elif _assign(member, row.member_fields):
            member.save()
            self.changed["members"].add(row.username)
        for rate in row.rates:
            if self.apply_rate(member, rate):
                self.changed["members"].add(row.username)
        for rate in row.cost_rates:
            if self.apply_cost_rate(member, rate):
                self.changed["members"].add(row.username)

    def apply_rate(self, member: Member, row: _RateRow) -> bool:
        client = self.client_by_code(row.client_code) if row.client_code else None
        project = self.project_by_code(row.project_code) if row.project_code else None
        valid_from = row.fields["valid_from"]
        rate = RateCard.objects.filter(
            member=member, client=client, project=project, valid_from=valid_from
        ).first()
        values = {"rate": row.fields["rate"], "currency": row.fields["currency"]}
        if rate is None:
            RateCard.objects.create(
                member=member, client=client, project=project, valid_from=valid_from, **values
            )
            return True
        if _assign(rate, values):
            rate.save()
            return True
        return False

    def apply_cost_rate(self, member: Member, row: _RateRow) -> bool:
        valid_from = row.fields["valid_from"]
        values = {"rate": row.fields["rate"], "currency": row.fields["currency"]}
        rate = CostRate.objects.filter(member=member, valid_from=valid_from).first()
        if rate is None:
            CostRate.objects.create(member=member, valid_from=valid_from, **values)
            return True
        if _assign(rate, values):
            rate.save()
            return True
        return False


def _as_decimal(text) -> Decimal | None:
    try:
        return Decimal(str(text))
    except InvalidOperation:
        return None


def import_setup(data: dict, *, by=None) -> dict[str, int]:
    """Create or update the firm setup in `data`; counts of objects created or changed per key.

    Raises SetupError (with every problem) when the file is invalid; then nothing is written."""
    with transaction.atomic():
        setup, errors = _read(data)
        if errors:
            raise SetupError(errors)
        return _Applier(setup, by).run()
