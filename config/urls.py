"""The one module that imports every app."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from config.api import api
from config.audit import audit_log
from config.views import healthz, home
from sync import views as sync_views

urlpatterns = [
    path("", home, name="home"),
    path("login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("healthz", healthz, name="healthz"),
    path("audit/", audit_log, name="audit-log"),
    path("", include("timetracking.urls")),
    path("portal/", include("portal.urls")),
    path("account/", include("portal.account_urls")),
    path("sync/", include("sync.urls")),
    path("field/", include("fieldwork.urls")),
    path("billing/", include("billing.urls")),
    path("insights/", include("insights.urls")),
    path("webhooks/jira", sync_views.jira_webhook, name="jira-webhook"),
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
]
