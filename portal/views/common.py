"""What every portal view starts with: who is looking at which client."""

from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render

from ..selectors import NoClientChosen, portal_client_for


def portal_view(view):
    """Resolve the portal's client (404 for another client's or nobody's; a clear 403 page for
    staff below manager; managers and up without `?client=` go to the client directory to pick
    one) and pass it to `view` as `portal`."""

    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        try:
            portal = portal_client_for(request.user, request.GET.get("client"))
        except PermissionDenied as refusal:
            return render(request, "portal/refused.html", {"reason": str(refusal)}, status=403)
        except NoClientChosen as missing:
            messages.info(request, str(missing))
            return redirect("client-directory")
        return view(request, portal, *args, **kwargs)

    return wrapper
