"""Invoices, their lines, the entries they bill, the gapless number sequence and the
lifecycle log (PRODUCT §5.0–§5.2)."""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q

from clients.models import Client, HourPurchase


class InvoiceStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    APPROVED = "approved", "Approved"
    SENT = "sent", "Sent"
    PAID = "paid", "Paid"
    VOID = "void", "Void"


# Entries on invoices in these states are locked (PRODUCT §1 "Billing status and locking").
LOCKING_STATUSES = (InvoiceStatus.APPROVED, InvoiceStatus.SENT, InvoiceStatus.PAID)
# Invoices that count: what they bill is not billed again.
LIVE_STATUSES = (InvoiceStatus.DRAFT, *LOCKING_STATUSES)


class Invoice(models.Model):
    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="invoices")
    number = models.CharField(max_length=40, null=True, blank=True, unique=True)
    status = models.CharField(
        max_length=10, choices=InvoiceStatus.choices, default=InvoiceStatus.DRAFT
    )
    currency = models.CharField(max_length=3)
    period_from = models.DateField()
    period_to = models.DateField()
    issue_date = models.DateField(null=True, blank=True)
    due_date = models.DateField(null=True, blank=True)
    # The client's tax rate when the lines were last built; frozen at approval.
    tax_rate = models.DecimalField(max_digits=5, decimal_places=4, default=Decimal("0"))
    subtotal = models.DecimalField(max_digits=14, decimal_places=2, default=Decimal("0.00"))
    tax = models.DecimalField(max_digits=14, decimal_places=2, default=Decimal("0.00"))
    total = models.DecimalField(max_digits=14, decimal_places=2, default=Decimal("0.00"))
    # A draft's lines are rebuilt when an entry changed after this instant.
    lines_built_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(period_from__lte=models.F("period_to")), name="invoice_period_ordered"
            ),
            models.CheckConstraint(
                condition=Q(status__in=InvoiceStatus.values), name="invoice_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(status="draft") | Q(number__isnull=False),
                name="invoice_number_after_draft",
            ),
        ]

    def __str__(self):
        return self.number or f"Draft #{self.pk}"

    @property
    def is_live(self) -> bool:
        return self.status in LIVE_STATUSES

    @property
    def display_number(self) -> str:
        return self.number or f"Draft #{self.pk}"


class LineCategory(models.TextChoices):
    TASK = "task", "Task"
    INCIDENT = "incident", "Incident"
    INCIDENT_CRITICAL = "incident_critical", "Critical incident"
    MEETING = "meeting", "Meeting"
    OFF_HOURS = "off_hours", "Off-hours"
    SUPPORT = "support", "Support"
    MONITORING = "monitoring", "Monitoring"
    OVERTIME = "overtime", "Overtime"
    OVERAGE = "overage", "Overage"
    HOUR_BLOCK = "hour_block", "Hour block"
    ADJUSTMENT = "adjustment", "Adjustment"


class RateTier(models.TextChoices):
    STANDARD = "standard", "Standard"
    OFF_HOURS = "off_hours", "Off-hours"
    P1_P3 = "p1_p3", "P1–P3"
    P1_P3_OFF_HOURS = "p1_p3_off_hours", "P1–P3 off-hours"


class InvoiceLine(models.Model):
    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="lines")
    position = models.PositiveIntegerField()
    category = models.CharField(max_length=20, choices=LineCategory.choices)
    rate_tier = models.CharField(max_length=20, choices=RateTier.choices, default=RateTier.STANDARD)
    description = models.CharField(max_length=500)
    task = models.ForeignKey(
        "clients.Task", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    jira_issue_key = models.CharField(max_length=64, blank=True)
    time_minutes = models.IntegerField(default=0)
    billable_minutes = models.IntegerField(default=0)
    quantity = models.DecimalField(max_digits=12, decimal_places=2)
    unit_price = models.DecimalField(max_digits=12, decimal_places=2)
    multiplier = models.DecimalField(max_digits=6, decimal_places=2, default=Decimal("1.00"))
    amount = models.DecimalField(max_digits=14, decimal_places=2)
    # What a line bills besides entries, so it is never billed twice.
    purchase = models.ForeignKey(
        HourPurchase, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    service_month = models.DateField(null=True, blank=True, help_text="Support/monitoring month")

    class Meta:
        ordering = ["invoice", "position"]
        constraints = [
            models.UniqueConstraint(fields=["invoice", "position"], name="line_position_unique"),
            models.CheckConstraint(
                condition=Q(category__in=LineCategory.values), name="line_category_valid"
            ),
            models.CheckConstraint(
                condition=Q(rate_tier__in=RateTier.values), name="line_rate_tier_valid"
            ),
        ]

    def __str__(self):
        return f"{self.invoice}: {self.description} {self.amount}"


class InvoiceEntry(models.Model):
    """Which entries an invoice bills, kept after a void (`live` false) so the void invoice
    still shows them. The partial unique constraint makes an entry on two live invoices
    impossible even when two generations race."""

    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="entry_links")
    entry = models.ForeignKey(
        "timetracking.TimeEntry", on_delete=models.CASCADE, related_name="invoice_links"
    )
    live = models.BooleanField(default=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["entry"], condition=Q(live=True), name="entry_on_one_live_invoice"
            ),
            models.UniqueConstraint(fields=["invoice", "entry"], name="invoice_entry_unique"),
        ]

    def __str__(self):
        return f"{self.invoice} ← entry {self.entry_id}"


class InvoiceSequence(models.Model):
    """The last number issued per year and prefix; approvals lock this row (gapless)."""

    year = models.PositiveSmallIntegerField()
    prefix = models.CharField(max_length=20)
    last_number = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["year", "prefix"], name="sequence_year_prefix_unique")
        ]

    def __str__(self):
        return f"{self.prefix}-{self.year}: {self.last_number}"


class InvoiceTransition(models.Model):
    """Who moved an invoice from one status to another, and when."""

    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="transitions")
    from_status = models.CharField(max_length=10, blank=True)
    to_status = models.CharField(max_length=10)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self):
        return f"{self.invoice}: {self.from_status or '—'} → {self.to_status}"


class PdfStatus(models.TextChoices):
    PENDING = "pending", "Rendering"
    READY = "ready", "Ready"
    FAILED = "failed", "Failed"


class InvoicePdf(models.Model):
    """The rendered PDF of an invoice (PRODUCT §5.3). Once an approved invoice's PDF is ready
    (`final`), it is the document that was issued: it is never rendered again. A draft's PDF
    (watermarked) is rendered on demand and replaced by the final one at approval."""

    invoice = models.OneToOneField(Invoice, on_delete=models.CASCADE, related_name="pdf")
    status = models.CharField(max_length=10, choices=PdfStatus.choices, default=PdfStatus.PENDING)
    final = models.BooleanField(default=False, help_text="Rendered from the approved invoice")
    file = models.FileField(upload_to="invoices/", blank=True)
    sha256 = models.CharField(max_length=64, blank=True)
    requested_at = models.DateTimeField(auto_now_add=True)
    rendered_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True)

    class Meta:
        verbose_name = "invoice PDF"
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=PdfStatus.values), name="invoice_pdf_status_valid"
            ),
            models.CheckConstraint(
                condition=~Q(status="ready") | (~Q(file="") & ~Q(sha256="")),
                name="invoice_pdf_ready_has_file",
            ),
        ]

    def __str__(self):
        return f"PDF of {self.invoice}: {self.status}"
