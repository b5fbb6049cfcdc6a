"""Jira's worklog webhook (INTERFACES §3, PRODUCT §3.3): signature, body, dedupe, enqueue.

Everything a request can get wrong is found before the database is touched: an unusable
signature is `verify_jira_signature` → False (401); a signed body Hourbank cannot use is a
`WebhookRejected` from `read_jira_webhook` (400). Only then does `accept_jira_webhook` record the
delivery and enqueue the fetch (or delete) after commit."""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from dataclasses import dataclass
from datetime import date

from django.conf import settings
from django.db import transaction
from pydantic import BaseModel, ConfigDict, StrictInt, StrictStr, ValidationError

from . import tasks
from .enqueue import BrokerUnavailable, publish
from .feeds.jira import parse_jira_datetime
from .models import WebhookDelivery, WorklogSource
from .worklog import MalformedWorklog

WORKLOG_EVENTS = ("worklog_created", "worklog_updated", "worklog_deleted")
EXAMPLE_BODY = (
    '{"webhookEvent": "worklog_created", "worklog": {"id": "31003", "issueId": "10001", '
    '"started": "2025-03-10T09:00:00.000+0100"}}'
)
# Jira's worklog events are a few levels deep; anything this deep is not one of them.
MAX_DEPTH = 64
_SIGNATURE = re.compile(r"sha256=([0-9a-f]{64})", re.ASCII)
_UNION_BRANCHES = {"str", "int"}  # pydantic names the union member tried in an error's loc
_NUMERIC_ID = re.compile(r"[0-9]{1,30}", re.ASCII)
# Text PostgreSQL cannot store: NUL, and lone UTF-16 surrogates (which `\ud800` escapes decode to).
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def verify_jira_signature(secret: str, body: bytes, header: str | None) -> bool:
    """`X-Hub-Signature: sha256=<hex HMAC-SHA256 of the raw body>`, compared in constant time.
    No secret configured means nothing is trusted; any other header shape is simply not valid."""
    if not secret or not header:
        return False
    match = _SIGNATURE.fullmatch(header.strip().lower())
    if match is None:
        return False
    expected = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, match.group(1))


class WebhookRejected(ValueError):
    """A signed body that is not a worklog event Hourbank can act on (400). `errors` maps the
    offending field to its messages, when one field is to blame."""

    def __init__(self, detail: str, errors: dict[str, list[str]] | None = None):
        super().__init__(detail)
        self.errors = errors or {}


class WebhookNotQueued(BrokerUnavailable):
    """The broker refused the job (503): the delivery is forgotten so Jira's retry counts."""


class JiraWebhookWorklog(BaseModel):
    """The worklog of an event; Jira sends more fields, only these are read."""

    model_config = ConfigDict(extra="allow")

    id: StrictStr | StrictInt | None = None
    issueId: StrictStr | StrictInt | None = None  # noqa: N815 - Jira's field name
    started: StrictStr | None = None


class JiraWebhookBody(BaseModel):
    """An admin webhook body; Jira sends more fields (timestamp, user, issue…), only these are read."""

    model_config = ConfigDict(extra="allow")

    webhookEvent: StrictStr  # noqa: N815 - Jira's field name
    worklog: JiraWebhookWorklog | None = None


@dataclass(frozen=True)
class JiraWebhookEvent:
    """What a usable body asks for."""

    kind: str
    worklog_id: str  # numeric for worklog events; "" when another event names none
    issue_id: str
    started: date | None  # the worklog's day, when Tempo owns the entries and it is not a delete

    @property
    def is_worklog_event(self) -> bool:
        return self.kind in WORKLOG_EVENTS


def _check_shape(value) -> None:
    """Refuse what PostgreSQL or Python cannot hold, walking without recursion."""
    stack = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise WebhookRejected(
                f"The body is nested deeper than {MAX_DEPTH} levels; Jira sends e.g. {EXAMPLE_BODY}."
            )
        if isinstance(node, str):
            if _UNSTORABLE.search(node):
                raise WebhookRejected(
                    "The body holds a NUL character or a lone surrogate (\\u0000, \\ud800), which no "
                    f"Jira event contains; Jira sends e.g. {EXAMPLE_BODY}."
                )
        elif isinstance(node, dict):
            stack.extend((key, depth) for key in node)
            stack.extend((child, depth + 1) for child in node.values())
        elif isinstance(node, list):
            stack.extend((child, depth + 1) for child in node)


def _field_error(path: str, message: str) -> WebhookRejected:
    return WebhookRejected(
        f"{path}: {message}; Jira sends e.g. {EXAMPLE_BODY}.", errors={path: [message]}
    )


def read_jira_webhook(body: bytes, worklog_source: str) -> JiraWebhookEvent:
    """The event a signed body asks for, or WebhookRejected naming what is wrong. Touches no
    database: `worklog_source` says whether a worklog's start date is needed (Tempo)."""
    try:
        data = json.loads(body)
    except RecursionError:
        raise WebhookRejected(
            f"The body is nested too deep to read; Jira sends e.g. {EXAMPLE_BODY}."
        ) from None
    except ValueError as error:  # also UnicodeDecodeError: not UTF-8
        raise WebhookRejected(
            f"The body is not JSON ({error}); Jira sends e.g. {EXAMPLE_BODY}."
        ) from None
    if not isinstance(data, dict):
        raise WebhookRejected(
            f"The body must be a JSON object with 'webhookEvent' and 'worklog'; Jira sends e.g. {EXAMPLE_BODY}."
        )
    _check_shape(data)
    try:
        parsed = JiraWebhookBody.model_validate(data)
    except ValidationError as error:
        first = error.errors()[0]
        path = ".".join(str(part) for part in first["loc"] if part not in _UNION_BRANCHES)
        raise _field_error(path or "body", first["msg"]) from None
    kind = parsed.webhookEvent
    worklog = parsed.worklog
    worklog_id = "" if worklog is None or worklog.id is None else str(worklog.id)
    issue_id = "" if worklog is None or worklog.issueId is None else str(worklog.issueId)
    if kind not in WORKLOG_EVENTS:
        return JiraWebhookEvent(
            kind, worklog_id if _NUMERIC_ID.fullmatch(worklog_id) else "", "", None
        )
    if not _NUMERIC_ID.fullmatch(worklog_id) or (
        kind != "worklog_deleted" and not _NUMERIC_ID.fullmatch(issue_id)
    ):
        raise _field_error(
            "worklog.id" if not _NUMERIC_ID.fullmatch(worklog_id) else "worklog.issueId",
            f'a {kind} event needs worklog.id and worklog.issueId (numeric strings such as "31003")',
        )
    started = None
    if worklog_source == WorklogSource.TEMPO and kind != "worklog_deleted":
        try:
            started = parse_jira_datetime(worklog.started, "worklog.started").date()
        except MalformedWorklog as error:
            raise _field_error(
                "worklog.started",
                f"worklogs come from Tempo here, so a {kind} event needs the worklog's start: {error}",
            ) from None
    return JiraWebhookEvent(kind, worklog_id, issue_id, started)


def delivery_identifier(header: str | None, body: bytes) -> str:
    """Jira's `X-Atlassian-Webhook-Identifier`, or the body's hash when there is none.
    WebhookRejected for one that cannot be stored."""
    identifier = (header or "").strip()
    if _UNSTORABLE.search(identifier) or not identifier.isprintable():
        raise _field_error(
            "X-Atlassian-Webhook-Identifier", "must be printable text, e.g. 7a3f…-delivery-1"
        )
    return identifier[:200] or "sha256:" + hashlib.sha256(body).hexdigest()


def _publish_or_forget(event: JiraWebhookEvent, identifier: str) -> None:
    def forget():
        # Jira's retry of the same identifier must not be taken for a duplicate.
        WebhookDelivery.objects.filter(identifier=identifier).delete()

    try:
        publish(_send(event), on_failure=forget)
    except BrokerUnavailable as error:
        raise WebhookNotQueued(f"{error} Jira will retry the delivery.") from error


def _send(event: JiraWebhookEvent):
    """The job an event asks for, as a `.delay` call."""
    if settings.WORKLOG_SOURCE == WorklogSource.TEMPO:
        # Tempo owns the entries (PRODUCT §3.1): fetch that issue's Tempo worklogs around the
        # worklog's day, or delete the entry that carries this Jira worklog id.
        if event.kind == "worklog_deleted":
            return lambda: tasks.delete_tempo_worklog.delay(event.worklog_id)
        return lambda: tasks.fetch_tempo_worklogs.delay(event.issue_id, event.started.isoformat())
    if event.kind == "worklog_deleted":
        return lambda: tasks.delete_jira_worklog.delay(event.worklog_id)
    return lambda: tasks.fetch_jira_worklog.delay(event.issue_id, event.worklog_id)


@transaction.atomic
def accept_jira_webhook(event: JiraWebhookEvent, identifier: str) -> str:
    """Record the delivery and enqueue the fetch (or delete) after commit. Returns what was
    done: "queued", "duplicate" (a repeated delivery) or "ignored" (another event). Raises
    WebhookNotQueued when the broker refuses the job."""
    _, created = WebhookDelivery.objects.get_or_create(
        identifier=identifier, defaults={"event": event.kind[:64], "worklog_id": event.worklog_id}
    )
    if not created:
        return "duplicate"
    if not event.is_worklog_event:
        return "ignored"

    transaction.on_commit(lambda: _publish_or_forget(event, identifier))
    return "queued"
