from django.conf import settings
from django.db import connection
from django.http import JsonResponse


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
