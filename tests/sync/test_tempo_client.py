"""The real Tempo client against the fake Tempo (same server as the fake Jira), over HTTP:
paging through absolute `next` links, bearer auth, the id mappings and the failure policy."""

import json
import time
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
import requests

from sync.clients.tempo import TempoAuthError, TempoClient, TempoError, TempoUnavailable
from tests.sync.conftest import SleepRecorder, tempo_client_for
from tests.sync.fake_atlassian import FakeJira

EXAMPLE = Path("/work/shared/spec/atlassian/examples/tempo-worklogs-page.json")


@pytest.fixture
def fake():
    server = FakeJira().start()
    yield server
    server.stop()


def rate_waits(recorder: SleepRecorder) -> list[float]:
    """The waits of the failure policy, without the ~0.2 s pacing between requests."""
    return [wait for wait in recorder.waits if wait >= 0.5]


def test_pages_follow_absolute_next_links_with_offset_and_limit(fake):
    ids = [
        fake.add_worklog("10001", started=f"2025-03-{day:02d}T09:00:00.000+0100")
        for day in range(10, 15)
    ]
    client = tempo_client_for(fake, page_size=2)

    pages = list(client.worklog_pages(date_from=date(2025, 3, 1), date_to=date(2025, 3, 31)))

    assert [page.offset for page in pages] == [0, 2, 4]
    assert [len(page.results) for page in pages] == [2, 2, 1]
    assert [r["tempoWorklogId"] for p in pages for r in p.results] == [
        int(fake.tempo_id(w)) for w in ids
    ]
    queries = fake.tempo_calls("/4/worklogs")
    assert [q["offset"] for q in queries] == [["0"], ["2"], ["4"]]
    # The window goes with every page, because the next link carries it.
    assert all(q["from"] == ["2025-03-01"] and q["to"] == ["2025-03-31"] for q in queries)


def test_updated_from_and_issue_filters(fake):
    old = fake.add_worklog("10001")
    fake.tick(3600)
    new = fake.add_worklog("10002")
    other_issue = fake.add_worklog("10003")
    client = tempo_client_for(fake)
    since = datetime.fromtimestamp(fake.worklogs[new]["updated_ms"] / 1000, tz=UTC)

    recent = [
        r["tempoWorklogId"] for p in client.worklog_pages(updated_from=since) for r in p.results
    ]
    assert sorted(recent) == sorted([int(fake.tempo_id(new)), int(fake.tempo_id(other_issue))])
    assert fake.tempo_calls()[-1]["updatedFrom"] == [since.strftime("%Y-%m-%dT%H:%M:%SZ")]

    by_issue = [
        r["tempoWorklogId"]
        for p in client.worklog_pages(issue_ids=["10001", "10003"])
        for r in p.results
    ]
    assert sorted(by_issue) == sorted([int(fake.tempo_id(old)), int(fake.tempo_id(other_issue))])
    assert fake.tempo_calls()[-1]["issueId"] == ["10001", "10003"]  # repeated, not joined


def test_id_mappings_leave_out_unknown_and_not_yet_mapped_ids(fake):
    mapped = fake.add_worklog("10001")
    lagging = fake.add_worklog("10001", mapped=False)
    client = tempo_client_for(fake)
    tempo_ids = [fake.tempo_id(mapped), fake.tempo_id(lagging), "999999"]

    assert client.tempo_to_jira(tempo_ids) == {fake.tempo_id(mapped): mapped}
    assert client.jira_to_tempo([mapped, lagging]) == {mapped: fake.tempo_id(mapped)}
    fake.publish_mapping(lagging)
    assert client.tempo_to_jira(tempo_ids)[fake.tempo_id(lagging)] == lagging


def test_wrong_token_is_an_auth_error_with_the_html_reduced_to_words(fake):
    client = TempoClient(fake.tempo_url, "wrong-token", sleep=SleepRecorder())
    with pytest.raises(TempoAuthError, match="HTTP 401") as error:
        list(client.worklog_pages())
    assert "401 Unauthorized Bad credentials" in str(error.value)
    assert "<html>" not in str(error.value) and "TEMPO_API_TOKEN" in str(error.value)


def test_404_on_the_worklog_list_means_missing_permission(fake):
    fake.fail("/4/worklogs", 404)
    with pytest.raises(TempoAuthError, match="missing permission"):
        list(tempo_client_for(fake).worklog_pages())


def test_429_with_retry_after_waits_that_long_and_does_not_retry_early(fake):
    fake.add_worklog("10001")
    fake.fail("/4/worklogs", 429, retry_after=1)
    waits = SleepRecorder(real_fraction=1.0)

    pages = list(tempo_client_for(fake, sleep=waits).worklog_pages())

    assert len(pages[0].results) == 1
    assert rate_waits(waits) == [1.0]
    assert fake.early_retries == 0 and len(fake.tempo_calls()) == 2


def test_429_without_retry_after_waits_1_then_5_10_15_seconds_then_gives_up(fake):
    fake.add_worklog("10001")
    fake.fail("/4/worklogs", 429, times=2)
    waits = SleepRecorder()
    assert len(next(tempo_client_for(fake, sleep=waits).worklog_pages()).results) == 1
    assert rate_waits(waits) == [1.0, 5.0]

    fake.fail("/4/worklogs", 429, times=50)
    waits = SleepRecorder()
    with pytest.raises(TempoUnavailable, match="rate-limiting"):
        list(tempo_client_for(fake, sleep=waits).worklog_pages())
    assert rate_waits(waits) == [1.0, 5.0, 10.0, 15.0]


def test_5xx_retries_after_5_10_15_seconds_then_gives_up_and_400_is_not_retried(fake):
    fake.fail("/4/worklogs", 502, times=3)
    waits = SleepRecorder()
    list(tempo_client_for(fake, sleep=waits).worklog_pages())
    assert rate_waits(waits) == [5.0, 10.0, 15.0]

    fake.fail("/4/worklogs", 500, times=10)
    with pytest.raises(TempoUnavailable, match="HTTP 500"):
        list(tempo_client_for(fake).worklog_pages())

    fake.failures.clear()
    before = len(fake.tempo_calls())
    fake.fail("/4/worklogs", 400)
    with pytest.raises(TempoError, match="HTTP 400"):
        list(tempo_client_for(fake).worklog_pages())
    assert len(fake.tempo_calls()) == before + 1
    response = requests.get(
        f"{fake.tempo_url}/4/worklogs?limit=abc",
        headers={"Authorization": f"Bearer {fake.tempo_token}"},
        timeout=5,
    )
    assert response.status_code == 400 and "limit" in response.json()["errors"]["message"]


def test_client_side_pacing_keeps_about_five_requests_a_second(fake):
    fake.add_worklog("10001")
    client = tempo_client_for(fake, sleep=time.sleep)
    started = time.monotonic()
    for _ in range(6):
        list(client.worklog_pages())
    # Six requests: five gaps of at least 0.2 s.
    assert time.monotonic() - started >= 0.95


def test_a_next_link_to_another_host_is_not_followed_with_the_token(fake):
    fake.add_worklog("10001")
    fake.add_worklog("10001")
    fake.tempo_link_host = "http://tempo.attacker.example"
    with pytest.raises(TempoError, match="refusing to send the token"):
        list(tempo_client_for(fake, page_size=1).worklog_pages())
    assert len(fake.tempo_calls()) == 1


def test_the_fake_serves_the_documented_worklog_shape(fake):
    """Same fields and types as the spec's example page; count is the page size."""
    example = json.loads(EXAMPLE.read_text())
    fake.add_worklog("10042", seconds=12600, billable_seconds=10800, attributes={"_Account_": "NW"})
    fake.add_worklog("10042")
    body = requests.get(
        f"{fake.tempo_url}/4/worklogs",
        params={"limit": 1},
        headers={"Authorization": f"Bearer {fake.tempo_token}"},
        timeout=5,
    ).json()
    assert set(body) == set(example) and set(body["metadata"]) == set(example["metadata"])
    assert body["metadata"]["count"] == 1 and body["metadata"]["next"].startswith("http://")
    served, documented = body["results"][0], example["results"][0]
    assert set(served) == set(documented)
    assert {k: type(v) for k, v in served.items()} == {k: type(v) for k, v in documented.items()}
    assert "jiraWorklogId" not in served
