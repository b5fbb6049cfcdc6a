"""Outgoing email: one path for every notice the app sends (alerts, expiry notices).

Messages go through the backend configured by `EMAIL_URL` with a text and an HTML part, both
rendered from `templates/email/<template>.txt` and `.html`."""

from collections.abc import Iterable

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string


def send_mail_message(to: Iterable[str], subject: str, template: str, context: dict) -> int:
    """Send one message to every address in `to` (deduplicated, blanks dropped); returns how many
    messages were sent (0 when nobody is left to send to)."""
    recipients = list(
        dict.fromkeys(address.strip() for address in to if address and address.strip())
    )
    if not recipients:
        return 0
    text = render_to_string(f"email/{template}.txt", context)
    html = render_to_string(f"email/{template}.html", context)
    message = EmailMultiAlternatives(
        subject=subject.replace("\n", " ").strip(),
        body=text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=recipients,
    )
    message.attach_alternative(html, "text/html")
    return message.send()
