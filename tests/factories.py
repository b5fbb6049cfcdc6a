"""factory-boy factories for the domain; build through services where rules apply."""

import datetime
from decimal import Decimal

import factory
from django.contrib.auth import get_user_model
from django.utils import timezone

from billing.models import Invoice
from clients.models import BillingPlan, Client, HourPurchase, Project, Task, UserProfile
from timetracking.models import CostRate, Member, RateCard, TimeEntry
from timetracking.services import attach_entries_to_invoice, create_entry, set_invoice_lock

PASSWORD = "correct-horse-battery"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    password = factory.django.Password(PASSWORD)


def make_user(username, role="staff", client=None, **extra):
    user = UserFactory(username=username, **extra)
    if role == "admin":
        user.is_superuser = user.is_staff = True
        user.save()
    UserProfile.objects.update_or_create(user=user, defaults={"role": role, "client": client})
    return user


class ClientFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Client
        skip_postgeneration_save = True

    code = factory.Sequence(lambda n: f"C{n:03d}")
    name = factory.LazyAttribute(lambda c: f"Client {c.code}")
    currency = "USD"
    timezone = "UTC"
    business_weekdays = [0, 1, 2, 3, 4]

    plan = factory.RelatedFactory(
        "tests.factories.BillingPlanFactory", factory_related_name="client"
    )


class BillingPlanFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = BillingPlan
        django_get_or_create = ("client",)

    client = factory.SubFactory(ClientFactory, plan=None)


class ProjectFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Project

    client = factory.SubFactory(ClientFactory)
    code = factory.Sequence(lambda n: f"P{n:04d}")
    name = factory.LazyAttribute(lambda p: f"Project {p.code}")


class TaskFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Task

    project = factory.SubFactory(ProjectFactory)
    name = factory.Sequence(lambda n: f"Task {n}")


class MemberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Member

    user = factory.SubFactory(UserFactory)
    timezone = "UTC"


class RateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RateCard

    member = factory.SubFactory(MemberFactory)
    rate = Decimal("100.00")
    currency = "USD"
    valid_from = datetime.date(2020, 1, 1)


class CostRateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CostRate

    member = factory.SubFactory(MemberFactory)
    rate = Decimal("60.00")
    currency = "USD"
    valid_from = datetime.date(2020, 1, 1)


class PurchaseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = HourPurchase

    client = factory.SubFactory(ClientFactory)
    date = datetime.date(2026, 1, 1)
    hours = Decimal("40")
    note = "Block"


class TimeEntryFactory(factory.django.DjangoModelFactory):
    """The one way tests make a time entry: through `timetracking.services.create_entry`, so
    rate snapshots, billable minutes and history rows are the ones every caller gets.
    Keywords are create_entry's (`by`, `billable`, `description`, `source`, …)."""

    class Meta:
        model = TimeEntry

    task = factory.SubFactory(TaskFactory)
    member = factory.SubFactory(MemberFactory)
    on_date = factory.LazyFunction(timezone.localdate)
    duration_minutes = 60

    @classmethod
    def _create(cls, model_class, **kwargs):
        return create_entry(**kwargs)


def invoice_and_lock(client, entries, number="INV-2026-0001", status="approved") -> Invoice:
    """An invoice holding `entries`, attached (and, unless a draft, locked) through the same
    timetracking functions billing's services use. Test setup only."""
    entries = list(entries)
    dates = [entry.date for entry in entries] or [datetime.date(2026, 1, 1)]
    invoice = Invoice.objects.create(
        client=client,
        status=status,
        number=None if status == "draft" else number,
        currency=client.currency,
        period_from=min(dates),
        period_to=max(dates),
    )
    attach_entries_to_invoice([entry.pk for entry in entries], invoice.pk)
    if status != "draft":
        set_invoice_lock(invoice.pk, True)
    for entry in entries:
        entry.refresh_from_db()
    return invoice
