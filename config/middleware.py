"""Project-wide middleware: which proxy headers to believe, and JSON for every API error."""

import ipaddress
import logging

from django.conf import settings
from django.core.exceptions import DisallowedHost
from django.http import HttpRequest, JsonResponse

API_PREFIX = "/api/v1/"

logger = logging.getLogger(__name__)


# --- Trusted proxies -------------------------------------------------------------------------


def _parse_ip(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(text.strip())
    except ValueError:
        return None


def is_trusted_proxy(address: str | None) -> bool:
    parsed = _parse_ip(address or "")
    return parsed is not None and any(parsed in network for network in settings.TRUSTED_PROXIES)


def client_ip(request: HttpRequest) -> str | None:
    """The address of the client that sent the request (django-axes' AXES_CLIENT_IP_CALLABLE).

    REMOTE_ADDR unless that hop is a trusted proxy; then X-Forwarded-For read from the right: each
    trusted proxy appends the address it received from, so the first address that is not itself a
    trusted proxy is the real client. Everything left of it was written by the client and may be
    forged."""
    remote = request.META.get("REMOTE_ADDR")
    if not is_trusted_proxy(remote):
        return remote
    nearest = remote
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    for hop in reversed([part.strip() for part in forwarded.split(",") if part.strip()]):
        parsed = _parse_ip(hop)
        if parsed is None:
            # Unreadable: the nearest hop that is known to be real stands for the client.
            return nearest
        if not is_trusted_proxy(hop):
            return str(parsed)
        nearest = str(parsed)
    return nearest


class TrustedProxyMiddleware:
    """X-Forwarded-Proto (SECURE_PROXY_SSL_HEADER) counts only when the connecting hop is in
    TRUSTED_PROXIES: from anyone else it would let a plain-http request pass as https."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.warned_about_untrusted_proxy = False

    def __call__(self, request):
        remote = request.META.get("REMOTE_ADDR")
        if not is_trusted_proxy(remote):
            if settings.SECURE_PROXY_SSL_HEADER:
                request.META.pop(settings.SECURE_PROXY_SSL_HEADER[0], None)
            self._warn_if_behind_an_unlisted_proxy(remote, request)
        return self.get_response(request)

    def _warn_if_behind_an_unlisted_proxy(self, remote: str | None, request) -> None:
        """A private or loopback hop sending X-Forwarded-For is almost surely our own proxy: left
        out of TRUSTED_PROXIES, every client shares its address and one client spraying passwords
        locks everyone out of logging in. Said once per process."""
        if self.warned_about_untrusted_proxy or "HTTP_X_FORWARDED_FOR" not in request.META:
            return
        parsed = _parse_ip(remote or "")
        if parsed is not None and (parsed.is_private or parsed.is_loopback):
            self.warned_about_untrusted_proxy = True
            logger.warning(
                "A request from %s carried X-Forwarded-For, but %s is not in TRUSTED_PROXIES: "
                "if it is your reverse proxy, add it (e.g. TRUSTED_PROXIES=%s), or every client "
                "shares its address for the login lockout.",
                remote,
                remote,
                remote,
            )


# --- JSON errors under /api/v1/ --------------------------------------------------------------

# What each status means when Django answered it before any API handler ran.
GENERIC_DETAILS = {
    400: "Bad request: the request could not be read (its headers or body are malformed).",
    403: "Forbidden: the request was refused before it reached the API.",
    413: "Request body too large.",
}
# Headers of Django's own error answer that still hold for the JSON one.
KEPT_HEADERS = ("Allow", "Retry-After", "WWW-Authenticate")


def _json_error(detail: str, status: int) -> JsonResponse:
    response = JsonResponse({"detail": detail}, status=status)
    # This middleware runs outside SecurityMiddleware, which would otherwise add it.
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _body_limit_detail(length: int, limit: int) -> str:
    return (
        f"Request body too large: {length} bytes; the API accepts at most {limit} bytes "
        f"({limit / 1024 / 1024:.1f} MB, DATA_UPLOAD_MAX_MEMORY_SIZE). Send fewer items per request."
    )


class ApiJsonErrorsMiddleware:
    """Every error under /api/v1/ is `{"detail": …}` (INTERFACES §3), also those that never reach
    the API's exception handlers: a Host not in ALLOWED_HOSTS or a body over
    DATA_UPLOAD_MAX_MEMORY_SIZE (refused here, before anything reads the request), Django's own 404
    for a path no endpoint has, ninja's 405 for a method an endpoint lacks, and any other HTML or
    text error a middleware or Django's handlers answered (a SuspiciousOperation is a 400)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not request.path.startswith(API_PREFIX):
            return self.get_response(request)
        refusal = self._refuse_early(request)
        if refusal is not None:
            return refusal
        response = self.get_response(request)
        if (
            response.status_code < 400
            or response.get("Content-Type", "").startswith("application/json")
            # In development Django's error page with its traceback is worth more than JSON.
            or (response.status_code >= 500 and settings.DEBUG)
        ):
            return response
        return self._as_json(request, response)

    @staticmethod
    def _refuse_early(request) -> JsonResponse | None:
        try:
            request.get_host()
        except DisallowedHost:
            host = request.META.get("HTTP_HOST", "")
            return _json_error(f"Host {host!r} is not served here; use one of ALLOWED_HOSTS.", 400)
        raw_length = request.META.get("CONTENT_LENGTH") or "0"
        try:
            length = int(raw_length)
        except ValueError:
            length = -1
        if length < 0:
            return _json_error(
                f"Content-Length must be a whole number of bytes, e.g. 42 (got {raw_length!r}).",
                400,
            )
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        if limit is not None and length > limit:
            return _json_error(_body_limit_detail(length, limit), 413)
        return None

    @staticmethod
    def _as_json(request, response) -> JsonResponse:
        status = response.status_code
        if status == 405:
            allowed = response.get("Allow", "")
            detail = (
                f"Method {request.method} is not allowed on {request.path}; "
                f"use {allowed or 'another method'}."
            )
        elif status == 404:
            detail = (
                f"Not found: {request.path} is not an API path; "
                f"the endpoints are listed at {API_PREFIX}docs."
            )
        elif status >= 500:
            detail = "Server error: the request failed and was logged; try again later."
        else:
            detail = GENERIC_DETAILS.get(status, f"The request was refused (HTTP {status}).")
        json_response = _json_error(detail, status)
        for header in KEPT_HEADERS:
            if header in response:
                json_response[header] = response[header]
        return json_response
