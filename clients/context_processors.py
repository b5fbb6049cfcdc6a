from .roles import has_role, is_client_user, role_of


def role(request):
    user = getattr(request, "user", None)
    return {
        "user_role": role_of(user),
        "is_manager": has_role(user, "manager"),
        "is_finance": has_role(user, "finance"),
        "is_staff_user": has_role(user, "staff"),
        "is_client_user": is_client_user(user),
    }
