"""A hand-computed firm for insights: two currencies, an overhead-only member, an internal
project, an hour bank with an expiring block and a support plan with unbilled fees.

Every figure the tests expect is worked out in the comments next to the data."""

from datetime import date, timedelta
from decimal import Decimal
from html.parser import HTMLParser
from types import SimpleNamespace

import pytest
from django.utils import timezone

from clients.models import BillingMode, BillingPlan, Client
from tests.factories import (
    ClientFactory,
    CostRateFactory,
    MemberFactory,
    ProjectFactory,
    PurchaseFactory,
    RateFactory,
    TaskFactory,
    TimeEntryFactory,
    make_user,
)

MARCH = {"period": "custom", "date_from": "2026-03-01", "date_to": "2026-03-31"}


@pytest.fixture
def books(db):
    today = timezone.localdate()
    acme = ClientFactory(code="ACME", name="Acme Ltd", currency="USD")
    euro = ClientFactory(
        code="EURO",
        name="Euro GmbH",
        currency="EUR",
        billing_mode=BillingMode.HOUR_BANK,
        low_balance_hours=10,
    )
    support = ClientFactory(
        code="SUP", name="Support Co", currency="USD", billing_mode=BillingMode.SUPPORT_PLAN
    )
    BillingPlan.objects.filter(client=support).update(
        support_fee=Decimal("1000.00"), monthly_included_hours=Decimal("10"), overtime_rate=150
    )
    # Two whole months of the plan are over and not invoiced: 2 × 1000.00 USD.
    two_months_back = (today.replace(day=1) - timedelta(days=40)).replace(day=1)
    Client.objects.filter(pk=support.pk).update(
        created_at=timezone.make_aware(
            timezone.datetime.combine(two_months_back, timezone.datetime.min.time())
        )
    )
    firm_client = ClientFactory(code="FIRM", name="Our firm", is_internal=True)
    web = ProjectFactory(client=acme, code="ACME-WEB", name="Acme web")
    app = ProjectFactory(client=euro, code="EURO-APP", name="Euro app")
    internal = ProjectFactory(
        client=firm_client, code="FIRM-INT", name="Internal", classification="internal"
    )
    web_task = TaskFactory(project=web, name="Checkout")
    app_task = TaskFactory(project=app, name="App")
    internal_task = TaskFactory(project=internal, name="Admin / Meetings")

    alice = MemberFactory(user=make_user("alice", "staff", first_name="Alice", last_name="A"))
    bob = MemberFactory(
        user=make_user("bob", "staff", first_name="Bob", last_name="B"),
        exclusion="overhead_only",
    )
    RateFactory(member=alice, rate=Decimal("100.00"), currency="USD")
    RateFactory(member=alice, client=euro, rate=Decimal("90.00"), currency="EUR")
    CostRateFactory(member=alice, rate=Decimal("60.00"), currency="USD")
    RateFactory(member=bob, rate=Decimal("80.00"), currency="USD")
    CostRateFactory(member=bob, rate=Decimal("50.00"), currency="USD")

    def log(task, member, day, minutes):
        return TimeEntryFactory(task=task, member=member, on_date=day, duration_minutes=minutes)

    # March, alice on ACME: 90 + 20 + 20 min at 100 USD → 150.00 + 33.33 + 33.33 = 216.66
    # (per-entry rounding; 130 min summed first would be 216.67); cost at 60 → 130.00.
    log(web_task, alice, date(2026, 3, 2), 90)
    log(web_task, alice, date(2026, 3, 10), 20)
    log(web_task, alice, date(2026, 3, 11), 20)
    # bob is overhead-only: 60 min, billable 0, value 0.00, cost 50.00.
    log(web_task, bob, date(2026, 3, 3), 60)
    # alice on EURO: 120 min at 90 EUR → 180.00 EUR; cost 120.00 USD (no EUR margin).
    log(app_task, alice, date(2026, 3, 4), 120)
    # alice internal: 60 min, billable 0, cost 60.00.
    log(internal_task, alice, date(2026, 3, 5), 60)
    # The previous 31 days (29 Jan – 28 Feb): ACME 30 min.
    log(web_task, alice, date(2026, 2, 20), 30)

    # EURO's bank: 10 h priced 500.00 EUR, expiring in 30 days; 2 h drawn → 8 h unused.
    PurchaseFactory(
        client=euro,
        date=date(2026, 3, 1),
        hours=Decimal("10"),
        price=Decimal("500.00"),
        expires_on=today + timedelta(days=30),
    )
    manager = make_user("boss", "manager")
    finance = make_user("money", "finance")
    staff = alice.user
    client_user = make_user("acme-user", "client", client=acme)
    return SimpleNamespace(**locals())


class TableReader(HTMLParser):
    """The cells of every `<table id="table-…">` of a page, by key."""

    def __init__(self):
        super().__init__()
        self.tables: dict[str, list[list[str]]] = {}
        self._key = None
        self._row = None
        self._cell = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "table" and (attrs.get("id") or "").startswith("table-"):
            self._key = attrs["id"].removeprefix("table-")
            self.tables[self._key] = []
        elif self._key and tag == "tr":
            self._row = []
        elif self._key and tag in ("td", "th") and self._row is not None:
            self._cell = []

    def handle_endtag(self, tag):
        if tag == "table":
            self._key = None
        elif tag in ("td", "th") and self._cell is not None:
            self._row.append("".join(self._cell).strip())
            self._cell = None
        elif tag == "tr" and self._row is not None:
            self.tables[self._key].append(self._row)
            self._row = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)


def read_tables(html: str) -> dict[str, list[list[str]]]:
    reader = TableReader()
    reader.feed(html)
    return reader.tables
