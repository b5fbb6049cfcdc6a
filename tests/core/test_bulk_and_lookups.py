"""`core.bulk.copy_insert` writes the rows `bulk_create` would (defaults, auto_now, JSON),
saved with their ids, and refuses what the database refuses as Django's IntegrityError;
`core.lookups` finds what `__in` finds."""

from datetime import UTC, datetime

import pytest
from django.db import IntegrityError, transaction
from django.db.models import F

from core.bulk import copy_insert
from core.lookups import AnyOf, pairs_any_of, plain_rows
from sync.models import AppliedWorklog, QuarantinedWorklog

pytestmark = pytest.mark.django_db

FIELDS = ("source", "worklog_id", "payload", "error", "times_seen")


def quarantined(worklog_id: str) -> QuarantinedWorklog:
    return QuarantinedWorklog(
        source="jira",
        worklog_id=worklog_id,
        payload={"id": worklog_id, "nested": {"list": [1, "two", None]}, "text": "a\tb\nc\\d"},
        error=f"Broken {worklog_id}",
    )


def test_copy_insert_writes_the_rows_bulk_create_writes():
    copied = copy_insert([quarantined("1"), quarantined("2")])
    created = QuarantinedWorklog.objects.bulk_create([quarantined("3"), quarantined("4")])

    assert all(row.pk and not row._state.adding for row in copied)
    rows = {
        row.worklog_id: row
        for row in QuarantinedWorklog.objects.filter(pk__in=[r.pk for r in copied + created])
    }
    for mine, theirs in (("1", "3"), ("2", "4")):
        a = {name: getattr(rows[mine], name) for name in FIELDS}
        b = {name: getattr(rows[theirs], name) for name in FIELDS}
        assert {**a, "worklog_id": "", "payload": {**a["payload"], "id": ""}, "error": ""} == {
            **b,
            "worklog_id": "",
            "payload": {**b["payload"], "id": ""},
            "error": "",
        }
        assert rows[mine].first_seen_at is not None and rows[mine].last_seen_at is not None
    assert rows["1"].payload["text"] == "a\tb\nc\\d"


def test_copy_insert_raises_django_integrity_errors():
    at = datetime(2025, 3, 10, tzinfo=UTC)
    AppliedWorklog.objects.create(source="jira", worklog_id="7", source_updated_at=at)
    with pytest.raises(IntegrityError), transaction.atomic():
        copy_insert([AppliedWorklog(source="jira", worklog_id="7", source_updated_at=at)])
    assert AppliedWorklog.objects.count() == 1


def test_any_of_and_pairs_find_what_in_finds():
    at = datetime(2025, 3, 10, tzinfo=UTC)
    for source in ("jira", "tempo"):
        for worklog_id in ("1", "2", "3"):
            AppliedWorklog.objects.create(
                source=source, worklog_id=worklog_id, source_updated_at=at
            )
    wanted = ["2", "3", "9"]

    def keys(queryset):
        return sorted(queryset.values_list("source", "worklog_id"))

    assert keys(AppliedWorklog.objects.filter(AnyOf(F("worklog_id"), wanted))) == keys(
        AppliedWorklog.objects.filter(worklog_id__in=wanted)
    )
    assert keys(
        AppliedWorklog.objects.filter(pairs_any_of("source", "tempo", "worklog_id", wanted))
    ) == [("tempo", "2"), ("tempo", "3")]
    assert not AppliedWorklog.objects.filter(AnyOf(F("worklog_id"), [])).exists()
    assert not AppliedWorklog.objects.filter(
        pairs_any_of("source", "jira", "worklog_id", [])
    ).exists()


def test_plain_rows_are_the_rows_of_the_queryset():
    for number in range(3):
        AppliedWorklog.objects.create(
            source="jira",
            worklog_id=str(number),
            source_updated_at=datetime(2025, 3, 10, 8, number, 30, 123456, tzinfo=UTC),
        )
    rows = AppliedWorklog.objects.order_by("worklog_id").values_list(
        "id", "worklog_id", "source_updated_at"
    )
    assert plain_rows(rows) == list(rows)
