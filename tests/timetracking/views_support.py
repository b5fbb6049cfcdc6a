"""Helpers shared by the staff-page view tests (tests/timetracking/test_views_*.py)."""

from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import invoice_and_lock  # noqa: F401 - re-exported for the view tests

HTMX = {"HX-Request": "true"}
# Issue 13: a key page runs at most this many SQL statements, whatever the data size.
PAGE_QUERY_BUDGET = 15


def htmx(target: str | None = None) -> dict:
    """Headers of an htmx request; `target` is the id of the element being swapped."""
    return {**HTMX, "HX-Target": target} if target else dict(HTMX)


def query_count(callable_) -> int:
    with CaptureQueriesContext(connection) as queries:
        callable_()
    return len(queries)
