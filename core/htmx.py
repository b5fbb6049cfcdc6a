"""htmx helpers of the server-rendered pages: a page or the fragment htmx targets, the answer
to a successful htmx write, and the local `next` of a plain form post."""

import json

from django.http import HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils.cache import patch_vary_headers
from django.utils.http import url_has_allowed_host_and_scheme

ENTRY_SAVED = "entrySaved"
BALANCE_CHANGED = "balanceChanged"
FLASH_TEMPLATE = "timetracking/_flash.html"


def render_page(request, template: str, context: dict, *, fragments=(), status: int = 200):
    """The whole page, or the one fragment (partial named like its element id) htmx targets."""
    target = request.htmx.target if request.htmx else None
    if target in fragments:
        template = f"{template}#{target}"
    response = render(request, template, context, status=status)
    # One URL answers with a page or a fragment: caches must keep them apart.
    patch_vary_headers(response, ("HX-Request", "HX-Target"))
    return response


def safe_next(request, default: str) -> str:
    """Where to go back to after a plain (no-JavaScript) form post: a local path only."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return default


def htmx_done(
    request, message: str, *, events=(ENTRY_SAVED,), body: str = "", focus: str | None = None
) -> HttpResponse:
    """An htmx write succeeded: swap `body` in (an empty body closes the dialog), show `message`
    in the page's status line and tell listening fragments to refresh. `focus` is the id of what
    changed (e.g. `entry-12`): the script moves focus there once a refresh brings it."""
    flash = render_to_string(
        FLASH_TEMPLATE, {"message": message, "oob": True, "focus": focus}, request=request
    )
    response = HttpResponse(body + flash)
    response["HX-Trigger"] = json.dumps(dict.fromkeys(events, True))
    return response


def int_param(request, name: str) -> int | None:
    """A whole-number GET or POST parameter; None when missing or not a number."""
    value = request.GET.get(name) or request.POST.get(name) or ""
    return int(value) if value.isdigit() else None
