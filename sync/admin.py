from django.contrib import admin

from core.admin import ReadOnlyAdmin

from .models import (
    AppliedWorklog,
    DeletedWorklog,
    JiraIssue,
    QuarantinedWorklog,
    SyncRun,
    SyncState,
    UnmappedWorklog,
    WebhookDelivery,
)


@admin.register(SyncState)
class SyncStateAdmin(admin.ModelAdmin):
    list_display = (
        "source",
        "healthy",
        "last_success_at",
        "updated_cursor",
        "deleted_cursor",
        "last_error",
    )
    readonly_fields = ("totals", "last_run_at", "last_success_at", "last_error_at")


@admin.register(SyncRun)
class SyncRunAdmin(admin.ModelAdmin):
    list_display = (
        "id",
        "source",
        "trigger",
        "status",
        "started_at",
        "fetched",
        "created",
        "updated",
        "deleted",
        "ignored",
        "unmapped",
        "quarantined",
    )
    list_filter = ("source", "status", "trigger")
    readonly_fields = [f.name for f in SyncRun._meta.fields]


@admin.register(UnmappedWorklog)
class UnmappedWorklogAdmin(admin.ModelAdmin):
    list_display = (
        "worklog_id",
        "source",
        "issue_key",
        "issue_id",
        "local_date",
        "duration_minutes",
        "reason",
    )
    list_filter = ("source",)
    search_fields = ("worklog_id", "issue_key", "issue_id")
    readonly_fields = ("payload", "first_seen_at", "last_evaluated_at")


@admin.register(QuarantinedWorklog)
class QuarantinedWorklogAdmin(admin.ModelAdmin):
    list_display = ("worklog_id", "source", "times_seen", "last_seen_at", "error")
    list_filter = ("source",)
    search_fields = ("worklog_id", "error")


@admin.register(JiraIssue)
class JiraIssueAdmin(admin.ModelAdmin):
    list_display = (
        "key",
        "issue_id",
        "summary",
        "issue_type",
        "priority",
        "project_key",
        "fetched_at",
    )
    search_fields = ("key", "issue_id", "summary")


admin.site.register(WebhookDelivery)


@admin.register(DeletedWorklog)
class DeletedWorklogAdmin(ReadOnlyAdmin):
    """Tombstones keep deleted worklogs deleted (and stand in for their pruned replay guard):
    never added, edited or removed by hand."""

    list_display = ("worklog_id", "source", "deleted_at")
    list_filter = ("source",)
    search_fields = ("=worklog_id",)


@admin.register(AppliedWorklog)
class AppliedWorklogAdmin(admin.ModelAdmin):
    """Which version of each worklog the sync applied last (its replay guard); read-only."""

    list_display = ("worklog_id", "source", "source_updated_at")
    list_filter = ("source",)
    search_fields = ("=worklog_id",)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
