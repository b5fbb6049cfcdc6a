"""The client page's consumption history, a page at a time, with what changed and for whom."""

from dataclasses import dataclass
from datetime import date, datetime

from clients.models import HourPurchase, Task
from core.pagination import PeekPage, peek_page

from ..models import BillingAdjustment, EntryChange

HISTORY_PAGE_SIZE = 20
KIND_WORDS = {
    "created": "Logged",
    "updated": "Edited",
    "deleted": "Deleted",
    "purchase": "Purchase",
    "correction": "Correction",
    "expiry": "Expired",
    "adjustment": "Adjustment",
}


@dataclass(frozen=True)
class HistoryLine:
    at: datetime
    kind: str
    work_date: date | None  # the entry's work date, or the purchase's date
    task: Task | None
    person: str  # whose time it is (entries), or who entered it (purchases)
    minutes_delta: int  # change in consumed minutes; purchases: minutes bought
    duration_delta: int
    description: str
    entry_id: int | None

    @property
    def change(self) -> str:
        return KIND_WORDS.get(self.kind, self.kind.title())


class _MergedHistory:
    """Entry changes, purchases and adjustments, newest first, as one sliceable sequence: a
    slice reads at most its end from each source (three queries per page, plus its tasks)."""

    def __init__(self, client):
        self.client = client
        self.changes = EntryChange.objects.filter(client=client).exclude(minutes_delta=0)
        self.purchases = HourPurchase.objects.filter(client=client).select_related("entered_by")
        self.adjustments = BillingAdjustment.objects.filter(client=client).exclude(minutes=0)

    def __getitem__(self, window: slice):
        end = window.stop
        changes = list(self.changes.order_by("-at", "-id")[:end])
        purchases = list(self.purchases.order_by("-created_at", "-id")[:end])
        adjustments = list(self.adjustments.order_by("-created_at", "-id")[:end])
        task_ids = {change.data.get("task_id") for change in changes} - {None}
        tasks = Task.objects.in_bulk(task_ids) if task_ids else {}
        lines = [_change_line(change, tasks) for change in changes]
        lines += [
            HistoryLine(
                at=purchase.created_at,
                kind=purchase.kind,
                work_date=purchase.date,
                task=None,
                person=purchase.entered_by.get_username() if purchase.entered_by else "",
                minutes_delta=purchase.minutes,
                duration_delta=0,
                description=purchase.note,
                entry_id=None,
            )
            for purchase in purchases
        ]
        lines += [
            HistoryLine(
                at=adjustment.created_at,
                kind="adjustment",
                work_date=None,
                task=None,
                person="",
                minutes_delta=adjustment.minutes,
                duration_delta=0,
                description=adjustment.reason,
                entry_id=adjustment.entry_ref,
            )
            for adjustment in adjustments
        ]
        lines.sort(key=lambda line: line.at, reverse=True)
        return lines[window]


def _change_line(change: EntryChange, tasks) -> HistoryLine:
    data = change.data or {}
    try:
        work_date = date.fromisoformat(data.get("date") or "")
    except ValueError:
        work_date = None
    return HistoryLine(
        at=change.at,
        kind=change.kind,
        work_date=work_date,
        task=tasks.get(data.get("task_id")),
        person=data.get("member") or "",
        minutes_delta=change.minutes_delta,
        duration_delta=change.duration_delta,
        description=change.description or data.get("description") or "",
        entry_id=change.entry_ref,
    )


def history_page(client, page_number) -> PeekPage:
    """One page of the client's history, newest first, found without counting the history
    (core.pagination); a page past the end is empty."""
    return peek_page(_MergedHistory(client), page_number, HISTORY_PAGE_SIZE)
