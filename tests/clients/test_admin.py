"""The Django admin: every model's pages load with a constant number of queries; finance gets
billing, rates and plans; time entries and purchases are written through the services."""

import re
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django import forms
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.db import connection
from django.forms.models import model_to_dict
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from billing.models import Invoice
from clients.models import ApiToken, HourPurchase, Project, Task, hash_token
from clients.services import FINANCE_GROUP, authenticate_token, create_api_token, sync_admin_access
from tests.factories import (
    CostRateFactory,
    MemberFactory,
    ProjectFactory,
    PurchaseFactory,
    RateFactory,
    TaskFactory,
    TimeEntryFactory,
    make_user,
)
from timetracking.models import ChangeKind, EntryChange, Source, TimeEntry, Timer
from timetracking.services import (
    attach_entries_to_invoice,
    record_adjustment,
    set_invoice_lock,
)

OUR_APPS = {"clients", "timetracking", "billing", "sync", "auth"}
DAY = date(2026, 3, 2)


def our_models():
    return sorted(
        (model for model in admin.site._registry if model._meta.app_label in OUR_APPS),
        key=lambda model: model._meta.label,
    )


def changelist_url(model) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")


def lock(entry) -> Invoice:
    client = entry.task.project.client
    invoice = Invoice.objects.create(
        client=client,
        currency=client.currency,
        period_from=DAY,
        period_to=DAY,
        status="approved",
        number=f"INV-T-{entry.pk}",
    )
    attach_entries_to_invoice([entry.pk], invoice.pk)
    set_invoice_lock(invoice.pk, True)
    return invoice


def add_rows(firm, count: int, start: int = 0) -> None:
    """`count` rows of every model the admin lists, each with its own related objects."""
    for index in range(start, start + count):
        user = make_user(f"worker{index}", "staff")
        member = MemberFactory(user=user)
        RateFactory(member=member)
        CostRateFactory(member=member)
        project = ProjectFactory(client=firm.acme)
        task = TaskFactory(project=project, jira_issue_key=f"ACME-{1000 + index}")
        entry = TimeEntryFactory(
            task=task,
            member=member,
            on_date=DAY + timedelta(days=index % 20),
            description="Fixed the checkout",
        )
        record_adjustment(entry, minutes=15, reason="Worklog grew after invoicing")
        PurchaseFactory(client=firm.acme, note=f"Block {index}")
        create_api_token(user=user, name=f"script {index}")
        Invoice.objects.create(client=firm.acme, currency="USD", period_from=DAY, period_to=DAY)
        Timer.objects.create(member=member, task=task, started_at="2026-03-02T09:00:00Z")


# --- Pages and queries -------------------------------------------------------------------------


def test_every_model_of_ours_is_registered():
    labels = {model._meta.label for model in our_models()}
    assert labels >= {
        "clients.FirmSettings",
        "clients.Client",
        "clients.BillingPlan",
        "clients.HourPurchase",
        "clients.Project",
        "clients.Task",
        "clients.UserProfile",
        "clients.ApiToken",
        "timetracking.Member",
        "timetracking.RateCard",
        "timetracking.CostRate",
        "timetracking.TimeEntry",
        "timetracking.EntryChange",
        "timetracking.BillingAdjustment",
        "timetracking.Timer",
        "billing.Invoice",
        "auth.User",
    }


def test_every_changelist_change_and_add_page_loads_for_an_admin(firm, as_user):
    add_rows(firm, 2)
    http = as_user(firm.admin)
    for model in our_models():
        response = http.get(changelist_url(model))
        assert response.status_code == 200, model._meta.label
        obj = model._default_manager.order_by("pk").first()
        if obj is not None:
            change = reverse(
                f"admin:{model._meta.app_label}_{model._meta.model_name}_change", args=[obj.pk]
            )
            assert http.get(change).status_code == 200, f"{model._meta.label} change page"
        model_admin = admin.site._registry[model]
        if model_admin.has_add_permission(response.wsgi_request):
            add = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_add")
            assert http.get(add).status_code == 200, f"{model._meta.label} add page"


def test_changelists_use_a_constant_number_of_queries(firm, as_user, django_assert_max_num_queries):
    http = as_user(firm.admin)
    add_rows(firm, 1)
    urls = [changelist_url(model) for model in our_models()]
    for url in urls:  # warm up per-process caches (content types, sessions)
        http.get(url)
    with_one_row = {}
    for url in urls:
        with CaptureQueriesContext(connection) as queries:
            assert http.get(url).status_code == 200
        with_one_row[url] = len(queries)

    add_rows(firm, 29, start=1)
    for url in urls:
        with django_assert_max_num_queries(with_one_row[url]):
            response = http.get(url)
        assert response.status_code == 200


def test_time_entry_changelist_shows_the_columns_and_searches_jira_keys(firm, as_user):
    add_rows(firm, 3)
    http = as_user(firm.admin)
    url = changelist_url(TimeEntry)
    page = http.get(url).content.decode()
    for column in ("Client", "Duration", "Billable minutes", "Status", "Source", "Locked"):
        assert column in page
    assert "1h" in page and "Unbilled" in page
    found = http.get(url, {"q": "ACME-1001"})
    assert found.context["cl"].result_count == 1
    TimeEntryFactory(
        task=firm.globex_task,
        member=firm.staff_member,
        on_date=DAY,
        description="Fixed the checkout",
    )
    by_client = http.get(url, {"task__project__client__id__exact": firm.globex.pk})
    assert by_client.context["cl"].result_count == 1


# --- Who may use the admin -----------------------------------------------------------------------


def test_finance_opens_billing_rates_and_plans_but_not_users(firm, as_user):
    sync_admin_access(firm.finance)
    firm.finance.refresh_from_db()
    assert firm.finance.is_staff and not firm.finance.is_superuser
    http = as_user(firm.finance)
    for path in (
        "/admin/",
        "/admin/billing/invoice/",
        "/admin/timetracking/ratecard/",
        "/admin/timetracking/ratecard/add/",
        "/admin/timetracking/costrate/",
        "/admin/clients/billingplan/",
    ):
        assert http.get(path).status_code == 200, path
    for path in (
        "/admin/auth/user/",
        "/admin/clients/apitoken/",
        "/admin/timetracking/timeentry/add/",
    ):
        assert http.get(path).status_code == 403, path


@pytest.mark.parametrize("username", ["staff", "manager", "acme_user", "outsider"])
def test_everyone_else_is_sent_to_the_admin_login(firm, as_user, username):
    user = getattr(firm, username)
    user.is_staff = True  # even a stale flag is put right by the sync
    user.save()
    sync_admin_access(user)
    response = as_user(user).get("/admin/")
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


def test_sync_admin_access_follows_role_changes(firm):
    profile = firm.staff.profile
    profile.role = "finance"
    profile.save()
    sync_admin_access(firm.staff)
    assert firm.staff.groups.filter(name=FINANCE_GROUP).exists() and firm.staff.is_staff

    profile.role = "manager"
    profile.save()
    sync_admin_access(firm.staff)
    firm.staff.refresh_from_db()
    assert not firm.staff.is_staff and not firm.staff.groups.exists()

    profile.role = "admin"
    profile.save()
    sync_admin_access(firm.staff)
    firm.staff.refresh_from_db()
    assert firm.staff.is_superuser and firm.staff.is_staff


def test_changing_a_role_in_the_profile_admin_grants_admin_access(firm, as_user):
    profile = firm.other_staff.profile
    response = as_user(firm.admin).post(
        reverse("admin:clients_userprofile_change", args=[profile.pk]),
        {"user": firm.other_staff.pk, "role": "finance", "client": ""},
    )
    assert response.status_code == 302
    firm.other_staff.refresh_from_db()
    assert firm.other_staff.is_staff
    assert firm.other_staff.has_perm("timetracking.change_ratecard")


# --- Time entries go through the services --------------------------------------------------------


def entry_form(entry=None, **values) -> dict:
    data = {
        "task": entry.task_id if entry else "",
        "member": entry.member_id if entry else "",
        "date": (entry.date if entry else DAY).isoformat(),
        "start_time": "",
        "duration_minutes": str(entry.duration_minutes) if entry else "",
        "billable": "on" if entry is None or entry.billable else "",
        "description": entry.description if entry else "",
    }
    data.update(values)
    return {key: value for key, value in data.items() if value != ""}


def test_adding_an_entry_snapshots_the_rate_and_writes_history(firm, as_user):
    response = as_user(firm.admin).post(
        reverse("admin:timetracking_timeentry_add"),
        entry_form(
            task=firm.acme_task.pk,
            member=firm.staff_member.pk,
            duration_minutes="1h 30m",
            description="Admin add",
        ),
    )
    assert response.status_code == 302, (
        response.context and response.context["adminform"].form.errors
    )
    entry = TimeEntry.objects.get(description="Admin add")
    assert entry.duration_minutes == 90
    assert entry.billing_rate == Decimal("100.00") and entry.billable_minutes == 90
    change = EntryChange.objects.get(entry=entry)
    assert (change.kind, change.minutes_delta, change.changed_by) == (
        ChangeKind.CREATED,
        90,
        firm.admin,
    )


def test_a_bad_duration_is_refused_with_an_example(firm, as_user):
    response = as_user(firm.admin).post(
        reverse("admin:timetracking_timeentry_add"),
        entry_form(task=firm.acme_task.pk, member=firm.staff_member.pk, duration_minutes="lots"),
    )
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors["duration_minutes"]
    assert "e.g." in errors[0]
    assert not TimeEntry.objects.exists()


def test_changing_an_entry_writes_a_history_row_with_the_delta(firm, as_user):
    entry = TimeEntryFactory(
        task=firm.acme_task, member=firm.staff_member, on_date=DAY, description="Fixed the checkout"
    )
    response = as_user(firm.admin).post(
        reverse("admin:timetracking_timeentry_change", args=[entry.pk]),
        entry_form(entry, duration_minutes="2h"),
    )
    assert response.status_code == 302
    entry.refresh_from_db()
    assert entry.duration_minutes == 120
    update = EntryChange.objects.get(entry=entry, kind=ChangeKind.UPDATED)
    assert (update.minutes_delta, update.changed_by) == (60, firm.admin)


def test_a_locked_entry_cannot_be_changed_in_the_admin(firm, as_user):
    entry = TimeEntryFactory(
        task=firm.acme_task, member=firm.staff_member, on_date=DAY, description="Fixed the checkout"
    )
    invoice = lock(entry)
    response = as_user(firm.admin).post(
        reverse("admin:timetracking_timeentry_change", args=[entry.pk]),
        entry_form(entry, duration_minutes="3h"),
    )
    assert response.status_code == 200
    assert f"on invoice {invoice}" in response.content.decode()
    entry.refresh_from_db()
    assert entry.duration_minutes == 60
    assert not EntryChange.objects.filter(kind=ChangeKind.UPDATED).exists()


def test_a_synced_entry_keeps_its_duration_but_takes_a_billable_override(firm, as_user):
    entry = TimeEntryFactory(
        task=firm.acme_task,
        member=firm.staff_member,
        on_date=DAY,
        description="Fixed the checkout",
        source=Source.JIRA,
        jira_worklog_id="10001",
    )
    http = as_user(firm.admin)
    url = reverse("admin:timetracking_timeentry_change", args=[entry.pk])

    refused = http.post(url, entry_form(entry, duration_minutes="3h"))
    assert refused.status_code == 200
    assert "comes from Jira" in refused.content.decode()

    accepted = http.post(url, entry_form(entry, billable=""))
    assert accepted.status_code == 302
    entry.refresh_from_db()
    assert (entry.billable, entry.billable_minutes, entry.billable_override) == (False, 0, True)


def test_deleting_an_entry_keeps_a_history_row(firm, as_user):
    entry = TimeEntryFactory(
        task=firm.acme_task, member=firm.staff_member, on_date=DAY, description="Fixed the checkout"
    )
    response = as_user(firm.admin).post(
        reverse("admin:timetracking_timeentry_delete", args=[entry.pk]), {"post": "yes"}
    )
    assert response.status_code == 302
    assert not TimeEntry.objects.filter(pk=entry.pk).exists()
    deleted = EntryChange.objects.get(entry_ref=entry.pk, kind=ChangeKind.DELETED)
    assert (deleted.minutes_delta, deleted.changed_by) == (-60, firm.admin)


def test_a_locked_entry_cannot_be_deleted_alone_or_in_bulk(firm, as_user):
    locked = TimeEntryFactory(
        task=firm.acme_task, member=firm.staff_member, on_date=DAY, description="Fixed the checkout"
    )
    lock(locked)
    free = TimeEntryFactory(
        task=firm.acme_task, member=firm.staff_member, on_date=DAY, description="Free to delete"
    )
    http = as_user(firm.admin)

    single = http.post(
        reverse("admin:timetracking_timeentry_delete", args=[locked.pk]), {"post": "yes"}
    )
    assert single.status_code == 200
    assert "is locked" in single.content.decode()

    bulk = http.post(
        changelist_url(TimeEntry),
        {"action": "delete_selected", "_selected_action": [locked.pk, free.pk], "post": "yes"},
    )
    assert bulk.status_code == 200
    assert "is locked" in bulk.content.decode()
    assert TimeEntry.objects.filter(pk__in=[locked.pk, free.pk]).count() == 2
    assert not EntryChange.objects.filter(kind=ChangeKind.DELETED).exists()


def test_bulk_delete_goes_through_the_service(firm, as_user):
    entries = [
        TimeEntryFactory(
            task=firm.acme_task, member=firm.staff_member, on_date=DAY, description=f"Entry {n}"
        )
        for n in range(3)
    ]
    response = as_user(firm.admin).post(
        changelist_url(TimeEntry),
        {"action": "delete_selected", "_selected_action": [e.pk for e in entries], "post": "yes"},
    )
    assert response.status_code == 302
    assert not TimeEntry.objects.exists()
    assert EntryChange.objects.filter(kind=ChangeKind.DELETED).count() == 3


def test_entry_history_is_read_only(firm, as_user):
    TimeEntryFactory(
        task=firm.acme_task, member=firm.staff_member, on_date=DAY, description="Fixed the checkout"
    )
    http = as_user(firm.admin)
    change = EntryChange.objects.get()
    assert http.get(reverse("admin:timetracking_entrychange_add")).status_code == 403
    assert (
        http.post(
            reverse("admin:timetracking_entrychange_delete", args=[change.pk]), {"post": "yes"}
        ).status_code
        == 403
    )


# --- The purchase ledger and API tokens ----------------------------------------------------------


def form_data_of(response) -> dict:
    """The POST a browser would send back for an admin change form, as rendered."""
    data = {}

    def add_form(form):
        for name, field in form.fields.items():
            value = form[name].value()
            key = form.add_prefix(name)
            if isinstance(field.widget, forms.CheckboxInput):
                if value:
                    data[key] = "on"
            elif isinstance(field.widget, forms.MultiWidget):
                parts = value if isinstance(value, list) else field.widget.decompress(value)
                for index, part in enumerate(parts):
                    data[f"{key}_{index}"] = "" if part is None else str(part)
            elif value is not None:
                data[key] = value if isinstance(value, list | str) else str(value)

    add_form(response.context["adminform"].form)
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        for name, value in formset.management_form.initial.items():
            data[formset.management_form.add_prefix(name)] = value
        for form in formset.initial_forms:
            add_form(form)
    return data


def test_a_purchase_added_in_the_client_admin_is_a_new_ledger_row(firm, as_user):
    PurchaseFactory(client=firm.acme, hours=Decimal("40"), note="Initial")
    http = as_user(firm.admin)
    url = reverse("admin:clients_client_change", args=[firm.acme.pk])
    form = http.get(url)
    assert "Initial" in form.content.decode()
    data = form_data_of(form)
    prefix = "purchases"
    total = int(data[f"{prefix}-TOTAL_FORMS"])
    data.update(
        {
            f"{prefix}-TOTAL_FORMS": str(total + 1),
            f"{prefix}-{total}-date": "2026-03-01",
            f"{prefix}-{total}-hours": "-2.5",
            f"{prefix}-{total}-note": "Correction",
        }
    )
    response = http.post(url, data)
    assert response.status_code == 302, response.context and [
        formset.errors for formset in response.context["inline_admin_formsets"]
    ]
    correction = HourPurchase.objects.get(note="Correction")
    assert (correction.minutes, correction.entered_by) == (-150, firm.admin)
    assert HourPurchase.objects.get(note="Initial").hours == Decimal("40")


def test_purchases_cannot_be_changed_or_deleted(firm, as_user):
    purchase = PurchaseFactory(client=firm.acme)
    http = as_user(firm.admin)
    change = http.post(
        reverse("admin:clients_hourpurchase_change", args=[purchase.pk]),
        {"client": firm.acme.pk, "date": "2026-01-01", "hours": "99", "note": "edited"},
    )
    assert change.status_code == 403
    assert (
        http.post(
            reverse("admin:clients_hourpurchase_delete", args=[purchase.pk]), {"post": "yes"}
        ).status_code
        == 403
    )
    purchase.refresh_from_db()
    assert purchase.hours == Decimal("40")


def test_adding_a_token_shows_the_raw_value_once_and_stores_its_hash(firm, as_user):
    http = as_user(firm.admin)
    response = http.post(
        reverse("admin:clients_apitoken_add"), {"user": firm.staff.pk, "name": "CI"}, follow=True
    )
    assert response.status_code == 200
    page = response.content.decode()
    raw = re.search(r"(hb_[A-Za-z0-9_-]{20,})", page).group(1)
    token = ApiToken.objects.get(user=firm.staff)
    assert token.key_hash == hash_token(raw) and token.name == "CI"
    assert authenticate_token(raw) == firm.staff
    assert (
        raw
        not in http.get(reverse("admin:clients_apitoken_change", args=[token.pk])).content.decode()
    )


def test_the_revoke_action_revokes_the_selected_tokens(firm, as_user):
    kept, kept_raw = create_api_token(user=firm.staff, name="kept")
    revoked, revoked_raw = create_api_token(user=firm.staff, name="revoked")
    response = as_user(firm.admin).post(
        changelist_url(ApiToken), {"action": "revoke_tokens", "_selected_action": [revoked.pk]}
    )
    assert response.status_code == 302
    assert authenticate_token(revoked_raw) is None
    assert authenticate_token(kept_raw) == firm.staff
    revoked.refresh_from_db()
    assert revoked.revoked_at is not None


def test_the_user_admin_edits_the_profile_inline(firm, as_user):
    http = as_user(firm.admin)
    url = reverse("admin:auth_user_change", args=[firm.other_staff.pk])
    form = http.get(url)
    assert "Role" in form.content.decode()
    data = form_data_of(form)
    data["profile-0-role"] = "finance"
    response = http.post(url, data)
    assert response.status_code == 302, (
        response.context and response.context["adminform"].form.errors
    )
    user = get_user_model().objects.get(pk=firm.other_staff.pk)
    assert user.profile.role == "finance"
    assert user.is_staff and user.groups.filter(name=FINANCE_GROUP).exists()


def test_invoice_changelist_shows_number_period_and_total(firm, as_user):
    Invoice.objects.create(
        client=firm.acme,
        currency="USD",
        period_from=DAY,
        period_to=DAY + timedelta(days=30),
        status="approved",
        number="INV-2026-0007",
        total=Decimal("1234.50"),
    )
    http = as_user(firm.admin)
    page = http.get(changelist_url(Invoice)).content.decode()
    assert "INV-2026-0007" in page and "USD 1,234.50" in page and "2026-03-02 – 2026-04-01" in page
    assert http.get(changelist_url(Invoice), {"q": "0007"}).context["cl"].result_count == 1


def test_every_model_of_our_apps_is_registered_in_the_admin():
    from django.apps import apps

    unregistered = [
        model._meta.label
        for model in apps.get_models()
        if model._meta.app_label in OUR_APPS - {"auth"} and model not in admin.site._registry
    ]
    assert unregistered == []


def _admin_form(model, obj, request_user, **changes):
    """The admin's change form of `obj`, bound to its current values with `changes`."""
    request = RequestFactory().get("/")
    request.user = request_user
    form_class = admin.site._registry[model].get_form(request, obj)
    data = {key: value for key, value in model_to_dict(obj).items() if value is not None}
    data.update(changes)
    return form_class(data=data, instance=obj)


def test_a_project_with_tasks_or_a_task_keeps_its_client(firm):
    moved = _admin_form(Project, firm.acme_project, firm.admin, client=firm.globex.pk)
    assert not moved.is_valid()
    assert "counted in ACME's hour bank" in moved.errors["client"][0]

    empty = ProjectFactory(client=firm.acme, code="ACME-NEW")
    assert _admin_form(Project, empty, firm.admin, client=firm.globex.pk).is_valid()

    to_globex = _admin_form(Task, firm.acme_task, firm.admin, project=firm.globex_project.pk)
    assert not to_globex.is_valid()
    assert "Create a new task" in to_globex.errors["project"][0]
    same_client = ProjectFactory(client=firm.acme, code="ACME-APP")
    assert _admin_form(Task, firm.acme_task, firm.admin, project=same_client.pk).is_valid()
