from django.urls import path

from . import views

app_name = "insights"

urlpatterns = [
    path("", views.insights_page, name="page"),
    path("export/<slug:table>.csv", views.insights_csv, name="csv"),
]
