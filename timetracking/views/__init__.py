"""Staff pages (PRODUCT §2.2–§2.5, §4, §8): My Work, the log-time dialog, the timer, the weekly
timesheet, the client directory, and the client, project and task pages.

Views stay thin: reads come from `selectors`, writes from `services`. A page and its htmx
fragments are one template; an htmx request that targets a fragment's element (by id) gets just
that fragment. Client users and outsiders get a 404 from every view here."""

from .clients import (
    client_add_purchase,
    client_detail,
    client_reapply_billing_rules,
    clients_directory,
)
from .log_time import (
    delete_entry_view,
    edit_entry,
    log_time,
    log_time_preview,
    task_options,
    undo_delete_view,
)
from .my_work import my_work
from .projects import project_detail, project_status, task_detail
from .staff import NO_MEMBER, staff_view
from .timer import timer_discard, timer_start, timer_stop
from .timesheet import timesheet_add_row, timesheet_cell, timesheet_copy_rows, timesheet_view

__all__ = [
    "NO_MEMBER",
    "staff_view",
    "my_work",
    "log_time",
    "task_options",
    "log_time_preview",
    "edit_entry",
    "delete_entry_view",
    "undo_delete_view",
    "timer_start",
    "timer_stop",
    "timer_discard",
    "timesheet_view",
    "timesheet_cell",
    "timesheet_copy_rows",
    "timesheet_add_row",
    "clients_directory",
    "client_reapply_billing_rules",
    "client_detail",
    "client_add_purchase",
    "project_detail",
    "project_status",
    "task_detail",
]
