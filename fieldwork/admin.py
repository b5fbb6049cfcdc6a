"""Django admin of field work: read-only, because an activity and its time entry change together
through `fieldwork.services` (the /field/ page and the API)."""

from django.contrib import admin

from core.admin import ReadOnlyAdmin, ReadOnlyInline

from .models import PersonAdjustment, WorkActivity


class PersonAdjustmentInline(ReadOnlyInline):
    model = PersonAdjustment
    fields = ("person", "minutes", "note")


@admin.register(WorkActivity)
class WorkActivityAdmin(ReadOnlyAdmin):
    list_display = (
        "date",
        "start_time",
        "end_time",
        "task",
        "lead",
        "crew_size",
        "billable_minutes",
        "time_entry",
    )
    list_filter = ("date",)
    list_select_related = ("task__project__client", "lead__user", "time_entry")
    search_fields = ("task__name", "task__project__code", "lead__user__username")
    date_hierarchy = "date"
    inlines = [PersonAdjustmentInline]
