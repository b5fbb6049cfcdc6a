from django.urls import path

from . import views

urlpatterns = [
    path("", views.status, name="sync-status"),
    path("run/", views.sync_now, name="sync-now"),
    path("triage/<str:issue_id>/map/", views.map_issue, name="sync-map-issue"),
]
