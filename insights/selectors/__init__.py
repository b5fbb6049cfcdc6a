"""Reads of the insights page: database aggregates over the same stored figures the client
page, the API and invoices use."""

from core.units import entry_value

from .banks import EXPIRY_WINDOW_DAYS, ExpiringBlock, at_risk_clients, expiring_blocks
from .hours import (
    BUCKETS,
    OTHER,
    TOP_CLIENTS,
    UTILIZATION_SORTS,
    HoursChart,
    Trend,
    Utilization,
    hours_consumed,
    trends,
    utilization,
)
from .money import ClientMargin, Margin, client_margins, margins, money_left_on_table
from .scope import BILLABLE_VALUE, COST_VALUE, Scope

__all__ = [
    "BILLABLE_VALUE",
    "BUCKETS",
    "COST_VALUE",
    "EXPIRY_WINDOW_DAYS",
    "OTHER",
    "TOP_CLIENTS",
    "UTILIZATION_SORTS",
    "ClientMargin",
    "ExpiringBlock",
    "HoursChart",
    "Margin",
    "Scope",
    "Trend",
    "Utilization",
    "at_risk_clients",
    "client_margins",
    "entry_value",
    "expiring_blocks",
    "hours_consumed",
    "margins",
    "money_left_on_table",
    "trends",
    "utilization",
]
