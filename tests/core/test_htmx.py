"""htmx helpers (core/htmx.py)."""

import json

from django.test import RequestFactory

from core.htmx import BALANCE_CHANGED, ENTRY_SAVED, htmx_done, int_param, safe_next


def test_safe_next_keeps_local_paths_and_refuses_other_hosts():
    factory = RequestFactory()
    assert safe_next(factory.get("/x", {"next": "/clients/3/"}), "/my-work/") == "/clients/3/"
    assert (
        safe_next(factory.get("/x", {"next": "https://evil.example/"}), "/my-work/") == "/my-work/"
    )
    assert safe_next(factory.post("/x", {}), "/my-work/") == "/my-work/"


def test_int_param_reads_whole_numbers_only():
    factory = RequestFactory()
    assert int_param(factory.get("/x", {"project": "12"}), "project") == 12
    assert int_param(factory.get("/x", {"project": "12a"}), "project") is None
    assert int_param(factory.post("/x", {"project": "7"}), "project") == 7
    assert int_param(factory.get("/x"), "project") is None


def test_htmx_done_flashes_the_message_and_triggers_the_events():
    response = htmx_done(
        RequestFactory().post("/x"),
        "Saved 1h.",
        events=(ENTRY_SAVED, BALANCE_CHANGED),
        body="<p>b</p>",
    )
    html = response.content.decode()
    assert html.startswith("<p>b</p>") and "Saved 1h." in html
    assert json.loads(response["HX-Trigger"]) == {ENTRY_SAVED: True, BALANCE_CHANGED: True}
