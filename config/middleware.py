"""Project-wide middleware."""

from django.http import JsonResponse

API_PREFIX = "/api/v1/"


class ApiJsonErrorsMiddleware:
    """Every error under /api/v1/ is `{"detail": …}` (INTERFACES §3), also the two that never reach
    the API's exception handlers: Django's own 404 for a path no endpoint has (an HTML page) and
    ninja's 405 for a method an endpoint lacks (plain text)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if (
            not request.path.startswith(API_PREFIX)
            or response.status_code not in (404, 405)
            or response.get("Content-Type", "").startswith("application/json")
        ):
            return response
        if response.status_code == 405:
            allowed = response.get("Allow", "")
            json_response = JsonResponse(
                {
                    "detail": f"Method {request.method} is not allowed on {request.path}; "
                    f"use {allowed or 'another method'}."
                },
                status=405,
            )
            if allowed:
                json_response["Allow"] = allowed
            return json_response
        return JsonResponse(
            {
                "detail": f"Not found: {request.path} is not an API path; "
                f"the endpoints are listed at {API_PREFIX}docs."
            },
            status=404,
        )
