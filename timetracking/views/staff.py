"""What every staff page shares: staff-only access and the message for logins without a member."""

from functools import wraps

from django.contrib.auth.decorators import login_required

from clients.selectors import require_staff

NO_MEMBER = (
    "Your account is not set up as a member yet, so you cannot log time. Ask a manager to add you."
)


def staff_view(view):
    """Logged in, and staff: client users and outsiders get a 404, never a hint."""

    @wraps(view)
    @login_required
    def wrapper(request, *args, **kwargs):
        require_staff(request.user)
        return view(request, *args, **kwargs)

    return wrapper
