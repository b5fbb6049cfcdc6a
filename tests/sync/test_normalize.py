"""Jira payloads → normalized worklogs (PRODUCT §3.1), using the spec's own examples."""

import json
from datetime import date, datetime, time
from pathlib import Path

import pytest

from sync.feeds.jira import adf_to_text, jira_worklog
from sync.worklog import MalformedWorklog, NormalizedWorklog

# Copies of the spec's examples (shared/spec/atlassian/examples), kept with the tests.
EXAMPLES = Path(__file__).resolve().parent / "examples"


def example(name):
    return json.loads((EXAMPLES / name).read_text())


def test_the_spec_worklog_list_example_normalizes():
    first, second, _ = (jira_worklog(w) for w in example("worklog-list.json"))
    assert (first.worklog_id, first.issue_id, first.author_account_id) == (
        "31001",
        "10042",
        "712020:3f6c1d2e-8a4b-4c5d-9e7f-0a1b2c3d4e5f",
    )
    assert (
        first.duration_minutes == 210
        and first.description == "Migrated the February billing export and checked the totals"
    )
    assert (first.local_date, first.local_time) == (date(2025, 3, 10), time(9, 0))
    assert first.started_at == datetime.fromisoformat("2025-03-10T08:00:00+00:00")
    assert first.updated_at == datetime.fromisoformat("2025-03-10T08:15:22.481+00:00")
    assert first.author_timezone == "Europe/Paris" and first.billable_flag is None
    assert second.author_display_name == "Bram de Vries" and second.duration_minutes == 90


def test_the_webhook_example_has_a_plain_text_comment():
    worklog = jira_worklog(example("webhook-worklog-created.json")["worklog"])
    assert (
        worklog.description == "Pairing session on the ledger import"
        and worklog.duration_minutes == 60
    )


def test_adf_paragraphs_breaks_and_mentions_become_lines():
    doc = {
        "type": "doc",
        "version": 1,
        "content": [
            {
                "type": "paragraph",
                "content": [
                    {"type": "text", "text": "Called "},
                    {"type": "mention", "attrs": {"text": "@Ann"}},
                    {"type": "hardBreak"},
                    {"type": "text", "text": "then fixed"},
                ],
            },
            {
                "type": "bulletList",
                "content": [
                    {
                        "type": "listItem",
                        "content": [
                            {"type": "paragraph", "content": [{"type": "text", "text": "one"}]}
                        ],
                    }
                ],
            },
        ],
    }
    assert adf_to_text(doc) == "Called @Ann\nthen fixed\none"
    assert adf_to_text(None) == "" and adf_to_text("  plain ") == "plain"


def test_seconds_convert_half_up_and_at_least_one_minute():
    base = example("worklog-list.json")[0]
    assert jira_worklog({**base, "timeSpentSeconds": 90}).duration_minutes == 2
    assert jira_worklog({**base, "timeSpentSeconds": 89}).duration_minutes == 1
    assert jira_worklog({**base, "timeSpentSeconds": 1}).duration_minutes == 1


@pytest.mark.parametrize(
    ("change", "named"),
    [
        ({"id": None}, "'id'"),
        ({"issueId": "OPS-17"}, "'issueId'"),
        ({"author": {}}, "author.accountId"),
        ({"timeSpentSeconds": 0}, "timeSpentSeconds"),
        ({"timeSpentSeconds": "3600"}, "timeSpentSeconds"),
        ({"started": "2025-03-10 09:00"}, "'started'"),
        ({"started": "2025-03-10T09:00:00.000"}, "offset"),
        ({"comment": 42}, "'comment'"),
    ],
)
def test_malformed_payloads_name_the_field(change, named):
    with pytest.raises(MalformedWorklog, match=named):
        jira_worklog({**example("worklog-list.json")[0], **change})


def test_payload_round_trip_keeps_every_field():
    worklog = jira_worklog(example("worklog-list.json")[0])
    assert NormalizedWorklog.from_payload(json.loads(json.dumps(worklog.as_payload()))) == worklog


def _text(value) -> dict:
    return {"type": "text", "text": value}


@pytest.mark.parametrize(
    "paragraphs",
    [
        [[_text("one")]],
        [[_text("  one "), _text("two")], [], [_text("   ")], [_text("three")]],
        [[_text("bold"), {"type": "text", "text": " part", "marks": [{"type": "strong"}]}]],
        [[{"type": "text"}], [_text(42)]],
        [],
    ],
)
def test_the_usual_comment_reads_as_the_walk_reads_it(paragraphs):
    """Paragraphs of text nodes take a shortcut; the same paragraphs inside a blockquote (which
    only adds a line break the paragraphs make anyway) take the general walk."""
    blocks = [{"type": "paragraph", "content": nodes} for nodes in paragraphs]
    doc = {"type": "doc", "version": 1, "content": blocks}
    quoted = {"type": "doc", "version": 1, "content": [{"type": "blockquote", "content": blocks}]}
    assert adf_to_text(doc) == adf_to_text(quoted)
