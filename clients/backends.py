"""The session's user comes with what every request asks of it: the profile (every page and
endpoint asks the user's role, `clients.roles`) and whatever else `settings.SESSION_USER_RELATED`
names (the project's settings know the apps above this one), each of which would otherwise cost
a query of its own on each request."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend


class ProfileModelBackend(ModelBackend):
    def get_user(self, user_id):
        user_model = get_user_model()
        related = getattr(settings, "SESSION_USER_RELATED", ("profile",))
        try:
            user = user_model._default_manager.select_related(*related).get(pk=user_id)
        except user_model.DoesNotExist:
            return None
        return user if self.user_can_authenticate(user) else None
