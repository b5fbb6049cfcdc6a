"""An invoice as a PDF (PRODUCT §5.3): the HTML template `billing/pdf/invoice.html` with the
print stylesheet `static/css/invoice-print.css`, rendered by WeasyPrint. Pure rendering: storing
the document and its state belong to `services.pdfs`."""

import base64
import mimetypes
from functools import lru_cache

from django.contrib.staticfiles import finders
from django.template.loader import render_to_string

from clients.models import FirmSettings

from .models import Invoice, InvoiceStatus

PRINT_STYLESHEET = "css/invoice-print.css"
LOGO_TYPES = {"image/png", "image/jpeg", "image/gif", "image/svg+xml", "image/webp"}


@lru_cache(maxsize=1)
def _stylesheet():
    import weasyprint

    path = finders.find(PRINT_STYLESHEET)
    if path is None:
        raise RuntimeError(f"The invoice print stylesheet {PRINT_STYLESHEET} is missing.")
    return weasyprint.CSS(filename=path)


def _logo_data_uri(firm: FirmSettings) -> str | None:
    """The firm's logo inlined, so WeasyPrint never fetches a URL (media is not public)."""
    if not firm.logo:
        return None
    kind = mimetypes.guess_type(firm.logo.name)[0]
    if kind not in LOGO_TYPES:
        return None
    try:
        with firm.logo.open("rb") as logo:
            data = logo.read()
    except OSError:
        return None  # a missing logo file must not stop an invoice
    return f"data:{kind};base64,{base64.b64encode(data).decode()}"


def invoice_html(invoice: Invoice) -> str:
    firm = FirmSettings.current()
    return render_to_string(
        "billing/pdf/invoice.html",
        {
            "invoice": invoice,
            "client": invoice.client,
            "lines": list(invoice.lines.order_by("position")),
            "firm": firm,
            "logo": _logo_data_uri(firm),
            "is_draft": invoice.status == InvoiceStatus.DRAFT,
        },
    )


def render_invoice_pdf(invoice: Invoice) -> bytes:
    """The invoice's PDF bytes; raises whatever WeasyPrint raises."""
    import weasyprint  # heavy: loaded by the processes that render, not by every request

    document = weasyprint.HTML(string=invoice_html(invoice), base_url=None)
    return document.write_pdf(stylesheets=[_stylesheet()])
