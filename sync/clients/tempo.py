"""The Tempo Cloud REST v4 client: bearer auth, `GET /4/worklogs` paged through `metadata.next`,
the tempo-to-jira / jira-to-tempo id mappings, client-side pacing (~5 requests/second, Tempo's
gateway limit) and Tempo's failure policy (PRODUCT §3.5): 429 waits for `Retry-After`, or
1 s then 5/10/15 s without it; 5xx and timeouts retry after 5/10/15 s; 401/403 and the
worklog list's 404 ("missing permission") stop. Everything else talks to it through the sync
services (`sync.tempo`)."""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from urllib.parse import urlparse

from .base import RetryingClient, SourceAuthError, SourceError, SourceUnavailable

WORKLOGS_PATH = "/4/worklogs"
MAX_PAGE_SIZE = 5000  # Tempo's documented maximum `limit` for v4
MAX_IDS_PER_MAPPING = 500  # ids per mapping call: keeps bodies and pages small


class TempoError(SourceError):
    """A Tempo call failed in a way a retry will not fix (bad request, unexpected answer)."""


class TempoAuthError(TempoError, SourceAuthError):
    """401/403, or 404 on the worklog list ("missing permission"): the run stops."""


class TempoUnavailable(TempoError, SourceUnavailable):
    """5xx, timeouts or rate limiting that outlasted the bounded retries."""


@dataclass(frozen=True)
class WorklogPage:
    offset: int
    results: list[dict]
    has_next: bool


def tempo_timestamp(moment: datetime) -> str:
    """`updatedFrom` as Tempo documents it: a UTC date-time such as 2023-11-06T16:48:59Z."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class TempoClient(RetryingClient):
    service = "Tempo"
    error_class = TempoError
    auth_error_class = TempoAuthError
    unavailable_class = TempoUnavailable
    not_found_class = TempoError

    def __init__(
        self,
        base_url: str,
        api_token: str,
        *,
        # Tempo's maximum: the gateway allows ~5 requests a second, so a reconcile of 30,000
        # worklogs (read twice: window and updates) took 12 s of pacing alone at 1,000 a page.
        page_size: int = MAX_PAGE_SIZE,
        rate_limit_pauses: Sequence[float] = (1.0, 5.0, 10.0, 15.0),
        failure_pauses: Sequence[float] = (5.0, 10.0, 15.0),
        requests_per_second: float | None = 5.0,
        **transport,
    ):
        """`transport`: the options of `RetryingClient` (timeout, sleep, clock, session, …)."""
        if not base_url:
            raise TempoError("TEMPO_BASE_URL is empty, e.g. TEMPO_BASE_URL=https://api.tempo.io")
        if not api_token:
            raise TempoError("TEMPO_API_TOKEN is not set (Tempo → Settings → API integration).")
        if not 1 <= page_size <= MAX_PAGE_SIZE:
            raise ValueError(f"page_size must be 1..{MAX_PAGE_SIZE}, e.g. 1000; got {page_size}")
        super().__init__(requests_per_second=requests_per_second, **transport)
        self.base_url = base_url.rstrip("/")
        self.page_size = page_size
        self.rate_limit_pauses = tuple(rate_limit_pauses)
        self.failure_pauses = tuple(failure_pauses)
        self.session.headers.update(
            {"Authorization": f"Bearer {api_token}", "Accept": "application/json"}
        )

    # --- policy -------------------------------------------------------------------------

    def _rate_limit_pause(self, waits: int) -> float | None:
        return self.rate_limit_pauses[waits - 1] if waits <= len(self.rate_limit_pauses) else None

    def _failure_pause(self, failures: int) -> float | None:
        return self.failure_pauses[failures - 1] if failures <= len(self.failure_pauses) else None

    def _error_text(self, response) -> str:
        try:
            body = response.json()
        except ValueError:
            # 401/403 come as text/html: keep the words, not the markup.
            text = html.unescape(re.sub(r"<[^>]+>", " ", response.text))
            return " ".join(text.split())[:300] or f"HTTP {response.status_code}"
        errors = body.get("errors") if isinstance(body, dict) else None
        if isinstance(errors, dict) and errors.get("message"):
            return str(errors["message"])[:300]
        return str(body)[:300]

    def _refusal(self, status: int, what: str, response) -> TempoError | None:
        hint = (
            "Check TEMPO_API_TOKEN, and that TEMPO_BASE_URL is your tenant's region "
            "(https://api.tempo.io, https://api.eu.tempo.io or https://api.us.tempo.io)."
        )
        if status in (401, 403):
            return TempoAuthError(
                f"Tempo refused the token (HTTP {status}) on {what}: {self._error_text(response)}. {hint}"
            )
        if status == 404 and what.startswith(f"GET {WORKLOGS_PATH}"):
            # On the worklog list Tempo answers 404 for a token without the permission.
            return TempoAuthError(
                f"Tempo answered 404 (missing permission) on {what}: {self._error_text(response)}. {hint}"
            )
        return None

    # --- transport ----------------------------------------------------------------------

    def _checked_next(self, next_url: str, seen: set[str]) -> str:
        """Follow `metadata.next` only on Tempo's own host (the bearer token goes with it) and
        never twice (a server that repeats a link would loop for ever)."""
        base, target = urlparse(self.base_url), urlparse(next_url)
        if (target.scheme, target.netloc) != (base.scheme, base.netloc):
            raise TempoError(
                f"Tempo's next-page link {next_url!r} leaves {self.base_url}; refusing to send the token there."
            )
        if next_url in seen:
            raise TempoError(
                f"Tempo returned the same next-page link twice ({next_url}); stopped instead of looping."
            )
        seen.add(next_url)
        return next_url

    def _paged(self, method: str, path: str, *, params, json=None) -> Iterator[tuple[int, dict]]:
        """Yield (offset, page body) of an offset/limit listing, following `metadata.next`."""
        url = f"{self.base_url}{path}"
        seen: set[str] = set()
        kwargs = {"params": params}
        while True:
            body = self._send(method, url, f"{method} {urlparse(url).path}", json=json, **kwargs)
            if not isinstance(body, dict) or not isinstance(body.get("results"), list):
                raise TempoError(
                    f"{method} {path} answered without a 'results' list: {str(body)[:200]}"
                )
            metadata = body.get("metadata") if isinstance(body.get("metadata"), dict) else {}
            next_url = metadata.get("next")
            yield int(metadata.get("offset") or 0), body
            if not next_url:
                return
            url, kwargs = self._checked_next(str(next_url), seen), {}

    # --- worklogs -----------------------------------------------------------------------

    def worklog_pages(
        self,
        *,
        date_from: date | None = None,
        date_to: date | None = None,
        updated_from: datetime | None = None,
        issue_ids: Iterable[str] = (),
    ) -> Iterator[WorklogPage]:
        """`GET /4/worklogs` page by page: a date window (`from`/`to`, inclusive, on the local
        start date), and/or `updatedFrom`, and/or issues (repeated `issueId`)."""
        params: list[tuple[str, str]] = [("offset", "0"), ("limit", str(self.page_size))]
        if date_from is not None:
            params.append(("from", date_from.isoformat()))
        if date_to is not None:
            params.append(("to", date_to.isoformat()))
        if updated_from is not None:
            params.append(("updatedFrom", tempo_timestamp(updated_from)))
        params += [("issueId", str(int(issue_id))) for issue_id in issue_ids]
        for offset, body in self._paged("GET", WORKLOGS_PATH, params=params):
            metadata = body.get("metadata") or {}
            yield WorklogPage(offset, body["results"], has_next=bool(metadata.get("next")))

    def tempo_to_jira(self, tempo_worklog_ids: Iterable[str]) -> dict[str, str]:
        """Jira worklog id of each Tempo worklog Tempo can map yet (the others are left out)."""
        pairs = self._mapping("tempo-to-jira", "tempoWorklogIds", tempo_worklog_ids)
        return {tempo: jira for tempo, jira in pairs}

    def jira_to_tempo(self, jira_worklog_ids: Iterable[str]) -> dict[str, str]:
        """Tempo worklog id of each Jira worklog Tempo knows (the others are left out)."""
        pairs = self._mapping("jira-to-tempo", "jiraWorklogIds", jira_worklog_ids)
        return {jira: tempo for tempo, jira in pairs}

    def _mapping(self, direction: str, body_key: str, ids: Iterable[str]) -> list[tuple[str, str]]:
        unique = sorted({int(i) for i in ids if str(i).isdigit()})
        pairs = []
        for start in range(0, len(unique), MAX_IDS_PER_MAPPING):
            batch = unique[start : start + MAX_IDS_PER_MAPPING]
            # The mapping pages too (limit 50 by default); the same body goes to `next`.
            for _, body in self._paged(
                "POST",
                f"{WORKLOGS_PATH}/{direction}",
                params={"offset": 0, "limit": len(batch)},
                json={body_key: batch},
            ):
                for row in body["results"]:
                    try:
                        pairs.append(
                            (str(int(row["tempoWorklogId"])), str(int(row["jiraWorklogId"])))
                        )
                    except (KeyError, TypeError, ValueError) as error:
                        raise TempoError(
                            f"{direction} returned a row without tempoWorklogId/jiraWorklogId: {row!r}"
                        ) from error
        return pairs
