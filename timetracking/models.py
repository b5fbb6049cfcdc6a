"""Members, rates, time entries and their history, billing adjustments and timers."""

from django.conf import settings
from django.db import models
from django.db.models import Q

from clients.models import Client, Task, validate_timezone
from core.units import entry_value, money_field


def default_timezone():
    return settings.TIME_ZONE


class Exclusion(models.TextChoices):
    NONE = "none", "None"
    OVERHEAD_ONLY = "overhead_only", "Overhead only (tracked, never billed)"
    EXCLUDED = "excluded", "Excluded (worklogs ignored)"


def display_name_of(first_name: str, last_name: str, username: str) -> str:
    """How a member is named on pages: the full name, else the username."""
    return f"{first_name} {last_name}".strip() or username


class Member(models.Model):
    """A staff person who logs time. Rates live only in dated rows, never here."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="member"
    )
    timezone = models.CharField(
        max_length=64, default=default_timezone, validators=[validate_timezone]
    )
    jira_account_id = models.CharField(max_length=128, null=True, blank=True, unique=True)
    weekly_target_hours = models.DecimalField(max_digits=5, decimal_places=2, default=40)
    exclusion = models.CharField(max_length=16, choices=Exclusion.choices, default=Exclusion.NONE)
    is_placeholder = models.BooleanField(
        default=False, help_text="Created for an unknown Jira author"
    )

    class Meta:
        ordering = ["user__username"]
        constraints = [
            models.CheckConstraint(
                condition=Q(weekly_target_hours__gte=0), name="member_target_non_negative"
            ),
            models.CheckConstraint(
                condition=Q(exclusion__in=Exclusion.values), name="member_exclusion_valid"
            ),
        ]

    def __str__(self):
        return self.display_name

    @property
    def username(self):
        return self.user.username

    @property
    def display_name(self):
        user = self.user
        return display_name_of(user.first_name, user.last_name, user.username)

    # The columns `display_name_of` reads, for pickers that read rows instead of members.
    DISPLAY_NAME_FIELDS = ("user__first_name", "user__last_name", "user__username")


class RateCard(models.Model):
    """A billing rate from `valid_from` on: member default, member + client, or member + project."""

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="rates")
    client = models.ForeignKey(Client, null=True, blank=True, on_delete=models.CASCADE)
    project = models.ForeignKey("clients.Project", null=True, blank=True, on_delete=models.CASCADE)
    rate = models.DecimalField(max_digits=12, decimal_places=2)
    currency = models.CharField(max_length=3)
    valid_from = models.DateField()

    class Meta:
        ordering = ["member", "-valid_from"]
        constraints = [
            models.CheckConstraint(condition=Q(rate__gte=0), name="rate_non_negative"),
            models.CheckConstraint(
                condition=Q(client__isnull=True) | Q(project__isnull=True), name="rate_one_level"
            ),
            models.CheckConstraint(
                condition=Q(currency__regex=r"^[A-Z]{3}$"), name="rate_currency_iso"
            ),
            models.UniqueConstraint(
                fields=["member", "valid_from"],
                condition=Q(client__isnull=True, project__isnull=True),
                name="rate_unique_default",
            ),
            models.UniqueConstraint(
                fields=["member", "client", "valid_from"],
                condition=Q(client__isnull=False),
                name="rate_unique_client",
            ),
            models.UniqueConstraint(
                fields=["member", "project", "valid_from"],
                condition=Q(project__isnull=False),
                name="rate_unique_project",
            ),
        ]

    def __str__(self):
        scope = self.project or self.client or "default"
        return f"{self.member}: {self.currency} {self.rate}/h ({scope}) from {self.valid_from}"

    @property
    def level(self) -> str:
        return "project" if self.project_id else "client" if self.client_id else "default"


class CostRate(models.Model):
    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="cost_rates")
    rate = models.DecimalField(max_digits=12, decimal_places=2)
    currency = models.CharField(max_length=3)
    valid_from = models.DateField()

    class Meta:
        ordering = ["member", "-valid_from"]
        constraints = [
            models.CheckConstraint(condition=Q(rate__gte=0), name="cost_rate_non_negative"),
            models.UniqueConstraint(
                fields=["member", "valid_from"], name="cost_rate_unique_per_day"
            ),
        ]

    def __str__(self):
        return f"{self.member}: cost {self.currency} {self.rate}/h from {self.valid_from}"


class Source(models.TextChoices):
    MANUAL = "manual", "Manual"
    JIRA = "jira", "Jira"
    TEMPO = "tempo", "Tempo"
    FIELD = "field", "Field work"


class EntryStatus(models.TextChoices):
    NON_BILLABLE = "non_billable", "Non-billable"
    UNBILLED = "unbilled", "Unbilled"
    BILLED = "billed", "Billed (draft invoice)"
    INVOICED = "invoiced", "Invoiced"


class TimeEntry(models.Model):
    task = models.ForeignKey(Task, on_delete=models.PROTECT, related_name="entries")
    # The task's project's client, kept by database triggers (timetracking/entry_client.py) so
    # per-client sums need no join; read it in queries, never from an instance just saved.
    # Nullable for SQLite's triggers, which fill it after the insert; NOT NULL on PostgreSQL.
    client = models.ForeignKey(
        Client,
        on_delete=models.PROTECT,
        related_name="time_entries",
        editable=False,
        null=True,
        blank=True,
        db_index=False,  # entry_client_totals leads with it
    )
    member = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="entries")
    date = models.DateField(help_text="The worker's local day")
    start_time = models.TimeField(null=True, blank=True, help_text="The worker's local start time")
    started_at = models.DateTimeField(
        null=True, blank=True, help_text="UTC instant, when the source gives one"
    )
    duration_minutes = models.PositiveIntegerField()
    billable = models.BooleanField(
        default=True, help_text="The flag; see `is_billable` for the rule"
    )
    billable_minutes = models.PositiveIntegerField(
        default=0, help_text="Stored; set by the billable-minutes rule"
    )
    description = models.TextField(blank=True)
    billing_rate = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    billing_currency = models.CharField(max_length=3, blank=True)
    # The entry's value (`core.units.entry_value`: billable minutes × rate, to the cent; NULL
    # without a rate), kept by the database: a big client's per-task totals sum 110k stored
    # values instead of rounding each one per request. Read it in queries: an instance does
    # not know it until reloaded.
    billable_value = models.GeneratedField(
        expression=entry_value("billable_minutes", "billing_rate"),
        output_field=money_field(),
        db_persist=True,
    )
    cost_rate = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    cost_currency = models.CharField(max_length=3, blank=True)
    # The one declared upward reference (ARCHITECTURE.md); only billing's services set it.
    invoice = models.ForeignKey(
        "billing.Invoice", null=True, blank=True, on_delete=models.PROTECT, related_name="entries"
    )
    locked = models.BooleanField(default=False)
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.MANUAL)
    jira_worklog_id = models.CharField(max_length=32, null=True, blank=True, unique=True)
    tempo_worklog_id = models.CharField(max_length=32, null=True, blank=True, unique=True)
    source_updated_at = models.DateTimeField(null=True, blank=True)
    billable_override = models.BooleanField(
        default=False, help_text="The billable flag was set by hand and survives syncs"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-date", "-id"]
        verbose_name_plural = "time entries"
        indexes = [
            models.Index(fields=["member", "date"]),
            # Date ranges of every client (insights' per-client trend and hours per bucket):
            # index-only scans with the client and billable minutes alongside.
            models.Index(
                fields=["date"], include=["client", "billable_minutes"], name="entry_date_client"
            ),
            # (task, date) plus what the project page's time summary and the task sums read
            # (per member: minutes, billable minutes, value and whether the rate is priced):
            # index-only scans instead of a heap fetch per entry of a big project (issue 13).
            models.Index(
                fields=["task", "date"],
                include=[
                    "duration_minutes",
                    "billable_minutes",
                    "billing_rate",
                    "invoice",
                    "member",
                    "billing_currency",
                    "billable_value",
                ],
                name="entry_task_totals",
            ),
            # The per-client sums: the 28-day burn and the burn-down's daily sums (a date range),
            # the client page's per-task totals (every entry of the client), as index-only scans.
            models.Index(
                fields=["client", "date"],
                include=[
                    "task",
                    "duration_minutes",
                    "billable_minutes",
                    "billable_value",
                    "invoice",
                ],
                name="entry_client_totals",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(duration_minutes__gt=0), name="entry_duration_positive"
            ),
            models.CheckConstraint(
                condition=Q(billable_minutes__gte=0), name="entry_billable_minutes_non_negative"
            ),
            models.CheckConstraint(
                condition=Q(locked=False) | Q(invoice__isnull=False),
                name="entry_locked_needs_invoice",
            ),
            models.CheckConstraint(
                condition=Q(source__in=Source.values), name="entry_source_valid"
            ),
            models.CheckConstraint(
                condition=Q(billing_rate__isnull=True) | ~Q(billing_currency=""),
                name="entry_rate_has_currency",
            ),
            models.CheckConstraint(
                condition=Q(cost_rate__isnull=True) | ~Q(cost_currency=""),
                name="entry_cost_rate_has_currency",
            ),
        ]

    def __str__(self):
        return f"{self.date} {self.member} {self.duration_minutes} min on {self.task}"

    @property
    def status(self) -> str:
        if self.billable_minutes == 0 and not self.invoice_id:
            return EntryStatus.NON_BILLABLE
        if self.invoice_id is None:
            return EntryStatus.UNBILLED
        return EntryStatus.INVOICED if self.locked else EntryStatus.BILLED

    @property
    def external_id(self) -> str | None:
        if self.source == Source.TEMPO:
            return self.tempo_worklog_id
        if self.source == Source.JIRA:
            return self.jira_worklog_id
        return None


class ChangeKind(models.TextChoices):
    CREATED = "created", "Created"
    UPDATED = "updated", "Updated"
    DELETED = "deleted", "Deleted"


class EntryChange(models.Model):
    """Consumption history: one row per create/update/delete, kept after the entry is gone."""

    entry = models.ForeignKey(
        TimeEntry, null=True, blank=True, on_delete=models.SET_NULL, related_name="changes"
    )
    # The id survives the delete (the FK above becomes null).
    entry_ref = models.BigIntegerField(db_index=True)
    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="entry_changes")
    kind = models.CharField(max_length=10, choices=ChangeKind.choices)
    minutes_delta = models.IntegerField(help_text="Change in the client's consumed minutes")
    duration_delta = models.IntegerField(default=0)
    description = models.CharField(max_length=500, blank=True)
    data = models.JSONField(
        default=dict,
        blank=True,
        help_text="The entry's fields after the change (before, for a delete)",
    )
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.MANUAL)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["client", "-at"]),
            # The client page's history: its count and its newest rows read only this index.
            models.Index(
                fields=["client", "-at", "-id"],
                condition=~Q(minutes_delta=0),
                name="change_client_history",
            ),
        ]

    def __str__(self):
        return f"{self.kind} entry {self.entry_ref}: {self.minutes_delta:+d} min"


class AdjustmentStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    INVOICED = "invoiced", "Invoiced"


class BillingAdjustment(models.Model):
    """A correction to an invoiced (locked) entry, carried by the next invoice (PRODUCT §3.6)."""

    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="billing_adjustments")
    entry = models.ForeignKey(
        TimeEntry, null=True, blank=True, on_delete=models.SET_NULL, related_name="adjustments"
    )
    entry_ref = models.BigIntegerField(null=True, blank=True)
    minutes = models.IntegerField(help_text="Change in billable minutes (+ more, − credit)")
    value = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    currency = models.CharField(max_length=3, blank=True)
    reason = models.CharField(max_length=300, blank=True)
    status = models.CharField(
        max_length=10, choices=AdjustmentStatus.choices, default=AdjustmentStatus.PENDING
    )
    invoice = models.ForeignKey(
        "billing.Invoice",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="adjustments",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=~Q(minutes=0), name="adjustment_minutes_not_zero")
        ]

    def __str__(self):
        return f"{self.client.code}: {self.minutes:+d} min ({self.status})"


class Timer(models.Model):
    """A running timer; stopping it writes an ordinary entry. One per member."""

    member = models.OneToOneField(Member, on_delete=models.CASCADE, related_name="timer")
    task = models.ForeignKey(Task, on_delete=models.CASCADE)
    description = models.TextField(blank=True)
    started_at = models.DateTimeField()

    def __str__(self):
        return f"{self.member} on {self.task} since {self.started_at:%H:%M}"


class BalanceAlertState(models.Model):
    """Whether a client's low/negative balance alerts may fire (PRODUCT §4). A sent alert disarms
    its flag; both re-arm only when the balance is back above the threshold. Kept in a row that
    the alert task locks, so concurrent syncs and webhooks cannot send the same alert twice."""

    client = models.OneToOneField(Client, on_delete=models.CASCADE, related_name="alert_state")
    low_armed = models.BooleanField(default=True)
    negative_armed = models.BooleanField(default=True)
    last_sent_at = models.DateTimeField(null=True, blank=True)

    def __str__(self):
        return f"{self.client.code}: low {'armed' if self.low_armed else 'sent'}, negative {'armed' if self.negative_armed else 'sent'}"


class TimesheetRow(models.Model):
    """A task row on a member's weekly timesheet, kept even while it has no hours (added by hand
    or copied from last week). Saving a cell locks its row, so two saves of one cell queue."""

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="timesheet_rows")
    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="+")
    week_start = models.DateField(help_text="The Monday of the week.")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("week_start", "id")
        constraints = [
            models.UniqueConstraint(
                fields=("member", "week_start", "task"), name="timesheet_row_once_per_week"
            )
        ]

    def __str__(self):
        return f"{self.member} · {self.task} · week of {self.week_start}"
