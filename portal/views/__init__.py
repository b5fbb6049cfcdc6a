"""Pages of the client portal: the page, its balance poll and the history export."""

from .balance import portal_balance
from .export import portal_history_csv
from .home import portal_home

__all__ = ["portal_home", "portal_balance", "portal_history_csv"]
