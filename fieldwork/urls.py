"""Pages at `/field/` (INTERFACES §3.1) and their htmx fragments and form posts."""

from django.urls import path

from . import views

app_name = "fieldwork"

urlpatterns = [
    path("", views.field_page, name="page"),
    path("activities/new/", views.activity_new, name="activity-new"),
    path("activities/<int:activity_id>/edit/", views.activity_edit, name="activity-edit"),
    path("activities/<int:activity_id>/delete/", views.activity_delete, name="activity-delete"),
    path("allocate-travel/", views.allocate, {"kind": "travel"}, name="allocate-travel"),
    path("allocate-breaks/", views.allocate, {"kind": "breaks"}, name="allocate-breaks"),
    path("rounding/", views.rounding_save, name="rounding"),
    path("rounding/preview/", views.rounding_preview, name="rounding-preview"),
    path("rounding/apply/", views.rounding_apply, name="rounding-apply"),
    path("import/", views.import_activities, name="import"),
]
