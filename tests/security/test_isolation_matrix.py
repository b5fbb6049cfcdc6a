"""The isolation matrix: every URL that names an object — each page and fragment pattern in
`config.urls` (walked recursively), each route of the API's OpenAPI schema with a path parameter,
and the admin's object URLs — is requested with ANOTHER client's objects as

- a client user (Acme's): 404 where the role may use the URL, else 403/404; never data;
- an anonymous visitor: the login redirect (pages) or 401 (API).

New URLs are covered automatically: their kwargs are filled from OBJECT_FOR_KWARG (pages) or
API_OBJECT_FOR (API); a kwarg name the maps do not know fails the test, so nobody can add an
object URL without saying which object it names."""

from __future__ import annotations

import json
import re
from datetime import date

import pytest
from django.test import Client as HttpClient
from django.urls import URLPattern, URLResolver, get_resolver
from django.urls.resolvers import RegexPattern, RoutePattern

from billing.models import Invoice
from clients.services import create_api_token
from config.api import api
from fieldwork.services import ActivityInput, create_activity
from tests.conftest import login_client
from tests.factories import PurchaseFactory, TimeEntryFactory, invoice_and_lock

pytestmark = pytest.mark.django_db

API_PREFIX = "/api/v1"

# Page kwargs → a callable(objects) giving the value: always one of Globex's objects.
OBJECT_FOR_KWARG = {
    "client_id": lambda o: o.globex.pk,
    "project_id": lambda o: o.globex_project.pk,
    "task_id": lambda o: o.globex_task.pk,
    "entry_id": lambda o: o.globex_entry.pk,
    "activity_id": lambda o: o.globex_activity.pk,
    "invoice_id": lambda o: o.globex_invoice.pk,
    "purchase_id": lambda o: o.globex_purchase.pk,
    # Not an object: the lifecycle verb of /billing/invoices/<id>/<action>/ (the invoice is Globex's).
    "action": lambda o: "approve",
    # Not an object: the name of an insights table exported as CSV (managers and up only).
    "table": lambda o: "hours",
    # A Jira issue in the triage queue (staff-only page: a client user is refused anyway).
    "issue_id": lambda o: "10101",
}

# Routes whose kwargs are not objects: Django's password reset link carries a signed one-time
# token and is public by design (it shows "invalid link" to anyone without a valid token).
TOKEN_ROUTES = {"account/reset/<uidb64>/<token>/"}

# API path parameters, by the collection they follow (`/clients/{id}` → "clients").
API_OBJECT_FOR = {
    ("clients", "id"): lambda o: o.globex.pk,
    ("projects", "id"): lambda o: o.globex_project.pk,
    ("tasks", "id"): lambda o: o.globex_task.pk,
    ("time-entries", "id"): lambda o: o.globex_entry.pk,
    ("work-activities", "id"): lambda o: o.globex_activity.pk,
    ("invoices", "id"): lambda o: o.globex_invoice.pk,
    ("invoices", "invoice_id"): lambda o: o.globex_invoice.pk,
}

# What a client user may GET in the API (PRODUCT §9): for another client's object that is 404,
# never 403 (a 403 would confirm the object exists).
CLIENT_API_PATHS = {
    "/clients/{id}",
    "/clients/{id}/hours",
    "/invoices/{id}",
    "/invoices/{id}/pdf",
}

# Admin kwargs: any value; the admin's own login gate must answer before the object is looked up.
ADMIN_KWARGS = {
    "object_id": "1",
    "id": "1",
    "app_label": "timetracking",
    "content_type_id": "1",
    "url": "x",
}


def walk(patterns, prefix="", namespace=""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = ":".join(filter(None, [namespace, pattern.namespace or ""]))
            yield from walk(pattern.url_patterns, prefix + _text(pattern.pattern), inner)
        elif isinstance(pattern, URLPattern):
            yield prefix + _text(pattern.pattern), namespace, pattern


def _text(pattern) -> str:
    if isinstance(pattern, RoutePattern):
        return str(pattern)
    assert isinstance(pattern, RegexPattern)
    return pattern.regex.pattern.lstrip("^").rstrip("$").replace("\\Z", "")


def kwarg_names(route: str) -> list[str]:
    import re

    names = re.findall(r"<(?:\w+:)?(\w+)>", route)
    names += re.findall(r"\(\?P<(\w+)>", route)
    return names


def fill(route: str, values: dict) -> str:
    import re

    path = re.sub(r"<(?:\w+:)?(\w+)>", lambda m: str(values[m.group(1)]), route)
    path = re.sub(r"\(\?P<(\w+)>[^)]*\)", lambda m: str(values[m.group(1)]), path)
    return "/" + path


@pytest.fixture
def objects(firm):
    firm.globex_entry = TimeEntryFactory(
        task=firm.globex_task, member=firm.staff_member, on_date=date(2026, 3, 2)
    )
    firm.globex_purchase = PurchaseFactory(client=firm.globex, hours=10, date=date(2026, 1, 1))
    locked_entry = TimeEntryFactory(
        task=firm.globex_task, member=firm.staff_member, on_date=date(2026, 2, 2)
    )
    firm.globex_invoice = invoice_and_lock(firm.globex, [locked_entry], number="GLX-INV-1")
    import datetime

    firm.globex_activity = create_activity(
        ActivityInput(
            task=firm.globex_task,
            lead=firm.staff_member,
            on_date=date(2026, 3, 3),
            start_time=datetime.time(8),
            end_time=datetime.time(12),
            crew_size=1,
            adjustments=[],
        ),
        by=firm.staff,
    )
    assert Invoice.objects.filter(client=firm.globex).exists()
    return firm


def is_login_redirect(response, login_prefix="/login/") -> bool:
    return response.status_code == 302 and response["Location"].startswith(login_prefix)


def test_every_object_url_refuses_another_clients_user_and_anonymous(objects):
    client_user = login_client(objects.acme_user)
    anonymous = HttpClient()
    problems: list[str] = []
    checked = 0

    schema_paths = api.get_openapi_schema(path_prefix=API_PREFIX)["paths"]
    for route, namespace, _pattern in walk(get_resolver().url_patterns):
        names = kwarg_names(route)
        if not names:
            continue
        if route.startswith("api/v1/"):
            # Covered below from the schema; make sure the schema really lists it.
            schema_route = "/" + re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", route)
            assert any(path.rstrip("/") == schema_route.rstrip("/") for path in schema_paths), (
                f"API route {route} is not in the OpenAPI schema"
            )
            continue
        if namespace == "admin":
            unknown = set(names) - set(ADMIN_KWARGS)
            assert not unknown, f"admin URL {route}: unknown kwargs {unknown}"
            path = fill(route, ADMIN_KWARGS)
            for who, http in (("client user", client_user), ("anonymous", anonymous)):
                response = http.get(path)
                checked += 1
                if not (
                    is_login_redirect(response, "/admin/login/") or response.status_code == 404
                ):
                    problems.append(f"GET {path} as {who}: {response.status_code}")
            continue

        if route in TOKEN_ROUTES:
            continue
        unknown = set(names) - set(OBJECT_FOR_KWARG)
        assert not unknown, (
            f"URL pattern {route!r} names {sorted(unknown)}: add each to OBJECT_FOR_KWARG with "
            "another client's object so the isolation matrix covers it"
        )
        path = fill(route, {name: OBJECT_FOR_KWARG[name](objects) for name in names})
        for method in ("get", "post"):
            response = getattr(client_user, method)(path)
            checked += 1
            if response.status_code not in (403, 404, 405):
                problems.append(f"{method.upper()} {path} as client user: {response.status_code}")
            response = getattr(anonymous, method)(path)
            checked += 1
            if not (is_login_redirect(response) or response.status_code == 405):
                problems.append(f"{method.upper()} {path} anonymously: {response.status_code}")

    _, raw_token = create_api_token(user=objects.acme_user, name="matrix")
    bearer = {"Authorization": f"Bearer {raw_token}"}
    for schema_path, operations in schema_paths.items():
        relative = schema_path.removeprefix(API_PREFIX)
        segments = relative.strip("/").split("/")
        params = {
            segment[1:-1]: segments[index - 1]
            for index, segment in enumerate(segments)
            if segment.startswith("{")
        }
        if not params:
            continue
        values = {}
        for name, collection in params.items():
            make = API_OBJECT_FOR.get((collection, name))
            assert make is not None, (
                f"API path {schema_path} names {collection}/{{{name}}}: add it to API_OBJECT_FOR"
            )
            values[name] = make(objects)
        path = schema_path
        for name, value in values.items():
            path = path.replace("{" + name + "}", str(value))
        for method in operations:
            body = {} if method in ("post", "patch", "put") else None
            kwargs = (
                {"content_type": "application/json", "data": json.dumps(body)}
                if body is not None
                else {}
            )
            response = getattr(HttpClient(), method)(path, headers=bearer, **kwargs)
            checked += 1
            allowed = {404} if method == "get" and relative in CLIENT_API_PATHS else {403, 404}
            if response.status_code not in allowed:
                problems.append(f"{method.upper()} {path} as client user: {response.status_code}")
            elif response["Content-Type"] != "application/json; charset=utf-8":
                problems.append(f"{method.upper()} {path} as client user: not JSON")
            response = getattr(HttpClient(), method)(path, **kwargs)
            checked += 1
            if response.status_code != 401:
                problems.append(f"{method.upper()} {path} anonymously: {response.status_code}")

    assert checked > 50, f"only {checked} requests: the walk found too few URLs"
    assert not problems, "\n".join(problems)
