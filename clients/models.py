"""Clients, their billing plans, hour purchases, projects and tasks; roles and API tokens."""

import hashlib
import zoneinfo
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

from core.units import hours_to_minutes


def validate_timezone(value):
    if value not in zoneinfo.available_timezones():
        raise ValidationError(
            f"Unknown timezone {value!r}; use an IANA name such as 'Europe/Berlin'."
        )


class FieldRounding(models.TextChoices):
    OFF = "off", "Off"
    UP = "up", "Up to the next 0.5 h"
    DOWN = "down", "Down to 0.5 h"
    NEAREST = "nearest", "Nearest 0.5 h"


class FirmSettings(models.Model):
    """The firm-wide settings of the setup file (one row). Env vars are the defaults."""

    hours_per_day = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True)
    days_per_week = models.DecimalField(max_digits=4, decimal_places=2, null=True, blank=True)
    invoice_prefix = models.CharField(max_length=20, default="INV")
    # Seed 002: field-work billable hours are rounded to 0.5 h when this is not "off".
    field_rounding = models.CharField(
        max_length=10, choices=FieldRounding.choices, default=FieldRounding.OFF
    )
    # Letterhead of invoice PDFs (PRODUCT §5.3).
    firm_name = models.CharField(max_length=200, blank=True)
    firm_address = models.TextField(blank=True)
    bank_details = models.TextField(blank=True)
    logo = models.FileField(upload_to="firm/", blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "firm settings"
        constraints = [
            models.CheckConstraint(
                condition=Q(hours_per_day__gt=0) | Q(hours_per_day__isnull=True),
                name="firm_hours_per_day_positive",
            ),
            models.CheckConstraint(
                condition=Q(days_per_week__gt=0) | Q(days_per_week__isnull=True),
                name="firm_days_per_week_positive",
            ),
        ]

    def __str__(self):
        return "Firm settings"

    @classmethod
    def current(cls):
        return cls.objects.first() or cls(invoice_prefix="INV")

    @property
    def effective_hours_per_day(self) -> Decimal:
        return self.hours_per_day if self.hours_per_day is not None else settings.HOURS_PER_DAY

    @property
    def effective_days_per_week(self) -> Decimal:
        return self.days_per_week if self.days_per_week is not None else settings.DAYS_PER_WEEK


class BillingMode(models.TextChoices):
    TIME_AND_MATERIALS = "time_and_materials", "Time and materials"
    HOUR_BANK = "hour_bank", "Hour bank"
    SUPPORT_PLAN = "support_plan", "Support plan"


def coded_name(code: str, name: str) -> str:
    """How a client or project is named in pickers and the admin: `ACME — Acme Ltd`."""
    return f"{code} — {name}"


def task_label(jira_issue_key: str | None, name: str) -> str:
    """How a task is named on pages: `ACME-12: Fix login`, or its name without a Jira issue."""
    return f"{jira_issue_key}: {name}" if jira_issue_key else name


class Client(models.Model):
    code = models.CharField(max_length=32, unique=True, help_text="Short code, e.g. ACME")
    name = models.CharField(max_length=200)
    currency = models.CharField(max_length=3, default="USD", help_text="ISO 4217 code, e.g. USD")
    tax_rate = models.DecimalField(
        max_digits=5,
        decimal_places=4,
        default=Decimal("0"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("0.9999"))],
        help_text="Fraction, e.g. 0.15 for 15%",
    )
    timezone = models.CharField(max_length=64, default="UTC", validators=[validate_timezone])
    business_weekdays = models.JSONField(
        default=list, blank=True, help_text="0 = Monday … 6 = Sunday"
    )
    business_start = models.TimeField(default="08:00")
    business_end = models.TimeField(default="18:00", help_text="Exclusive")
    low_balance_hours = models.DecimalField(max_digits=10, decimal_places=2, null=True, blank=True)
    low_balance_percent = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True)
    runout_warning_weeks = models.PositiveSmallIntegerField(default=4)
    billing_mode = models.CharField(
        max_length=20, choices=BillingMode.choices, default=BillingMode.TIME_AND_MATERIALS
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="owned_clients",
    )
    alert_contacts = models.JSONField(default=list, blank=True)
    alert_clients_enabled = models.BooleanField(default=False)
    payment_terms_days = models.PositiveSmallIntegerField(default=30)
    is_active = models.BooleanField(default=True)
    is_internal = models.BooleanField(
        default=False, help_text="The firm itself: internal and overhead projects"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # Running total of Σ entries' billable minutes + Σ billing adjustments, moved in the same
    # transaction as every such write (timetracking.services.history.move_balance) so balances
    # never sum a client's whole history; `manage.py check_balances` recomputes and compares.
    consumed_minutes = models.BigIntegerField(default=0, editable=False)

    class Meta:
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(tax_rate__gte=0) & Q(tax_rate__lt=1), name="client_tax_rate_fraction"
            ),
            models.CheckConstraint(
                condition=Q(currency__regex=r"^[A-Z]{3}$"), name="client_currency_iso"
            ),
            models.CheckConstraint(
                condition=Q(low_balance_percent__isnull=True)
                | (Q(low_balance_percent__gte=0) & Q(low_balance_percent__lte=100)),
                name="client_low_balance_percent_range",
            ),
        ]

    def __str__(self):
        return coded_name(self.code, self.name)

    def save(self, *args, **kwargs):
        # A client saved from a form or the setup file holds a stale running total: only
        # `move_balance` writes it (with a SQL increment), so a plain save leaves it out.
        if not self._state.adding and kwargs.get("update_fields") is None:
            kwargs["update_fields"] = [
                f.attname
                for f in self._meta.concrete_fields
                if not f.primary_key and f.attname != "consumed_minutes"
            ]
        super().save(*args, **kwargs)


class Rounding(models.TextChoices):
    NONE = "none", "None"
    UP = "up", "Up"
    DOWN = "down", "Down"
    NEAREST = "nearest", "Nearest"


ROUNDING_INCREMENTS = (1, 5, 6, 10, 12, 15, 20, 30, 60)
DEFAULT_CRITICAL_PRIORITIES = ["P1", "P2", "P3", "Highest", "High"]


def default_multipliers():
    return {"standard": "1.0", "off_hours": "1.0", "p1_p3": "1.0", "p1_p3_off_hours": "1.5"}


def default_critical_priorities():
    return list(DEFAULT_CRITICAL_PRIORITIES)


class BillingPlan(models.Model):
    """How a client's time turns into billable minutes and invoice lines (PRODUCT §5.2)."""

    client = models.OneToOneField(Client, on_delete=models.CASCADE, related_name="plan")
    min_billable_minutes = models.PositiveIntegerField(default=0)
    rounding_method = models.CharField(
        max_length=10, choices=Rounding.choices, default=Rounding.NONE
    )
    rounding_increment_minutes = models.PositiveSmallIntegerField(default=15)
    multipliers = models.JSONField(default=default_multipliers)
    support_fee = models.DecimalField(max_digits=12, decimal_places=2, default=Decimal("0.00"))
    monitoring_fee = models.DecimalField(max_digits=12, decimal_places=2, default=Decimal("0.00"))
    monthly_included_hours = models.DecimalField(
        max_digits=8, decimal_places=2, null=True, blank=True
    )
    overtime_rate = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    # Hour-bank mode: the price of an hour beyond what was purchased (PRODUCT §5.0).
    overage_rate = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    # Support plans: unused included hours carried into the next month, at most this many.
    rollover_cap_hours = models.DecimalField(max_digits=8, decimal_places=2, default=Decimal("0"))
    critical_priorities = models.JSONField(default=default_critical_priorities)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(rounding_increment_minutes__gt=0), name="plan_increment_positive"
            ),
            models.CheckConstraint(
                condition=Q(support_fee__gte=0) & Q(monitoring_fee__gte=0),
                name="plan_fees_non_negative",
            ),
        ]

    def __str__(self):
        return f"Billing plan of {self.client.code}"


class LedgerKind(models.TextChoices):
    PURCHASE = "purchase", "Purchase"
    CORRECTION = "correction", "Correction"
    EXPIRY = "expiry", "Expiry"


class HourPurchase(models.Model):
    """A hour-bank top-up. A ledger: corrections are new rows (negative hours allowed)."""

    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="purchases")
    date = models.DateField()
    hours = models.DecimalField(max_digits=9, decimal_places=2)
    # Stored so balances are plain SQL sums: round-half-up(hours × 60), set by the service.
    minutes = models.IntegerField(editable=False)
    note = models.CharField(max_length=300, blank=True)
    # PRODUCT §5.4: the ledger row's kind, an optional price (client currency) and expiry.
    kind = models.CharField(max_length=10, choices=LedgerKind.choices, default=LedgerKind.PURCHASE)
    price = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    expires_on = models.DateField(null=True, blank=True)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # PRODUCT §5.4: an `expiry` row names the block it expires; one-to-one, so two overlapping
    # expiry runs cannot both write one.
    expires_block = models.OneToOneField(
        "self",
        null=True,
        blank=True,
        editable=False,
        on_delete=models.PROTECT,
        related_name="expiry_row",
    )
    # The days the 30- and 7-day expiry notices went out; set by a conditional UPDATE that
    # only one sender can win, so each notice is sent once.
    notice_30_sent_on = models.DateField(null=True, blank=True, editable=False)
    notice_7_sent_on = models.DateField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-date", "-id"]
        constraints = [
            models.CheckConstraint(condition=~Q(hours=0), name="purchase_hours_not_zero"),
            models.CheckConstraint(
                condition=Q(kind__in=LedgerKind.values), name="purchase_kind_valid"
            ),
            models.CheckConstraint(
                condition=Q(price__gte=0) | Q(price__isnull=True),
                name="purchase_price_non_negative",
            ),
        ]

    def __str__(self):
        return f"{self.client.code} +{self.hours} h on {self.date}"

    def save(self, *args, **kwargs):
        self.minutes = hours_to_minutes(self.hours)
        super().save(*args, **kwargs)


class Classification(models.TextChoices):
    BILLABLE = "billable", "Billable"
    INTERNAL = "internal", "Internal"
    OVERHEAD = "overhead", "Overhead"
    EXCLUDED = "excluded", "Excluded"


class ProjectStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    COMPLETE = "complete", "Complete"


class Project(models.Model):
    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="projects")
    code = models.CharField(max_length=32, unique=True)
    name = models.CharField(max_length=200)
    classification = models.CharField(
        max_length=10, choices=Classification.choices, default=Classification.BILLABLE
    )
    status = models.CharField(
        max_length=10, choices=ProjectStatus.choices, default=ProjectStatus.ACTIVE
    )
    budget_hours = models.DecimalField(max_digits=9, decimal_places=2, null=True, blank=True)
    budget_amount = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    jira_project_keys = models.JSONField(default=list, blank=True)
    jira_labels = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(budget_hours__isnull=True) | Q(budget_hours__gte=0),
                name="project_budget_hours_non_negative",
            ),
            models.CheckConstraint(
                condition=Q(budget_amount__isnull=True) | Q(budget_amount__gte=0),
                name="project_budget_amount_non_negative",
            ),
            models.CheckConstraint(
                condition=Q(classification__in=Classification.values),
                name="project_classification_valid",
            ),
            models.CheckConstraint(
                condition=Q(status__in=ProjectStatus.values), name="project_status_valid"
            ),
        ]

    def __str__(self):
        return coded_name(self.code, self.name)

    @property
    def billable_by_default(self) -> bool:
        return self.classification == Classification.BILLABLE


class Task(models.Model):
    """A piece of work; every task of a client is a "request". May be linked to one Jira issue."""

    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="tasks")
    name = models.CharField(max_length=300)
    is_active = models.BooleanField(default=True)
    jira_issue_id = models.CharField(max_length=32, null=True, blank=True, unique=True)
    jira_issue_key = models.CharField(max_length=64, null=True, blank=True, unique=True)
    jira_summary = models.CharField(max_length=500, blank=True)
    jira_issue_type = models.CharField(max_length=100, blank=True)
    jira_priority = models.CharField(max_length=100, blank=True)
    jira_priority_id = models.CharField(max_length=32, blank=True)
    jira_labels = models.JSONField(default=list, blank=True)
    jira_project_key = models.CharField(max_length=64, blank=True)
    jira_fetched_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["project__code", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["project", "name"],
                condition=Q(jira_issue_key__isnull=True),
                name="task_unique_unlinked_name_per_project",
            ),
        ]

    def __str__(self):
        return task_label(self.jira_issue_key, self.name)

    @property
    def client_id(self):
        return self.project.client_id


class Role(models.TextChoices):
    STAFF = "staff", "Staff"
    MANAGER = "manager", "Manager"
    FINANCE = "finance", "Finance"
    ADMIN = "admin", "Admin"
    CLIENT = "client", "Client"


# Staff roles in rising order; each includes the ones before it.
STAFF_ROLE_ORDER = [Role.STAFF, Role.MANAGER, Role.FINANCE, Role.ADMIN]


class UserProfile(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="profile"
    )
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.STAFF)
    client = models.ForeignKey(
        Client, null=True, blank=True, on_delete=models.CASCADE, related_name="client_users"
    )

    class Meta:
        constraints = [
            # Client users belong to exactly one client; staff belong to none.
            models.CheckConstraint(
                condition=(Q(role="client") & Q(client__isnull=False))
                | (~Q(role="client") & Q(client__isnull=True)),
                name="profile_client_iff_client_role",
                violation_error_message="Client users need a client, and only client users may have one.",
            ),
            models.CheckConstraint(condition=Q(role__in=Role.values), name="profile_role_valid"),
        ]

    def __str__(self):
        return f"{self.user.username} ({self.role})"


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


class ApiToken(models.Model):
    """A bearer token for /api/v1/. Only its SHA-256 is stored."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(max_length=100, blank=True)
    prefix = models.CharField(max_length=12, editable=False)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.prefix}… ({self.user.username})"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None
