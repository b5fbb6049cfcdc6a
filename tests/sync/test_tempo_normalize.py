"""Tempo v4 worklogs → NormalizedWorklog: the spec's example page, billable seconds, and
malformed payloads named precisely."""

import json
from datetime import UTC, date, datetime, time
from pathlib import Path

import pytest

from sync.feeds.tempo_payloads import tempo_worklog
from sync.worklog import MalformedWorklog

EXAMPLE = json.loads(
    Path("/work/shared/spec/atlassian/examples/tempo-worklogs-page.json").read_text()
)


def example(n=0, **changes):
    payload = json.loads(json.dumps(EXAMPLE["results"][n]))
    payload.update(changes)
    return payload


def test_the_spec_example_keeps_start_date_and_time_as_given_and_converts_seconds_once():
    worklog = tempo_worklog(example(0), jira_worklog_id="31001")
    assert worklog.source == "tempo"
    assert (worklog.worklog_id, worklog.issue_id, worklog.jira_worklog_id) == (
        "5501",
        "10042",
        "31001",
    )
    assert worklog.author_account_id == "712020:3f6c1d2e-8a4b-4c5d-9e7f-0a1b2c3d4e5f"
    assert (worklog.local_date, worklog.local_time) == (date(2025, 3, 10), time(9, 0))
    assert worklog.started_at == datetime(2025, 3, 10, 8, 0, tzinfo=UTC)
    assert worklog.duration_minutes == 210 and worklog.billable_base_minutes == 180
    assert worklog.billable_flag is True
    assert worklog.description == "Migrated the February billing export and checked the totals"
    assert worklog.updated_at == datetime(2025, 3, 10, 8, 15, 22, tzinfo=UTC)


def test_zero_billable_seconds_is_not_billable_and_absent_leaves_it_to_the_project():
    not_billable = tempo_worklog(example(1))
    assert not_billable.billable_base_minutes == 0 and not_billable.billable_flag is False
    absent = example(0)
    del absent["billableSeconds"]
    project_decides = tempo_worklog(absent)
    assert project_decides.billable_base_minutes is None and project_decides.billable_flag is None
    # 30 s rounds to 1 billable minute (half-up, at least 1), never to "not billable".
    assert tempo_worklog(example(0, billableSeconds=30)).billable_base_minutes == 1


def test_fractional_seconds_missing_start_time_and_description_are_accepted():
    worklog = tempo_worklog(
        example(0, updatedAt="2017-02-06T16:41:41.000Z", startTime=None, description=None)
    )
    assert worklog.updated_at == datetime(2017, 2, 6, 16, 41, 41, tzinfo=UTC)
    assert worklog.local_time is None and worklog.description == ""


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"tempoWorklogId": None}, "'tempoWorklogId' is missing"),
        ({"issue": {"id": "ACME-1"}}, "'issue.id'"),
        ({"author": {}}, "'author.accountId'"),
        ({"timeSpentSeconds": 0}, "'timeSpentSeconds' must be a positive"),
        ({"billableSeconds": -60}, "'billableSeconds' must be a non-negative"),
        ({"startDate": "10/03/2025"}, "expected e.g. 2025-03-10"),
        ({"startTime": "9am"}, "expected e.g. 09:00:00"),
        ({"updatedAt": "yesterday", "createdAt": None}, "'updatedAt' is not a timestamp"),
    ],
)
def test_malformed_payloads_name_the_field_and_an_accepted_example(changes, message):
    with pytest.raises(MalformedWorklog, match=message):
        tempo_worklog(example(0, **changes))
