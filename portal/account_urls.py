"""Password change and reset through Django's auth views, with the site's templates
(`templates/registration/`); mounted under /account/ so /login/ and /logout/ keep their names."""

from django.contrib.auth import views as auth_views
from django.urls import path

urlpatterns = [
    path("password/", auth_views.PasswordChangeView.as_view(), name="password_change"),
    path(
        "password/done/", auth_views.PasswordChangeDoneView.as_view(), name="password_change_done"
    ),
    path("reset/", auth_views.PasswordResetView.as_view(), name="password_reset"),
    path("reset/sent/", auth_views.PasswordResetDoneView.as_view(), name="password_reset_done"),
    path(
        "reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "reset/done/",
        auth_views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
]
