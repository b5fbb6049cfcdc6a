"""Outgoing email: one path for every notice the app sends (alerts, expiry notices).

Messages go through the backend configured by `EMAIL_URL` with a text and an HTML part, both
rendered from `templates/email/<template>.txt` and `.html`."""

import sys
from collections.abc import Iterable

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.template.loader import render_to_string

CONSOLE_BACKEND = "django.core.mail.backends.console.EmailBackend"


def send_mail_message(to: str | Iterable[str], subject: str, template: str, context: dict) -> int:
    """Send one message to every address in `to` (deduplicated, blanks dropped); returns how many
    messages were sent (0 when nobody is left to send to)."""
    if isinstance(to, str):
        to = [to]
    recipients = list(
        dict.fromkeys(address.strip() for address in to if address and address.strip())
    )
    if not recipients:
        return 0
    text = render_to_string(f"email/{template}.txt", context)
    html = render_to_string(f"email/{template}.html", context)
    # Console mail (the default EMAIL_URL) goes to stderr: commands' stdout is their --json answer.
    options = {"stream": sys.stderr} if settings.EMAIL_BACKEND == CONSOLE_BACKEND else {}
    message = EmailMultiAlternatives(
        subject=subject.replace("\n", " ").strip(),
        body=text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=recipients,
        connection=get_connection(**options),
    )
    message.attach_alternative(html, "text/html")
    return message.send()
