"""Pages of long newest-first lists (a client's history) found without counting the list.

A big client's history holds a hundred thousand changes; `Paginator` counts them all on every
page view to print "Page 1 of 5,512" (a third of the portal's time at 500k entries), though
people page such a list by "Newer" and "Older". A `PeekPage` reads one row more than it shows
instead, which tells whether an older page exists."""

from dataclasses import dataclass, field


@dataclass(frozen=True)
class PeekPage:
    """Enough of Django's `Page` for the pager partial: no `paginator`, so no total."""

    number: int
    object_list: list = field(repr=False)
    more: bool  # an older page exists
    paginator: None = None

    def __iter__(self):
        return iter(self.object_list)

    def __len__(self):
        return len(self.object_list)

    def has_previous(self) -> bool:
        return self.number > 1

    def has_next(self) -> bool:
        return self.more

    def has_other_pages(self) -> bool:
        return self.has_previous() or self.has_next()

    def previous_page_number(self) -> int:
        return self.number - 1

    def next_page_number(self) -> int:
        return self.number + 1


def peek_page(rows, number, per_page: int) -> PeekPage:
    """Page `number` (1 when missing or not a positive whole number) of `rows`, anything
    sliceable newest first. Past the end it is empty, with a way back to newer pages."""
    number = int(number) if str(number or "").isdigit() and int(number) > 0 else 1
    start = (number - 1) * per_page
    window = list(rows[start : start + per_page + 1])
    return PeekPage(number=number, object_list=window[:per_page], more=len(window) > per_page)
