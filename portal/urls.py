from django.urls import path

from . import views

urlpatterns = [
    path("", views.portal_home, name="portal"),
    path("balance/", views.portal_balance, name="portal-balance"),
    path("history.csv", views.portal_history_csv, name="portal-history-csv"),
]
