"""Shared pieces of the JSON API (INTERFACES §3) that every app's `api.py` uses.

Authentication (bearer tokens, session with CSRF), the one pagination helper, the error shapes
and the JSON formatting of money, hours, times and datetimes. Who may hold a token and which role
may call what are business rules: `clients.api_auth` plugs them in."""

import math
from datetime import UTC, datetime, time
from typing import Annotated

from django.conf import settings
from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Field, Schema
from ninja.errors import AuthenticationError, HttpError
from ninja.security import APIKeyCookie, HttpBearer
from ninja.utils import check_csrf
from pydantic import AfterValidator, create_model

from .units import minutes_to_hours, money

# --- Errors ----------------------------------------------------------------------------------

AUTH_HINT = "send 'Authorization: Bearer <token>' (tokens come from create_api_token or the admin) or log in"


class ApiInputError(Exception):
    """Bad input found by an endpoint (not by the schema): answered 400 with field errors."""

    def __init__(self, errors: dict[str, list[str]], detail: str | None = None):
        self.errors = errors
        first_field, messages = next(iter(errors.items()))
        self.detail = detail or f"Invalid {first_field}: {messages[0]}"
        super().__init__(self.detail)


def bad_input(field: str, message: str) -> ApiInputError:
    return ApiInputError({field: [message]})


class ErrorOut(Schema):
    detail: str


class ValidationErrorOut(Schema):
    detail: str
    errors: dict[str, list[str]] = Field(default_factory=dict)


# The error responses every operation may give, for the OpenAPI schema.
READ_ERRORS = {400: ValidationErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut}
WRITE_ERRORS = {**READ_ERRORS, 409: ErrorOut}


# --- Input types -----------------------------------------------------------------------------


def _storable_text(value: str) -> str:
    # PostgreSQL refuses NUL characters and lone surrogates cannot be encoded: refuse them
    # here with a 400 instead of failing later in the database.
    if "\x00" in value:
        raise ValueError("Text must not contain NUL (\\x00) characters")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("Text must be valid Unicode (no lone surrogate characters)") from None
    return value


Text = Annotated[str, AfterValidator(_storable_text)]

# Ids are PostgreSQL bigints.
MAX_ID = 2**63 - 1
Id = Annotated[int, Field(ge=1, le=MAX_ID)]


# --- Authentication --------------------------------------------------------------------------


class BearerTokenAuth(HttpBearer):
    """`Authorization: Bearer <token>`: hashed tokens that record when they were last used."""

    def __init__(self, authenticate_token, guard=None):
        self.authenticate_token = authenticate_token
        self.guard = guard
        super().__init__()

    def __call__(self, request: HttpRequest):
        header = request.headers.get("Authorization")
        if not header:
            return None  # let session authentication try
        scheme, _, raw = header.partition(" ")
        if scheme.lower() != "bearer" or not raw.strip():
            raise AuthenticationError(message=f"Unsupported Authorization header; {AUTH_HINT}.")
        return self.authenticate(request, raw.strip())

    def authenticate(self, request: HttpRequest, token: str):
        user = self.authenticate_token(_storable_token(token))
        if user is None:
            # A wrong token is never silently replaced by a session: the caller meant the token.
            raise AuthenticationError(message="Invalid or revoked API token.")
        if self.guard:
            self.guard(user)
        return user


def _storable_token(token: str) -> str:
    try:
        return _storable_text(token)
    except ValueError:
        return ""


class SessionCsrfAuth(APIKeyCookie):
    """A logged-in browser session; writes need the CSRF token (X-CSRFToken header).

    ninja's own SessionAuth checks CSRF before knowing whether there is a session at all, which
    would answer an anonymous write with 403 instead of 401."""

    param_name = settings.SESSION_COOKIE_NAME

    def __init__(self, guard=None):
        self.guard = guard
        super().__init__(csrf=True)

    def _get_key(self, request: HttpRequest):
        return request.COOKIES.get(self.param_name)

    def authenticate(self, request: HttpRequest, key):
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return None
        if request.method not in ("GET", "HEAD", "OPTIONS", "TRACE") and check_csrf(request):
            raise HttpError(
                403,
                "CSRF check failed: a session login must send the csrftoken cookie's value in "
                "the X-CSRFToken header on writes (or use a bearer token).",
            )
        if self.guard:
            self.guard(user)
        return user


def api_auth(authenticate_token, guard=None) -> list:
    """Bearer token first, then the session; `authenticate_token(raw)` finds the token's user
    and `guard(user)` enforces the endpoint's roles."""
    return [BearerTokenAuth(authenticate_token, guard), SessionCsrfAuth(guard)]


def api_user(request: HttpRequest):
    """The authenticated user (token or session), already checked by the endpoint's guard."""
    return request.auth


# --- Pagination ------------------------------------------------------------------------------

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 500


class PageQuery(Schema):
    page: int = Field(1, ge=1, le=10**9, description="Page number, from 1")
    page_size: int = Field(
        DEFAULT_PAGE_SIZE, ge=1, le=MAX_PAGE_SIZE, description="Rows per page, 1–500"
    )


def paginated(item_schema: type[Schema]) -> type[Schema]:
    """The `{count, next, previous, results}` schema of a list of `item_schema`."""
    return create_model(
        f"{item_schema.__name__.removesuffix('Out')}Page",
        __base__=Schema,
        count=(int, ...),
        next=(str | None, None),
        previous=(str | None, None),
        results=(list[item_schema], ...),
    )


def _page_url(request: HttpRequest, page: int) -> str:
    params = request.GET.copy()
    params["page"] = str(page)
    return request.build_absolute_uri(f"{request.path}?{params.urlencode()}")


def paginate(request: HttpRequest, rows: QuerySet, paging: PageQuery, serialize) -> dict:
    """One page of `rows` as INTERFACES §3: absolute next/previous URLs keeping the other
    query parameters; a page past the end is 404 (page 1 of an empty list is an empty page)."""
    count = rows.count()
    last_page = max(1, math.ceil(count / paging.page_size))
    if paging.page > last_page:
        raise HttpError(
            404,
            f"Page {paging.page} is past the end: there are {last_page} page(s) of {paging.page_size}.",
        )
    start = (paging.page - 1) * paging.page_size
    results = [serialize(row) for row in rows[start : start + paging.page_size]]
    return {
        "count": count,
        "next": _page_url(request, paging.page + 1) if paging.page < last_page else None,
        "previous": _page_url(request, paging.page - 1) if paging.page > 1 else None,
        "results": results,
    }


# --- JSON formatting (INTERFACES §1.1) -------------------------------------------------------


def money_text(value) -> str | None:
    """Money and rates: a string with exactly 2 decimals; None stays None."""
    if value is None:
        return None
    return f"{money(value):.2f}"


def hours_number(minutes: int) -> float:
    """A `*_hours` figure as a JSON number: round-half-up(minutes / 60, 2)."""
    # Two decimals survive the float round trip exactly as printed (12.5 → 12.5).
    return float(minutes_to_hours(minutes))


def time_text(value: time | None) -> str | None:
    return value.strftime("%H:%M") if value is not None else None


def datetime_text(value: datetime | None) -> str | None:
    """ISO 8601 UTC with `Z`."""
    if value is None:
        return None
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
