import csv

from django.http import StreamingHttpResponse
from django.utils import timezone

from timetracking.forms import DateRangeForm
from timetracking.selectors.bank_activity import change_row, consumption_changes

from .common import portal_view

HEADER = ["recorded_at", "work_date", "change", "description", "who", "hours"]


class _Echo:
    """A file-like that hands back what csv.writer writes, so rows stream one by one."""

    def write(self, value):
        return value


@portal_view
def portal_history_csv(request, portal):
    """The consumption history (the page's filter applies) as CSV, streamed; hours are the
    page's numbers: each change's billable minutes in hours."""
    range_form = DateRangeForm(request.GET if {"date_from", "date_to"} & set(request.GET) else None)
    date_from, date_to = range_form.dates()
    changes = consumption_changes(portal.client, date_from=date_from, date_to=date_to)
    writer = csv.writer(_Echo())

    def rows():
        yield writer.writerow(HEADER)
        for change in changes.iterator(chunk_size=500):
            row = change_row(change)
            yield writer.writerow(
                [
                    timezone.localtime(row.at).strftime("%Y-%m-%d %H:%M"),
                    row.work_date,
                    row.kind,
                    row.description,
                    row.who,
                    f"{row.hours_delta:.2f}",
                ]
            )

    filename = f"{portal.client.code.lower()}-hours-{timezone.localdate():%Y-%m-%d}.csv"
    return StreamingHttpResponse(
        rows(),
        content_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
