"""Reads of billing: invoices for pages and the API, and the inputs line building needs."""

from .inputs import (
    adjustment_facts,
    entry_facts,
    hour_bank_overage_minutes,
    plan_rules,
    priced_purchases,
    support_months,
)
from .invoices import (
    CurrencyTotal,
    InvoiceFilters,
    client_invoices_card,
    draft_is_stale,
    get_invoice_for_user,
    invoice_detail,
    invoice_list,
    totals_by_currency,
    visible_invoices,
)
from .left_on_table import LeftOnTable, left_on_table, left_on_table_by_client
from .unbilled import GenerateGroup, generate_preview

__all__ = [
    "CurrencyTotal",
    "GenerateGroup",
    "InvoiceFilters",
    "adjustment_facts",
    "client_invoices_card",
    "draft_is_stale",
    "entry_facts",
    "generate_preview",
    "get_invoice_for_user",
    "hour_bank_overage_minutes",
    "invoice_detail",
    "invoice_list",
    "LeftOnTable",
    "left_on_table",
    "left_on_table_by_client",
    "plan_rules",
    "priced_purchases",
    "support_months",
    "totals_by_currency",
    "visible_invoices",
]
