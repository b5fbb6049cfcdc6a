"""Writes of billing, each one transaction (lock order: client, invoice, entries)."""

from .drafts import delete_draft, generate_draft, rebuild_draft_lines, refresh_stale_draft
from .errors import IllegalTransition, InvoiceError, InvoiceInvalid
from .lifecycle import (
    ACTIONS,
    approve_invoice,
    next_number,
    pay_invoice,
    send_invoice,
    transition,
    void_invoice,
)

__all__ = [
    "ACTIONS",
    "IllegalTransition",
    "InvoiceError",
    "InvoiceInvalid",
    "approve_invoice",
    "delete_draft",
    "generate_draft",
    "next_number",
    "pay_invoice",
    "rebuild_draft_lines",
    "refresh_stale_draft",
    "send_invoice",
    "transition",
    "void_invoice",
]
