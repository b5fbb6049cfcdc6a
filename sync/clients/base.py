"""The one HTTP failure policy of the Jira and Tempo clients (PRODUCT §3.5): 429 (and a 503 with
`Retry-After`) waits as long as the server asks, or a source-specific pause without the header;
5xx and timeouts retry with a bounded backoff; 401/403 stop; anything else is an error a retry
cannot fix. Optional client-side pacing keeps a gateway limit (Tempo: ~5 requests/second).

Each client subclasses `RetryingClient` with its own exceptions, pauses and error-body format."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

import requests

logger = logging.getLogger(__name__)


class SourceError(Exception):
    """A Jira/Tempo call failed in a way a retry will not fix (bad request, unexpected answer)."""


class SourceAuthError(SourceError):
    """The credentials are wrong or lack a permission: the run stops, the connection is unhealthy."""


class SourceUnavailable(SourceError):
    """5xx, timeouts or rate limiting that outlasted the bounded retries; the cursor is kept."""


class SourceNotFound(SourceError):
    """404 of a single resource (missing or not visible)."""


class RetryingClient:
    """Transport shared by the source clients. Subclasses set the names below and may override
    `_rate_limit_pause`, `_failure_pause`, `_error_text` and `_refusal`."""

    service = "the source"  # used in messages: "Jira", "Tempo"
    error_class: type[SourceError] = SourceError
    auth_error_class: type[SourceError] = SourceAuthError
    unavailable_class: type[SourceError] = SourceUnavailable
    not_found_class: type[SourceError] = SourceNotFound

    def __init__(
        self,
        *,
        timeout: float = 30.0,
        max_rate_limit_waits: int = 10,
        max_retry_after_seconds: float = 600.0,
        sleep: Callable[[float], None] = time.sleep,
        session: requests.Session | None = None,
        requests_per_second: float | None = None,
        clock: Callable[[], float] = time.monotonic,
    ):
        self.timeout = timeout
        self.max_rate_limit_waits = max_rate_limit_waits
        self.max_retry_after_seconds = max_retry_after_seconds
        # Injectable so tests need not wait out real backoffs; production uses time.sleep.
        self.sleep = sleep
        self.clock = clock
        self.session = session or requests.Session()
        self.min_interval = 1.0 / requests_per_second if requests_per_second else 0.0
        self._last_request_at: float | None = None

    # --- policy hooks -------------------------------------------------------------------

    def _rate_limit_pause(self, waits: int) -> float | None:
        """Seconds to wait before retry number `waits` after a 429 without Retry-After, or None
        to give up."""
        raise NotImplementedError

    def _failure_pause(self, failures: int) -> float | None:
        """Seconds to wait before retry number `failures` after a 5xx or timeout, or None to
        give up."""
        raise NotImplementedError

    def _error_text(self, response) -> str:
        try:
            body = response.json()
        except ValueError:
            return response.text[:300]
        return str(body)[:300]

    def _refusal(self, status: int, what: str, response) -> SourceError | None:
        """The exception for a 4xx answer, or None to use the defaults below."""
        return None

    # --- transport ----------------------------------------------------------------------

    def _pace(self) -> None:
        if not self.min_interval:
            return
        now = self.clock()
        if self._last_request_at is not None:
            wait = self._last_request_at + self.min_interval - now
            if wait > 0:
                self.sleep(wait)
                now += wait
        self._last_request_at = now

    def _send(self, method: str, url: str, what: str, **kwargs):
        """One logical request (`what` names it in messages): retried as the policy says;
        returns the decoded JSON body."""
        failures = 0
        rate_limit_waits = 0
        while True:
            self._pace()
            try:
                response = self.session.request(method, url, timeout=self.timeout, **kwargs)
            except (requests.Timeout, requests.ConnectionError) as error:
                failures += 1
                self._back_off(
                    failures,
                    f"{error.__class__.__name__} on {what}",
                    f"{self.service} did not answer {what} after {failures} tries: {error}",
                )
                continue

            status = response.status_code
            retry_after = self._retry_after(response)
            if status == 429 or (status == 503 and retry_after is not None):
                rate_limit_waits += 1
                wait = (
                    retry_after
                    if retry_after is not None
                    else self._rate_limit_pause(rate_limit_waits)
                )
                if (
                    wait is None
                    or rate_limit_waits > self.max_rate_limit_waits
                    or wait > self.max_retry_after_seconds
                ):
                    raise self.unavailable_class(
                        f"{self.service} kept rate-limiting {what} (HTTP {status}, Retry-After {retry_after})."
                    )
                logger.info(
                    "%s answered %s on %s; waiting %.1f s", self.service, status, what, wait
                )
                self.sleep(wait)
                continue
            if status >= 500:
                failures += 1
                self._back_off(
                    failures,
                    f"HTTP {status} on {what}",
                    f"{self.service} answered HTTP {status} to {what} {failures} times: "
                    f"{self._error_text(response)}",
                )
                continue
            if status >= 400:
                raise self._refusal(status, what, response) or self._default_refusal(
                    status, what, response
                )
            try:
                return response.json()
            except ValueError as error:
                raise self.error_class(
                    f"{self.service} answered {what} with something that is not JSON: {response.text[:200]!r}"
                ) from error

    def _default_refusal(self, status: int, what: str, response) -> SourceError:
        if status in (401, 403):
            return self.auth_error_class(
                f"{self.service} refused the credentials (HTTP {status}) on {what}: {self._error_text(response)}."
            )
        if status == 404:
            return self.not_found_class(
                f"{what}: not found or not visible ({self._error_text(response)})"
            )
        return self.error_class(
            f"{self.service} answered HTTP {status} to {what}: {self._error_text(response)}"
        )

    def _back_off(self, failures: int, what: str, give_up_message: str) -> None:
        wait = self._failure_pause(failures)
        if wait is None:
            raise self.unavailable_class(give_up_message)
        logger.warning("%s; retry %d in %.1f s", what, failures, wait)
        self.sleep(wait)

    @staticmethod
    def _retry_after(response) -> float | None:
        value = response.headers.get("Retry-After")
        if value is None:
            return None
        try:
            return max(float(value), 0.0)
        except ValueError:
            return None
