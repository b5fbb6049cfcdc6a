from django.urls import path

from . import views

app_name = "billing"

urlpatterns = [
    path("invoices/", views.invoices, name="invoices"),
    path("invoices/generate/", views.generate, name="generate"),
    path("invoices/<int:invoice_id>/", views.invoice, name="invoice"),
    path("invoices/<int:invoice_id>/<str:action>/", views.invoice_action, name="invoice-action"),
    path(
        "clients/<int:client_id>/invoices-card",
        views.client_invoices,
        name="client-invoices-card",
    ),
]
