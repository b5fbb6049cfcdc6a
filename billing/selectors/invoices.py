"""Invoices for pages and the API: who sees which, lists with totals per currency, detail."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import Count, Max, Q, Sum
from django.http import Http404

from clients.models import task_label
from clients.roles import client_id_of, has_role, is_client_user
from clients.selectors import visible_clients
from timetracking.models import TimeEntry

from ..models import LOCKING_STATUSES, Invoice, InvoiceStatus
from ..rules import ENTRY_CATEGORIES, MINUTE_SPLIT_CATEGORIES


def visible_invoices(user):
    """Finance and admin see every invoice; a client user only their client's approved, sent
    and paid ones; anyone else none."""
    if has_role(user, "finance"):
        return Invoice.objects.all()
    if is_client_user(user):
        return Invoice.objects.filter(
            client__in=visible_clients(user),
            client_id=client_id_of(user),
            status__in=LOCKING_STATUSES,
        )
    return Invoice.objects.none()


def get_invoice_for_user(user, invoice_id) -> Invoice:
    invoice = visible_invoices(user).select_related("client").filter(pk=invoice_id).first()
    if invoice is None:
        raise Http404("No such invoice.")
    return invoice


@dataclass(frozen=True)
class InvoiceFilters:
    status: str | None = None
    client_id: int | None = None
    date_from: date | None = None
    date_to: date | None = None


def invoice_list(user, filters: InvoiceFilters = InvoiceFilters()):
    """Newest first; a period filter keeps invoices whose period overlaps it."""
    invoices = visible_invoices(user).select_related("client")
    if filters.status:
        invoices = invoices.filter(status=filters.status)
    if filters.client_id:
        invoices = invoices.filter(client_id=filters.client_id)
    if filters.date_from:
        invoices = invoices.filter(period_to__gte=filters.date_from)
    if filters.date_to:
        invoices = invoices.filter(period_from__lte=filters.date_to)
    return invoices.order_by("-created_at", "-id")


@dataclass(frozen=True)
class CurrencyTotal:
    currency: str
    count: int
    subtotal: Decimal
    tax: Decimal
    total: Decimal


def totals_by_currency(invoices) -> list[CurrencyTotal]:
    """Sums of the listed invoices per currency (void invoices left out: they bill nothing)."""
    rows = (
        invoices.exclude(status=InvoiceStatus.VOID)
        .order_by()
        .values("currency")
        .annotate(count=Count("id"), subtotal=Sum("subtotal"), tax=Sum("tax"), total=Sum("total"))
        .order_by("currency")
    )
    return [CurrencyTotal(**row) for row in rows]


@dataclass(frozen=True)
class BilledEntry:
    """A row of the invoice page's entries table."""

    date: date
    member: str
    project_code: str
    task: str
    duration_minutes: int
    billable_minutes: int
    billing_rate: Decimal | None


@dataclass(frozen=True)
class InvoiceDetail:
    invoice: Invoice
    lines: list
    entries: list[BilledEntry]
    transitions: list
    adjustments: list


def invoice_detail(invoice: Invoice) -> InvoiceDetail:
    """Lines, billed entries (also those of a void invoice), transitions and adjustments."""
    # Rows, not instances: five models per entry cost more than the table they fill.
    rows = (
        TimeEntry.objects.filter(invoice_links__invoice=invoice)
        .order_by("date", "id")
        .values_list(
            "date", "member__user__username", "task__project__code", "task__jira_issue_key",
            "task__name", "duration_minutes", "billable_minutes", "billing_rate",
        )
    )  # fmt: skip
    entries = [
        BilledEntry(
            date=day,
            member=member,
            project_code=project_code,
            task=task_label(jira_issue_key, task_name),
            duration_minutes=duration,
            billable_minutes=billable,
            billing_rate=rate,
        )
        for day, member, project_code, jira_issue_key, task_name, duration, billable, rate in rows
    ]
    return InvoiceDetail(
        invoice=invoice,
        lines=list(invoice.lines.select_related("task").order_by("position")),
        entries=entries,
        transitions=list(invoice.transitions.select_related("by").order_by("at", "id")),
        adjustments=list(invoice.adjustments.order_by("id")),
    )


def draft_is_stale(invoice: Invoice) -> bool:
    """A draft's lines no longer match its entries (an entry was changed or removed since
    they were built)."""
    if invoice.status != InvoiceStatus.DRAFT:
        return False
    entries = TimeEntry.objects.filter(invoice=invoice).aggregate(
        minutes=Sum("billable_minutes"), changed=Max("updated_at")
    )
    lines = invoice.lines.filter(
        Q(category__in=ENTRY_CATEGORIES) | Q(category__in=MINUTE_SPLIT_CATEGORIES)
    ).aggregate(minutes=Sum("billable_minutes"))
    if (entries["minutes"] or 0) != (lines["minutes"] or 0):
        return True
    changed = entries["changed"]
    return bool(changed and invoice.lines_built_at and changed > invoice.lines_built_at)


@dataclass(frozen=True)
class InvoicesCard:
    client_id: int
    invoices: list
    totals: list
    open_amount: Decimal
    currency: str
    pending_adjustments: int


def client_invoices_card(client, *, limit: int = 10) -> InvoicesCard:
    from timetracking.selectors import pending_adjustments

    invoices = Invoice.objects.filter(client=client).order_by("-created_at", "-id")
    open_amount = invoices.filter(
        status__in=(InvoiceStatus.APPROVED, InvoiceStatus.SENT)
    ).aggregate(total=Sum("total"))["total"] or Decimal("0.00")
    return InvoicesCard(
        client_id=client.pk,
        invoices=list(invoices[:limit]),
        totals=totals_by_currency(invoices),
        open_amount=open_amount,
        currency=client.currency,
        pending_adjustments=pending_adjustments(client.pk).count(),
    )
