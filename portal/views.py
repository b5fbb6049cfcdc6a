from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render

from clients.roles import client_id_of, is_client_user, is_staff_member
from clients.selectors import get_client_for_user
from timetracking.selectors import client_balance


@login_required
def portal_home(request):
    """A client user's own client; staff preview any client with ?client=<id>."""
    if is_client_user(request.user):
        client = get_client_for_user(request.user, client_id_of(request.user))
    elif is_staff_member(request.user) and request.GET.get("client", "").isdigit():
        client = get_client_for_user(request.user, int(request.GET["client"]))
        if client.is_internal:
            raise Http404("The firm's own client has no portal.")
    else:
        raise Http404
    return render(
        request, "portal/home.html", {"client": client, "balance": client_balance(client)}
    )
