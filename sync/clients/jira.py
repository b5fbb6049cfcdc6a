"""The Jira Cloud REST v3 client: basic auth, paging of the worklog feeds, bulk worklog and
issue reads, on the shared failure policy of `sync.clients.base` (429 waits for Retry-After;
5xx and timeouts retry with a bounded backoff; 401/403 stop). Everything else in Hourbank talks to it
through `sync.services`."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field

from .base import (
    RetryingClient,
    SourceAuthError,
    SourceError,
    SourceNotFound,
    SourceUnavailable,
)

logger = logging.getLogger(__name__)

MAX_IDS_PER_WORKLOG_LIST = 1000  # the documented cap of POST /worklog/list
MAX_IDS_PER_SEARCH = 100
ISSUE_FIELDS = ["summary", "issuetype", "priority", "project", "labels"]


class JiraError(SourceError):
    """A Jira call failed in a way a retry will not fix (bad request, unexpected answer)."""


class JiraAuthError(JiraError, SourceAuthError):
    """401/403: the credentials are wrong or lack a permission; the run stops."""


class JiraUnavailable(JiraError, SourceUnavailable):
    """5xx, timeouts or rate limiting that outlasted the bounded retries; the cursor is kept."""


class JiraNotFound(JiraError, SourceNotFound):
    """404: missing or not visible to the sync account (Jira does not say which)."""


@dataclass(frozen=True)
class ChangedWorklog:
    worklog_id: str
    updated_time: int  # epoch ms (deletion time in the deleted feed)


@dataclass(frozen=True)
class MalformedFeedItem:
    """A feed item without a numeric `worklogId` or `updatedTime`: quarantined by the sync, the
    rest of the page goes on (PRODUCT §3.5)."""

    item: object  # exactly as Jira sent it
    error: str

    @property
    def worklog_id(self) -> str:
        """The id as sent when it is a plain value (quarantine rows are keyed on it), else ""."""
        value = self.item.get("worklogId") if isinstance(self.item, dict) else None
        return str(value)[:64] if isinstance(value, int | str) else ""


@dataclass(frozen=True)
class ChangedPage:
    values: list[ChangedWorklog]
    since: int
    until: int | None
    last_page: bool
    malformed: list[MalformedFeedItem] = field(default_factory=list)

    @property
    def has_items(self) -> bool:
        """Whether Jira returned anything (a page of only malformed items still moves the cursor)."""
        return bool(self.values or self.malformed)


class JiraClient(RetryingClient):
    service = "Jira"
    error_class = JiraError
    auth_error_class = JiraAuthError
    unavailable_class = JiraUnavailable
    not_found_class = JiraNotFound

    def __init__(
        self,
        base_url: str,
        email: str,
        api_token: str,
        *,
        max_retries: int = 4,
        backoff_seconds: float = 1.0,
        **transport,
    ):
        """`transport`: the options of `RetryingClient` (timeout, sleep, session, …)."""
        if not base_url:
            raise JiraError(
                "JIRA_BASE_URL is not set, e.g. JIRA_BASE_URL=https://yourfirm.atlassian.net"
            )
        super().__init__(**transport)
        # The base may carry a path (https://api.atlassian.com/ex/jira/<cloudId>); keep it.
        self.base_url = base_url.rstrip("/")
        self.max_retries = max_retries
        self.backoff_seconds = backoff_seconds
        self.session.auth = (email, api_token)
        self.session.headers.update({"Accept": "application/json"})

    # --- transport ----------------------------------------------------------------------

    def _url(self, path: str) -> str:
        return f"{self.base_url}/rest/api/3/{path.lstrip('/')}"

    def _request(self, method: str, path: str, **kwargs):
        return self._send(method, self._url(path), f"{method} {path}", **kwargs)

    def _rate_limit_pause(self, waits: int) -> float:
        return self.backoff_seconds * 2 ** (waits - 1)

    def _failure_pause(self, failures: int) -> float | None:
        if failures > self.max_retries:
            return None
        return self.backoff_seconds * 2 ** (failures - 1)

    def _error_text(self, response) -> str:
        try:
            body = response.json()
        except ValueError:
            return response.text[:300]
        if isinstance(body, dict):
            messages = list(body.get("errorMessages") or [])
            messages += [f"{k}: {v}" for k, v in (body.get("errors") or {}).items()]
            if messages:
                return "; ".join(str(m) for m in messages)[:300]
        return str(body)[:300]

    def _refusal(self, status: int, what: str, response) -> JiraError | None:
        if status in (401, 403):
            return JiraAuthError(
                f"Jira refused the credentials (HTTP {status}) on {what}: {self._error_text(response).rstrip('.')}. "
                "Check JIRA_EMAIL and JIRA_API_TOKEN (and that JIRA_BASE_URL matches the token type)."
            )
        return None

    # --- worklog feeds ------------------------------------------------------------------

    def changed_worklogs(self, feed: str, since: int) -> ChangedPage:
        """One page of `worklog/updated` or `worklog/deleted` with `since` (inclusive, ms)."""
        if feed not in ("updated", "deleted"):
            raise ValueError(f"feed must be 'updated' or 'deleted', not {feed!r}")
        body = self._request("GET", f"worklog/{feed}", params={"since": int(since)})
        if not isinstance(body, dict) or not isinstance(body.get("values"), list):
            raise JiraError(f"worklog/{feed} answered without a 'values' list: {str(body)[:200]}")
        values, malformed = [], []
        for item in body["values"]:
            try:
                # The feed gives worklogId as a number, Worklog.id is a string: normalise to str.
                values.append(ChangedWorklog(str(int(item["worklogId"])), int(item["updatedTime"])))
            except (KeyError, TypeError, ValueError) as error:
                # One garbled item must not stop the feed: the sync quarantines it and goes on.
                malformed.append(
                    MalformedFeedItem(
                        item,
                        f"worklog/{feed} returned an item without a numeric worklogId and updatedTime "
                        f'({error.__class__.__name__}: {error}); expected e.g. {{"worklogId": 31001, '
                        f'"updatedTime": 1741600000000}}.',
                    )
                )
        until = body.get("until")
        return ChangedPage(
            values=values,
            since=int(body.get("since") or since),
            until=int(until) if until is not None else None,
            # Stop on lastPage, never on the absence of nextPage (Jira's own sample has both).
            last_page=bool(body.get("lastPage", True)),
            malformed=malformed,
        )

    def worklogs(self, ids: Iterable[str]) -> list[dict]:
        """`POST worklog/list` in batches of at most 1000; hidden or missing ids are left out."""
        unique_ids = sorted({int(i) for i in ids})
        result = []
        for start in range(0, len(unique_ids), MAX_IDS_PER_WORKLOG_LIST):
            batch = unique_ids[start : start + MAX_IDS_PER_WORKLOG_LIST]
            body = self._request("POST", "worklog/list", json={"ids": batch})
            if not isinstance(body, list):
                raise JiraError(
                    f"worklog/list answered with {type(body).__name__}, expected a list"
                )
            result.extend(body)
        return result

    def worklog(self, issue_id: str, worklog_id: str) -> dict | None:
        """One worklog (for webhooks); None when it is gone or hidden."""
        try:
            return self._request("GET", f"issue/{issue_id}/worklog/{worklog_id}")
        except JiraNotFound:
            return None

    # --- issues and users ---------------------------------------------------------------

    def issues(self, issue_ids: Iterable[str]) -> list[dict]:
        """Issue metadata through the enhanced search (`id in (...)`), following nextPageToken."""
        ids = sorted({str(i) for i in issue_ids if str(i).isdigit()}, key=int)
        found = []
        for start in range(0, len(ids), MAX_IDS_PER_SEARCH):
            batch = ids[start : start + MAX_IDS_PER_SEARCH]
            try:
                found.extend(self._search_ids(batch))
            except (JiraAuthError, JiraUnavailable):
                raise
            except JiraError as error:
                # JQL validation refuses the whole `id in (…)` when one issue is gone or hidden;
                # the issue endpoint answers for each (404 → left out).
                logger.info(
                    "search/jql refused %d ids (%s); reading them one by one", len(batch), error
                )
                found.extend(issue for issue_id in batch if (issue := self.issue(issue_id)))
        return found

    def _search_ids(self, ids: list[str]) -> list[dict]:
        payload = {
            "jql": f"id in ({','.join(ids)})",
            "fields": ISSUE_FIELDS,
            "maxResults": MAX_IDS_PER_SEARCH,
        }
        found, seen_tokens = [], set()
        while True:
            body = self._request("POST", "search/jql", json=payload)
            issues = body.get("issues") or []
            found.extend(issues)
            token = body.get("nextPageToken")
            # Guard against a token loop: stop on an empty page or a token seen before.
            if not token or not issues or token in seen_tokens:
                return found
            seen_tokens.add(token)
            payload = {**payload, "nextPageToken": token}

    def issue(self, issue_id_or_key: str) -> dict | None:
        try:
            return self._request(
                "GET", f"issue/{issue_id_or_key}", params={"fields": ",".join(ISSUE_FIELDS)}
            )
        except JiraNotFound:
            return None

    def user(self, account_id: str) -> dict | None:
        try:
            return self._request("GET", "user", params={"accountId": account_id})
        except JiraNotFound:
            return None
