import hashlib

from django.http import HttpResponseNotModified
from django.shortcuts import render
from django.utils import timezone
from django.utils.cache import patch_cache_control

from timetracking.selectors import client_balance

from .common import portal_view


def balance_etag(balance, today, preview: bool) -> str:
    """Changes whenever anything the fragment shows changes (run-out also moves with the day)."""
    state = (
        f"{balance.purchased_minutes}:{balance.consumed_minutes}:{balance.runout_date}:"
        f"{balance.at_risk}:{today}:{preview}"
    )
    return '"' + hashlib.sha256(state.encode()).hexdigest()[:32] + '"'


@portal_view
def portal_balance(request, portal):
    """The balance fragment the open portal polls: one balance query, and a bodiless 304 when
    the browser's copy (its ETag) is still current."""
    today = timezone.localdate()
    balance = client_balance(portal.client, today=today)
    etag = balance_etag(balance, today, portal.preview)
    if etag in request.headers.get("If-None-Match", ""):
        response = HttpResponseNotModified()
    else:
        response = render(
            request,
            "portal/home.html#portal-balance",
            {"client": portal.client, "balance": balance, "preview": portal.preview},
        )
    response["ETag"] = etag
    # Let the browser keep the fragment but ask every time: its revalidation is the 304 above.
    patch_cache_control(response, private=True, no_cache=True)
    return response
