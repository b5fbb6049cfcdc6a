"""Staff pages at the paths of INTERFACES §3.1, plus their htmx fragments and form posts."""

from django.urls import path

from . import views
from .views.ledger import client_ledger

urlpatterns = [
    path("my-work/", views.my_work, name="my-work"),
    path("log-time/", views.log_time, name="log-time"),
    path("log-time/tasks/", views.task_options, name="log-time-tasks"),
    path("log-time/preview/", views.log_time_preview, name="log-time-preview"),
    path("entries/<int:entry_id>/edit/", views.edit_entry, name="entry-edit"),
    path("entries/<int:entry_id>/delete/", views.delete_entry_view, name="entry-delete"),
    path("entries/<int:entry_id>/undo-delete/", views.undo_delete_view, name="entry-undo-delete"),
    path("timer/start/", views.timer_start, name="timer-start"),
    path("timer/stop/", views.timer_stop, name="timer-stop"),
    path("timer/discard/", views.timer_discard, name="timer-discard"),
    path("timesheet/", views.timesheet_view, name="timesheet"),
    path("timesheet/cell/", views.timesheet_cell, name="timesheet-cell"),
    path("timesheet/copy-rows/", views.timesheet_copy_rows, name="timesheet-copy-rows"),
    path("timesheet/add-row/", views.timesheet_add_row, name="timesheet-add-row"),
    path("clients/", views.clients_directory, name="client-directory"),
    path("clients/<int:client_id>/", views.client_detail, name="client-detail"),
    path(
        "clients/<int:client_id>/purchases/", views.client_add_purchase, name="client-add-purchase"
    ),
    path("clients/<int:client_id>/ledger/", client_ledger, name="client-ledger"),
    path(
        "clients/<int:client_id>/reapply-billing-rules/",
        views.client_reapply_billing_rules,
        name="client-reapply-billing-rules",
    ),
    path("projects/<int:project_id>/", views.project_detail, name="project-detail"),
    path("projects/<int:project_id>/status/", views.project_status, name="project-status"),
    path("tasks/<int:task_id>/", views.task_detail, name="task-detail"),
]
