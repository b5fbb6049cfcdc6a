"""Outgoing email: one path for every notice, rendered from `templates/email/<template>.txt`
and `.html` (a plain-text body with an HTML alternative), sent through Django's email backend."""

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string


def send_mail_message(to, subject: str, template: str, context: dict) -> int:
    """Send one message to `to` (an address or a list); returns how many were sent (0 or 1)."""
    recipients = [to] if isinstance(to, str) else [address for address in to if address]
    if not recipients:
        return 0
    text = render_to_string(f"email/{template}.txt", context)
    html = render_to_string(f"email/{template}.html", context)
    message = EmailMultiAlternatives(
        subject=subject, body=text, from_email=settings.DEFAULT_FROM_EMAIL, to=recipients
    )
    message.attach_alternative(html, "text/html")
    return message.send()
