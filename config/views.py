"""Project-wide views: the home redirect and the health check."""

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import Http404, JsonResponse
from django.shortcuts import redirect

from clients.roles import is_client_user, is_staff_member


@login_required
def home(request):
    """`/` sends staff to My Work and client users to their portal (INTERFACES §3.1)."""
    if is_staff_member(request.user):
        return redirect("my-work")
    if is_client_user(request.user):
        return redirect("portal")
    raise Http404("No role is assigned to this account; ask an administrator.")


def healthz(request):
    """200 when the database and the broker answer, 503 otherwise (INTERFACES §3.1)."""
    status = {}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        status["database"] = "ok"
    except Exception as error:  # noqa: BLE001 - any failure means unhealthy
        status["database"] = f"error: {error.__class__.__name__}"
    if not settings.REDIS_URL:
        status["broker"] = "eager"
    else:
        try:
            import redis

            redis.Redis.from_url(
                settings.REDIS_URL, socket_connect_timeout=2, socket_timeout=2
            ).ping()
            status["broker"] = "ok"
        except Exception as error:  # noqa: BLE001
            status["broker"] = f"error: {error.__class__.__name__}"
    healthy = status["database"] == "ok" and status["broker"] in ("ok", "eager")
    return JsonResponse(status, status=200 if healthy else 503)
