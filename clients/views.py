from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect

from .roles import is_client_user, is_staff_member


@login_required
def home(request):
    """`/` sends staff to My Work and client users to their portal (INTERFACES §3.1)."""
    if is_staff_member(request.user):
        return redirect("/my-work/")
    if is_client_user(request.user):
        return redirect("/portal/")
    raise Http404("No role is assigned to this account; ask an administrator.")
