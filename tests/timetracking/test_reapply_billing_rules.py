"""Re-apply billing rules to unbilled entries (PRODUCT §1): the manager's button with its
preview on the client page, and `manage.py reapply_billing_rules --client CODE [--json]`."""

import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from clients.models import BillingPlan, Rounding
from tests.factories import TaskFactory, TimeEntryFactory, invoice_and_lock
from tests.timetracking.views_support import htmx, query_count
from timetracking.models import ChangeKind, EntryChange
from timetracking.selectors import billing_rules_preview
from timetracking.services import reapply_billing_rules

pytestmark = pytest.mark.django_db


def _entry(firm, minutes, task=None):
    return TimeEntryFactory(
        task=task or firm.acme_task, member=firm.staff_member, duration_minutes=minutes
    )


def _round_acme_up_to_half_hours():
    BillingPlan.objects.filter(client__code="ACME").update(
        rounding_method=Rounding.UP, rounding_increment_minutes=30
    )


@pytest.fixture
def changed_plan(firm):
    """Two open Acme entries (50 → 60, 20 → 30 under the new plan), one locked one."""
    open_entries = [_entry(firm, 50), _entry(firm, 20)]
    locked = _entry(firm, 40)
    invoice_and_lock(firm.acme, [locked])
    _round_acme_up_to_half_hours()
    return open_entries, locked


def _run(*args):
    from io import StringIO

    out = StringIO()
    call_command("reapply_billing_rules", *args, stdout=out)
    return out.getvalue()


def test_command_changes_unlocked_entries_and_reports_them_as_json(firm, changed_plan):
    open_entries, locked = changed_plan

    assert json.loads(_run("--client", "ACME", "--json")) == {"entries": 2, "minutes_delta": 20}

    for entry in [*open_entries, locked]:
        entry.refresh_from_db()
    assert [entry.billable_minutes for entry in open_entries] == [60, 30]
    assert locked.billable_minutes == 40
    rows = EntryChange.objects.filter(description="Billing rules re-applied").order_by("entry_ref")
    assert [(row.entry_ref, row.kind, row.minutes_delta) for row in rows] == [
        (open_entries[0].pk, ChangeKind.UPDATED, 10),
        (open_entries[1].pk, ChangeKind.UPDATED, 10),
    ]
    # A second run finds nothing left to change.
    assert json.loads(_run("--client", "ACME", "--json")) == {"entries": 0, "minutes_delta": 0}


def test_command_leaves_other_clients_alone(firm, changed_plan):
    globex_entry = _entry(firm, 20, task=firm.globex_task)
    BillingPlan.objects.filter(client=firm.globex).update(min_billable_minutes=30)

    _run("--client", "ACME", "--json")

    globex_entry.refresh_from_db()
    assert globex_entry.billable_minutes == 20


def test_command_refuses_an_unknown_client_with_exit_1_and_a_json_error(firm):
    with pytest.raises(CommandError) as refused:
        _run("--client", "NOPE", "--json")
    assert refused.value.returncode == 1


def test_command_prints_only_the_json_error_on_stdout(firm, capsys):
    from io import StringIO

    out = StringIO()
    with pytest.raises(CommandError):
        call_command("reapply_billing_rules", "--client", "NOPE", "--json", stdout=out)
    error = json.loads(out.getvalue())
    assert set(error) == {"error"} and "NOPE" in error["error"] and "e.g." in error["error"]


def test_preview_says_what_the_run_then_does(firm, changed_plan):
    preview = billing_rules_preview(firm.acme)

    assert (preview.entries, preview.minutes_delta) == (2, 20)
    assert reapply_billing_rules(client=firm.acme).as_dict() == preview.as_dict()


def test_rules_load_each_plan_once_whatever_the_number_of_entries(firm):
    _entry(firm, 50)
    _round_acme_up_to_half_hours()
    one_entry = query_count(lambda: billing_rules_preview(firm.acme))
    for minutes in (7, 13, 21, 44, 52):
        _entry(firm, minutes, task=TaskFactory(project=firm.acme_project))

    assert query_count(lambda: billing_rules_preview(firm.acme)) == one_entry == 2

    BillingPlan.objects.filter(client__code="ACME").update(rounding_increment_minutes=15)
    one_client = query_count(lambda: reapply_billing_rules(client=firm.acme))
    BillingPlan.objects.filter(client__code="ACME").update(rounding_increment_minutes=60)
    # Same number of statements per changed entry (update + history), none per plan lookup.
    assert query_count(lambda: reapply_billing_rules(client=firm.acme)) == one_client


# --- The button on the client page --------------------------------------------------------------


def _url(client):
    return reverse("client-reapply-billing-rules", args=[client.pk])


def test_managers_see_the_button_and_staff_do_not(firm, as_user):
    page = reverse("client-detail", args=[firm.acme.pk])

    assert f'href="{_url(firm.acme)}"' in as_user(firm.manager).get(page).content.decode()
    assert _url(firm.acme) not in as_user(firm.staff).get(page).content.decode()


def test_preview_dialog_shows_how_many_entries_and_minutes_change(firm, as_user, changed_plan):
    response = as_user(firm.manager).get(_url(firm.acme), headers=htmx())

    html = response.content.decode()
    assert response.status_code == 200 and "<dialog" in html
    assert "2 unlocked entries" in html and "+20 billable minutes" in html


def test_plain_preview_page_without_javascript(firm, as_user, changed_plan):
    html = as_user(firm.manager).get(_url(firm.acme)).content.decode()

    assert "<dialog" not in html and "2 unlocked entries" in html


def test_confirming_reapplies_and_refreshes_the_balance(firm, as_user, changed_plan):
    open_entries, locked = changed_plan

    response = as_user(firm.manager).post(_url(firm.acme), headers=htmx())

    assert response.status_code == 200
    assert "balanceChanged" in response["HX-Trigger"]
    assert "2 entries changed, +20 billable minutes" in response.content.decode()
    locked.refresh_from_db()
    assert locked.billable_minutes == 40
    assert (
        EntryChange.objects.filter(
            description="Billing rules re-applied", changed_by=firm.manager
        ).count()
        == 2
    )


def test_plain_post_redirects_back_to_the_client_page(firm, as_user, changed_plan):
    response = as_user(firm.manager).post(_url(firm.acme))

    assert response.status_code == 302
    assert response["Location"] == reverse("client-detail", args=[firm.acme.pk])


def test_staff_may_not_reapply(firm, as_user, changed_plan):
    http = as_user(firm.staff)

    assert http.get(_url(firm.acme)).status_code == 403
    assert http.post(_url(firm.acme)).status_code == 403
    assert not EntryChange.objects.filter(description="Billing rules re-applied").exists()


def test_client_users_and_outsiders_get_404(firm, as_user, changed_plan):
    assert as_user(firm.acme_user).post(_url(firm.acme)).status_code == 404
    assert as_user(firm.outsider).get(_url(firm.acme)).status_code == 404
    assert (
        as_user(firm.manager)
        .get(reverse("client-reapply-billing-rules", args=[999999]))
        .status_code
        == 404
    )
