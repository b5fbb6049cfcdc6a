"""The sync status page (/sync/): access by role, what it shows, "Sync now" and triage."""

import pytest

from clients.models import Task
from sync.mapping import entry_for_worklog
from sync.models import SyncRun, UnmappedWorklog
from tests.sync.conftest import assert_balances_consistent, remaining, sync

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("manager", 200),
        ("finance", 200),
        ("admin", 200),
        ("staff", 403),
        ("acme_user", 404),
        ("outsider", 404),
    ],
)
def test_only_managers_and_up_see_the_sync_page(jira_firm, as_user, who, status):
    assert as_user(getattr(jira_firm, who)).get("/sync/").status_code == status


def test_anonymous_users_are_sent_to_login(jira_firm, client):
    response = client.get("/sync/")
    assert response.status_code == 302 and response.url.startswith("/login/")


def test_page_shows_state_counts_error_queue_and_quarantine(jira_firm, as_user):
    fake = jira_firm.fake
    fake.add_worklog("10001", seconds=3600)
    fake.add_worklog("10201", seconds=1800)
    fake.tick()
    sync(fake)

    page = as_user(jira_firm.manager).get("/sync/").content.decode()

    assert "enabled" in page and "Last success" in page and "lag" in page
    assert 'aria-label="Jira counts"' in page
    assert '<td>Created</td><td class="num">1</td><td class="num">1</td>' in page
    assert '<td>Unmapped</td><td class="num">1</td><td class="num">1</td>' in page
    assert "Sync now" in page
    assert "UNK-1" in page and "Nobody&#x27;s issue" in page and "Map issue" in page


def test_sync_now_enqueues_a_run_after_commit(
    jira_firm, as_user, django_capture_on_commit_callbacks
):
    fake = jira_firm.fake
    wid = fake.add_worklog("10001")
    fake.tick()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = as_user(jira_firm.manager).post("/sync/run/")
    assert response.status_code == 302 and len(callbacks) == 1
    assert SyncRun.objects.get().trigger == "manual"
    assert entry_for_worklog("jira", wid) is not None
    assert_balances_consistent()


def test_sync_now_is_refused_for_staff_and_explains_a_missing_configuration(
    jira_firm, as_user, settings, django_capture_on_commit_callbacks
):
    assert as_user(jira_firm.staff).post("/sync/run/").status_code == 403
    settings.WORKLOG_SOURCE = "tempo"
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = as_user(jira_firm.manager).post("/sync/run/", follow=True)
    assert not callbacks
    assert "WORKLOG_SOURCE is &#x27;tempo&#x27;" in response.content.decode()


def test_mapping_a_queued_issue_to_a_project_creates_its_task_and_entries(jira_firm, as_user):
    fake = jira_firm.fake
    first = fake.add_worklog("10201", seconds=1800)
    second = fake.add_worklog("10201", seconds=2700, account_id="acc-bram")
    fake.tick()
    sync(fake)
    before = remaining(jira_firm.globex)

    response = as_user(jira_firm.manager).post(
        "/sync/triage/10201/map/", {"target": f"project:{jira_firm.globex_project.pk}"}, follow=True
    )

    assert "2 entries created" in response.content.decode()
    task = Task.objects.get(jira_issue_id="10201")
    assert (task.project, task.jira_issue_key, task.name) == (
        jira_firm.globex_project,
        "UNK-1",
        "Nobody's issue",
    )
    assert (
        entry_for_worklog("jira", first).task == task
        and entry_for_worklog("jira", second).task == task
    )
    assert remaining(jira_firm.globex) == before - 75
    assert not UnmappedWorklog.objects.exists()
    assert_balances_consistent()


def test_mapping_a_queued_issue_to_an_existing_task_links_it(jira_firm, as_user):
    fake = jira_firm.fake
    wid = fake.add_worklog("10201")
    fake.tick()
    sync(fake)
    response = as_user(jira_firm.manager).post(
        "/sync/triage/10201/map/", {"target": f"task:{jira_firm.acme_task.pk}"}
    )
    assert response.status_code == 302
    jira_firm.acme_task.refresh_from_db()
    assert (jira_firm.acme_task.jira_issue_id, jira_firm.acme_task.jira_issue_key) == (
        "10201",
        "UNK-1",
    )
    assert entry_for_worklog("jira", wid).task == jira_firm.acme_task
    assert_balances_consistent()


def test_triage_refuses_a_task_linked_to_another_issue_and_changes_nothing(jira_firm, as_user):
    fake = jira_firm.fake
    fake.add_worklog("10201")
    fake.tick()
    sync(fake)
    response = as_user(jira_firm.manager).post(
        "/sync/triage/10201/map/", {"target": f"task:{jira_firm.linked_task.pk}"}, follow=True
    )
    assert "already linked to Jira issue ACME-1" in response.content.decode()
    assert (
        UnmappedWorklog.objects.count() == 1
        and not SyncRun.objects.filter(trigger="triage").exists()
    )


def test_triage_needs_a_target_and_hides_from_non_managers(jira_firm, as_user):
    fake = jira_firm.fake
    fake.add_worklog("10201")
    fake.tick()
    sync(fake)
    response = as_user(jira_firm.manager).post(
        "/sync/triage/10201/map/", {"target": "nonsense"}, follow=True
    )
    assert "Choose a task or a project for UNK-1" in response.content.decode()
    assert (
        as_user(jira_firm.manager).post("/sync/triage/99999/map/", {"target": "task:1"}).status_code
        == 404
    )
    assert (
        as_user(jira_firm.staff).post("/sync/triage/10201/map/", {"target": "task:1"}).status_code
        == 403
    )
    assert (
        as_user(jira_firm.acme_user)
        .post("/sync/triage/10201/map/", {"target": "task:1"})
        .status_code
        == 404
    )
    assert UnmappedWorklog.objects.count() == 1


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(("source", "label"), [("jira", "Jira"), ("tempo", "Tempo")])
def test_sync_now_with_the_broker_down_says_so_and_queues_nothing(
    request, as_user, broker_down, source, label
):
    firm = request.getfixturevalue(f"{source}_firm")
    manager = as_user(firm.manager)
    response = manager.post("/sync/run/", {"source": source})
    assert response.status_code == 302 and response.url == "/sync/"
    page = manager.get(response.url).content.decode()
    assert "Broker unavailable" in page and f"The {label} sync was not queued" in page
    assert "sync queued" not in page
    assert not SyncRun.objects.exists()
