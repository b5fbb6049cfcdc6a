from django.urls import path

from . import pdf_views, views

app_name = "billing"

urlpatterns = [
    path("invoices/", views.invoices, name="invoices"),
    path("invoices/generate/", views.generate, name="generate"),
    path("invoices/<int:invoice_id>/", views.invoice, name="invoice"),
    path("invoices/<int:invoice_id>/pdf/", pdf_views.invoice_pdf, name="invoice-pdf"),
    path(
        "invoices/<int:invoice_id>/pdf/status/",
        pdf_views.invoice_pdf_status,
        name="invoice-pdf-status",
    ),
    path(
        "invoices/<int:invoice_id>/pdf/render/",
        pdf_views.invoice_pdf_render,
        name="invoice-pdf-render",
    ),
    path("invoices/<int:invoice_id>/<str:action>/", views.invoice_action, name="invoice-action"),
    path(
        "clients/<int:client_id>/invoices-card",
        views.client_invoices,
        name="client-invoices-card",
    ),
]
