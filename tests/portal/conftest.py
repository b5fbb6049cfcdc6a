"""Portal fixtures: a real SMTP server on 127.0.0.1 (aiosmtpd) that Django's SMTP backend, as
`EMAIL_URL=smtp://127.0.0.1:<port>` configures it, delivers to; and the sync fixtures."""

import socket
from email import message_from_bytes, policy

import environ
import pytest
from aiosmtpd.controller import Controller
from django.utils import timezone

from tests.sync.conftest import fake_jira, jira_firm, jira_settings  # noqa: F401 - fixtures
from timetracking.services import create_entry


class Inbox:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        message = message_from_bytes(envelope.content, policy=policy.default)
        self.messages.append((list(envelope.rcpt_tos), message))
        return "250 Message accepted for delivery"

    def subjects(self):
        return [message["Subject"] for _, message in self.messages]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def smtp_inbox(settings):
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    email = environ.Env.email_url_config(f"smtp://127.0.0.1:{controller.port}")
    for name, value in email.items():
        setattr(settings, name, value)
    yield inbox
    controller.stop()


def log(member, task, minutes, *, on=None, description="Worked on it"):
    """One manual entry through the write service (so history rows and alert checks happen)."""
    return create_entry(
        task=task,
        member=member,
        on_date=on or timezone.localdate(),
        duration_minutes=minutes,
        description=description,
        by=member.user,
    )
