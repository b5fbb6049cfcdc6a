"""Reads of the client portal, composed from the selectors of the layers below."""

from .access import NoClientChosen, PortalClient, portal_client_for
from .invoices import PortalInvoice, portal_invoices

__all__ = [
    "NoClientChosen",
    "PortalClient",
    "portal_client_for",
    "PortalInvoice",
    "portal_invoices",
]
