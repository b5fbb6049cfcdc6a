"""Billing's refusals. The API maps them in one place (config/api.py), pages show `message`."""


class InvoiceError(Exception):
    status = 400

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


class InvoiceInvalid(InvoiceError):
    """Bad input or settings: 400 naming the field."""


class IllegalTransition(InvoiceError):
    """Approve twice, pay a draft, void a paid invoice…: 409."""

    status = 409
