"""The JSON API at /api/v1/ (INTERFACES §3): mounts every app's router and maps errors.

Like config/urls.py this module may import every app. Every error is `{"detail": …}`, and
validation errors (400, never 422) add `"errors": {field: [message]}`."""

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError

from billing.api import router as billing_router
from clients.api import router as clients_router
from clients.api_auth import api_auth
from core.api import AUTH_HINT, ApiInputError
from fieldwork.api import router as fieldwork_router
from timetracking.api import router as timetracking_router
from timetracking.durations import ACCEPTED_EXAMPLE
from timetracking.services import EntryError, EntryInvalid

api = NinjaAPI(
    title="Hourbank API",
    version="1",
    description=(
        "Hour banks, time entries and unbilled time. Authenticate with `Authorization: Bearer <token>` "
        "(`manage.py create_api_token --user NAME` or the admin) or a logged-in session (writes need "
        "the X-CSRFToken header). Lists are paginated with `page` and `page_size` (1–500)."
    ),
    urls_namespace="api-v1",
    openapi_url="/openapi.json",
    docs_url="/docs",
    auth=api_auth(),
)

api.add_router("", timetracking_router)
api.add_router("", clients_router)
api.add_router("", fieldwork_router)
api.add_router("", billing_router)


# --- Validation errors -----------------------------------------------------------------------

# What a valid value looks like, appended to the schema's own message.
FIELD_HINTS = {
    "page": "use a page number from 1, e.g. page=2",
    "page_size": "use 1 to 500 rows per page, e.g. page_size=100",
    "date": "use YYYY-MM-DD, e.g. 2026-03-02",
    "from": "use YYYY-MM-DD, e.g. from=2026-03-01",
    "to": "use YYYY-MM-DD, e.g. to=2026-03-31",
    "start_time": "use HH:MM, e.g. 09:30",
    "task_id": "use the id of a task from /api/v1/tasks, e.g. 12",
    "client": "use a client id, e.g. client=3",
    "project": "use a project id, e.g. project=7",
    "status": "use unbilled, billed, invoiced or non_billable",
    "billable": "use true or false",
    "member": "use a member's username, e.g. alice",
    "description": "use plain text of at most 10,000 characters, e.g. Fixed the backup job",
}
# Fields whose schema errors are replaced by one clear sentence.
FIELD_MESSAGES = {
    "duration": f"Duration must be text or a whole number of minutes; {ACCEPTED_EXAMPLE}.",
}
BODY_EXAMPLE = '{"task_id": 12, "date": "2026-03-02", "duration": "1h 30m"}'
LOCATIONS = ("body", "query", "path", "header", "cookie", "form", "file")


def _field_of(loc: list) -> str:
    """The input name of an error location: ('query', 'page_size') → 'page_size',
    ('body', 'payload', 'duration', 'int') → 'duration'."""
    parts = [str(part) for part in loc]
    if parts and parts[0] in LOCATIONS:
        kind, parts = parts[0], parts[1:]
        if kind == "body" and parts:
            parts = parts[1:]  # the operation's payload parameter name
    if not parts:
        return "body"
    # Path parameters are named `<thing>_id` in code and `{id}` in the URL contract.
    return parts[0]


def _message_of(field: str, error: dict) -> str:
    if field in FIELD_MESSAGES:
        return FIELD_MESSAGES[field]
    message = str(error.get("msg") or "Invalid value").removeprefix("Value error, ")
    if error.get("type") == "missing":
        message = "This field is required"
    elif error.get("type") in ("json_invalid", "model_attributes_type", "dict_type"):
        return f"The body must be a JSON object, e.g. {BODY_EXAMPLE}."
    elif error.get("type") == "extra_forbidden":
        return f"Unknown field {field!r}; send only the documented fields, e.g. {BODY_EXAMPLE}."
    hint = FIELD_HINTS.get(field)
    return f"{message}; {hint}." if hint else f"{message}."


def validation_errors(exc: ValidationError) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    for error in exc.errors:
        field = _field_of(list(error.get("loc") or ()))
        message = _message_of(field, error)
        if message not in errors.setdefault(field, []):
            errors[field].append(message)
    return errors


def _detail_of(errors: dict[str, list[str]]) -> str:
    field, messages = next(iter(errors.items()))
    more = f" (and {len(errors) - 1} more field(s))" if len(errors) > 1 else ""
    return f"Invalid {field}: {messages[0]}{more}"


@api.exception_handler(ValidationError)
def on_validation_error(request: HttpRequest, exc: ValidationError):
    errors = validation_errors(exc) or {"body": ["The request is not valid."]}
    return api.create_response(
        request, {"detail": _detail_of(errors), "errors": errors}, status=400
    )


@api.exception_handler(ApiInputError)
def on_input_error(request: HttpRequest, exc: ApiInputError):
    return api.create_response(request, {"detail": exc.detail, "errors": exc.errors}, status=400)


@api.exception_handler(EntryError)
def on_entry_error(request: HttpRequest, exc: EntryError):
    """timetracking's refusals: invalid → 400 naming the field; locked / changed at source → 409."""
    if isinstance(exc, EntryInvalid) or exc.status == 400:
        field = exc.field or "body"
        return api.create_response(
            request, {"detail": exc.message, "errors": {field: [exc.message]}}, status=400
        )
    return api.create_response(request, {"detail": exc.message}, status=exc.status)


# --- Other errors ----------------------------------------------------------------------------


@api.exception_handler(AuthenticationError)
def on_authentication_error(request: HttpRequest, exc: AuthenticationError):
    message = (
        exc.message if exc.message != "Unauthorized" else f"Authentication required: {AUTH_HINT}."
    )
    response = api.create_response(request, {"detail": message}, status=401)
    response["WWW-Authenticate"] = 'Bearer realm="api"'
    return response


@api.exception_handler(HttpError)
def on_http_error(request: HttpRequest, exc: HttpError):
    if exc.status_code == 400:
        # ninja's own 400 (a body that is not JSON) gets the same shape as validation errors.
        message = f"The body must be JSON, e.g. {BODY_EXAMPLE}."
        return api.create_response(
            request, {"detail": message, "errors": {"body": [message]}}, status=400
        )
    return api.create_response(request, {"detail": exc.message}, status=exc.status_code)


@api.exception_handler(Http404)
def on_not_found(request: HttpRequest, exc: Http404):
    # Never say whether the object exists for another client (PRODUCT §9).
    return api.create_response(request, {"detail": "Not found."}, status=404)


@api.exception_handler(PermissionDenied)
def on_permission_denied(request: HttpRequest, exc: PermissionDenied):
    return api.create_response(request, {"detail": str(exc) or "You may not do this."}, status=403)
