"""Invoices. The foundation holds the minimal model time entries point to; lines and the
lifecycle services come with the billing issue."""

from decimal import Decimal

from django.db import models
from django.db.models import Q

from clients.models import Client


class InvoiceStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    APPROVED = "approved", "Approved"
    SENT = "sent", "Sent"
    PAID = "paid", "Paid"
    VOID = "void", "Void"


# Entries on invoices in these states are locked (PRODUCT §1 "Billing status and locking").
LOCKING_STATUSES = (InvoiceStatus.APPROVED, InvoiceStatus.SENT, InvoiceStatus.PAID)


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
    subtotal = models.DecimalField(max_digits=14, decimal_places=2, default=Decimal("0.00"))
    tax = models.DecimalField(max_digits=14, decimal_places=2, default=Decimal("0.00"))
    total = models.DecimalField(max_digits=14, decimal_places=2, default=Decimal("0.00"))
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
        return self.number or f"Draft #{self.pk} ({self.client.code})"
