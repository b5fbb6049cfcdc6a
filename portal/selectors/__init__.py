"""Reads of the client portal, composed from the selectors of the layers below."""

from .access import PortalClient, portal_client_for
from .invoices import PortalInvoice, portal_invoices

__all__ = ["PortalClient", "portal_client_for", "PortalInvoice", "portal_invoices"]
