"""Hour-bank balance and run-out forecast (PRODUCT §1, §4).

Consumed minutes are the client's running total (`Client.consumed_minutes`, moved by every
entry and adjustment write; `manage.py check_balances` recomputes it with `recomputed_consumed`);
purchases and the 28-day burn are SQL sums of stored columns (the burn by `TimeEntry.client`,
an index-only scan of `entry_client_totals`).

`with_balances` annotates any client queryset in a constant number of queries, and
`balance_of` turns one annotated client into a `Balance`; every page and API uses these two."""

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.db.models import IntegerField, OuterRef, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from clients.models import Client, HourPurchase
from core.units import minutes_to_hours, percent

from .models import BillingAdjustment, TimeEntry

BURN_WINDOW_DAYS = 28


def sum_per_client(queryset, client_field: str, value_field: str):
    """Σ `value_field` of the rows whose `client_field` is the outer client (0 when none), as a
    subquery to annotate a client queryset with."""
    summed = (
        queryset.filter(**{client_field: OuterRef("pk")})
        .order_by()
        .values(client_field)
        .annotate(total=Sum(value_field))
        .values("total")
    )
    return Coalesce(Subquery(summed, output_field=IntegerField()), Value(0))


def with_recomputed_consumed(clients=None):
    """Annotate clients with `recomputed_minutes`: Σ entries' billable minutes + Σ adjustments
    summed from scratch, to check the running total against. Entries reach their client
    through task and project, the source of truth, not the denormalized `TimeEntry.client`:
    the check stays independent of what the triggers maintain (check_balances checks those
    separately)."""
    clients = Client.objects.all() if clients is None else clients
    return clients.annotate(
        recomputed_minutes=sum_per_client(
            TimeEntry.objects.all(), "task__project__client", "billable_minutes"
        )
        + sum_per_client(BillingAdjustment.objects.all(), "client", "minutes")
    )


def with_balances(clients=None, *, today: date | None = None):
    """Annotate clients with purchased/consumed minutes, purchase count and 28-day burn."""
    today = today or timezone.localdate()
    clients = Client.objects.all() if clients is None else clients
    burn_start = today - timedelta(days=BURN_WINDOW_DAYS - 1)
    return clients.annotate(
        purchased_minutes_sum=sum_per_client(HourPurchase.objects.all(), "client", "minutes"),
        purchase_count=Coalesce(
            Subquery(
                HourPurchase.objects.filter(client=OuterRef("pk"))
                .order_by()
                .values("client")
                .annotate(n=Sum(Value(1)))
                .values("n"),
                output_field=IntegerField(),
            ),
            Value(0),
        ),
        burn_minutes_sum=sum_per_client(
            TimeEntry.objects.filter(date__gte=burn_start, date__lte=today),
            "client",
            "billable_minutes",
        ),
    )


@dataclass(frozen=True)
class Balance:
    purchased_minutes: int
    consumed_minutes: int
    has_purchases: bool
    burn_minutes_per_day: Decimal
    runout_date: date | None
    at_risk: bool

    @property
    def remaining_minutes(self) -> int:
        return self.purchased_minutes - self.consumed_minutes

    @property
    def purchased_hours(self) -> Decimal:
        return minutes_to_hours(self.purchased_minutes)

    @property
    def consumed_hours(self) -> Decimal:
        return minutes_to_hours(self.consumed_minutes)

    @property
    def remaining_hours(self) -> Decimal:
        return minutes_to_hours(self.remaining_minutes)

    @property
    def is_negative(self) -> bool:
        return self.remaining_minutes < 0

    @property
    def consumed_percent(self) -> int:
        """For progress bars: share of the purchased hours used, 0–100."""
        if self.purchased_minutes <= 0:
            return 100 if self.consumed_minutes > 0 else 0
        return max(0, min(100, int(percent(self.consumed_minutes, self.purchased_minutes))))

    def as_dict(self) -> dict:
        return {
            "purchased_minutes": self.purchased_minutes,
            "consumed_minutes": self.consumed_minutes,
            "remaining_minutes": self.remaining_minutes,
            "purchased_hours": self.purchased_hours,
            "consumed_hours": self.consumed_hours,
            "remaining_hours": self.remaining_hours,
            "at_risk": self.at_risk,
            "runout_date": self.runout_date,
        }


def runout_date(
    *, remaining_minutes: int, burn_minutes_28_days: int, has_purchases: bool, today: date
) -> date | None:
    """today + ⌊remaining ÷ burn⌋ days; none without purchases, burn or remaining hours."""
    if not has_purchases or burn_minutes_28_days <= 0 or remaining_minutes <= 0:
        return None
    return today + timedelta(days=(remaining_minutes * BURN_WINDOW_DAYS) // burn_minutes_28_days)


def is_at_risk(
    client: Client,
    *,
    purchased: int,
    remaining: int,
    runout: date | None,
    has_purchases: bool,
    today: date,
) -> bool:
    if not has_purchases:
        return False
    if remaining <= 0:
        return True
    if client.low_balance_hours is not None and remaining < client.low_balance_hours * 60:
        return True
    if (
        client.low_balance_percent is not None
        and remaining * 100 < client.low_balance_percent * purchased
    ):
        return True
    return runout is not None and runout <= today + timedelta(weeks=client.runout_warning_weeks)


def balance_of(client: Client, *, today: date | None = None) -> Balance:
    """The balance of one client; uses `with_balances` annotations when present (no query)."""
    today = today or timezone.localdate()
    if not hasattr(client, "purchased_minutes_sum"):
        client = with_balances(Client.objects.filter(pk=client.pk), today=today).get()
    purchased = client.purchased_minutes_sum
    consumed = client.consumed_minutes
    has_purchases = client.purchase_count > 0
    remaining = purchased - consumed
    runout = runout_date(
        remaining_minutes=remaining,
        burn_minutes_28_days=client.burn_minutes_sum,
        has_purchases=has_purchases,
        today=today,
    )
    return Balance(
        purchased_minutes=purchased,
        consumed_minutes=consumed,
        has_purchases=has_purchases,
        burn_minutes_per_day=Decimal(client.burn_minutes_sum) / BURN_WINDOW_DAYS,
        runout_date=runout,
        at_risk=is_at_risk(
            client,
            purchased=purchased,
            remaining=remaining,
            runout=runout,
            has_purchases=has_purchases,
            today=today,
        ),
    )
