"""The real HTTP client against the fake Jira: paging, batching, base paths, the fake's contract."""

import pytest
import requests

from sync.clients.jira import JiraAuthError, JiraClient, JiraError, JiraUnavailable
from tests.sync.conftest import SleepRecorder, client_for
from tests.sync.fake_atlassian import FakeJira


@pytest.fixture
def fake():
    server = FakeJira().start()
    yield server
    server.stop()


def test_feed_pages_carry_since_until_and_last_page_and_repeat_the_boundary(fake):
    fake.page_size = 2
    first = fake.add_worklog("1")
    fake.tick(1)
    second = fake.add_worklog("1")
    fake.tick(1)
    third = fake.add_worklog("1")
    fake.tick()
    client = client_for(fake)

    page = client.changed_worklogs("updated", 0)
    assert [v.worklog_id for v in page.values] == [first, second] and not page.last_page
    assert page.until == fake.worklogs[second]["updated_ms"]
    follow = client.changed_worklogs("updated", page.until)  # inclusive: `second` comes back
    assert [v.worklog_id for v in follow.values] == [second, third] and follow.last_page
    assert all(isinstance(v.worklog_id, str) for v in follow.values)


def test_deleted_feed_and_last_minute_exclusion(fake):
    wid = fake.add_worklog("1")
    fake.tick()
    fake.delete_worklog(wid)
    client = client_for(fake)
    assert client.changed_worklogs("deleted", 0).values == []  # deleted within the last minute
    fake.tick()
    page = client.changed_worklogs("deleted", 0)
    assert [v.worklog_id for v in page.values] == [wid] and page.last_page


def test_worklog_list_is_batched_by_1000_and_leaves_out_hidden_and_unknown_ids(fake):
    ids = [fake.add_worklog("1", seconds=60) for _ in range(1001)]
    hidden = fake.add_worklog("1", visibility="finance-team")
    found = client_for(fake).worklogs(ids + [hidden, "999999"])
    assert fake.calls("/worklog/list") == 2
    assert sorted(w["id"] for w in found) == sorted(ids)


def test_base_url_with_a_path_is_kept():
    gateway = FakeJira(base_path="/ex/jira/cloud-123").start()
    try:
        gateway.add_issue("10042", "OPS-17", summary="Migrate billing exports")
        assert (
            client_for(gateway).issue("ops-17")["key"] == "OPS-17"
        )  # keys resolve case-insensitively
        assert gateway.requests[-1][1] == "/ex/jira/cloud-123/rest/api/3/issue/ops-17"
    finally:
        gateway.stop()


def test_issue_metadata_follows_next_page_tokens(fake):
    for n in range(5):
        fake.add_issue(str(10000 + n), f"OPS-{n}", labels=["x"])
    fake.search_page_cap = 2
    issues = client_for(fake).issues([str(10000 + n) for n in range(5)] + ["10999"])
    assert sorted(i["key"] for i in issues) == ["OPS-0", "OPS-1", "OPS-2", "OPS-3", "OPS-4"]
    assert issues[0]["fields"]["labels"] == ["x"] and fake.calls("/search/jql") == 3


def test_a_search_refused_for_one_missing_issue_falls_back_to_reading_issues_one_by_one(fake):
    """JQL can refuse `id in (…)` as a whole (400) when one id is gone or hidden: the others'
    metadata must still arrive, or one deleted issue in the triage queue fails every run."""
    fake.add_issue("10001", "OPS-1")
    fake.add_issue("10002", "OPS-2")
    fake.strict_jql_ids = True
    issues = client_for(fake).issues(["10001", "10002", "10999"])
    assert sorted(i["key"] for i in issues) == ["OPS-1", "OPS-2"]
    assert fake.calls("/search/jql") == 1 and fake.calls("/rest/api/3/issue/") == 3


def test_single_worklog_and_missing_things_are_none(fake):
    wid = fake.add_worklog("10042")
    client = client_for(fake)
    assert client.worklog("10042", wid)["id"] == wid
    assert client.worklog("10042", "1") is None and client.issue("NOPE-1") is None


def test_429_without_end_and_wrong_credentials_raise_clear_errors(fake):
    fake.fail("/worklog/updated", 429, times=50, retry_after=0)
    with pytest.raises(JiraUnavailable, match="rate-limiting"):
        client_for(fake, max_rate_limit_waits=3).changed_worklogs("updated", 0)
    fake.failures.clear()
    with pytest.raises(JiraAuthError, match="401"):
        JiraClient(fake.url, fake.email, "nope", sleep=SleepRecorder()).changed_worklogs(
            "updated", 0
        )
    fake.fail(
        "/worklog/updated", 503, retry_after=2
    )  # a 503 with Retry-After is waited out like a 429
    waits = SleepRecorder()
    client_for(fake, sleep=waits).changed_worklogs("updated", 0)
    assert waits.waits == [2.0]


def test_bad_request_is_not_retried(fake):
    with pytest.raises(JiraError, match="400"):
        client_for(fake)._request("POST", "worklog/list", json={"ids": []})
    assert fake.calls("/worklog/list") == 1


def test_the_fake_honours_the_documented_contract(fake):
    """Anonymous callers are not refused but see nothing; the old search answers 410."""
    fake.add_worklog("1")
    fake.tick()
    anonymous = requests.get(
        f"{fake.url}/rest/api/3/worklog/updated", params={"since": 0}, timeout=5
    ).json()
    assert anonymous["values"] == [] and anonymous["lastPage"] is True
    assert requests.get(f"{fake.url}/rest/api/3/search", timeout=5).status_code == 410
    too_many = requests.post(
        f"{fake.url}/rest/api/3/worklog/list",
        json={"ids": list(range(1001))},
        auth=(fake.email, fake.token),
        timeout=5,
    )
    assert too_many.status_code == 400 and too_many.json()["errorMessages"]
    unbounded = requests.post(
        f"{fake.url}/rest/api/3/search/jql",
        json={"jql": "order by key"},
        auth=(fake.email, fake.token),
        timeout=5,
    )
    assert unbounded.status_code == 400
    page = requests.get(
        f"{fake.url}/rest/api/3/worklog/updated",
        params={"since": 0},
        auth=(fake.email, fake.token),
        timeout=5,
    ).json()
    assert isinstance(page["values"][0]["worklogId"], int) and page["nextPage"].endswith(
        f"since={page['until']}"
    )
