"""Django admin of the timetracking layer: members, rates, entries, history, adjustments, timers.

Time entries are written only through `timetracking.services` (history rows, rate snapshots,
billable minutes, lock and source refusals). The admin asks the service itself whether a change
is allowed by running it in a savepoint that is rolled back, so it never re-implements the rules
and shows the service's own message on the form."""

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db import transaction

from clients.admin import adopt_saved
from clients.models import Role
from clients.roles import has_role
from core.admin import ReadOnlyAdmin, StreamedCsvExportMixin

from .durations import DurationError, format_minutes, parse_duration
from .exports import TimeEntryResource
from .models import (
    BalanceAlertState,
    BillingAdjustment,
    CostRate,
    EntryChange,
    EntryStatus,
    Member,
    RateCard,
    TimeEntry,
    Timer,
    TimesheetRow,
)
from .services import EntryChanges, EntryError, create_entry, delete_entry, update_entry


class _TrialRun(Exception):
    """Raised inside a savepoint to undo a trial run of a service call."""


def refusal_of(service_call) -> EntryError | None:
    """The service's refusal of `service_call`, or None when it would succeed. Nothing is kept."""
    try:
        with transaction.atomic():
            service_call()
            raise _TrialRun
    except _TrialRun:
        return None
    except EntryError as error:
        return error


class RateCardInline(admin.TabularInline):
    model = RateCard
    fields = ("client", "project", "rate", "currency", "valid_from")
    extra = 0


class CostRateInline(admin.TabularInline):
    model = CostRate
    fields = ("rate", "currency", "valid_from")
    extra = 0


@admin.register(Member)
class MemberAdmin(admin.ModelAdmin):
    list_display = (
        "username",
        "display_name",
        "timezone",
        "weekly_target_hours",
        "exclusion",
        "jira_account_id",
        "is_placeholder",
    )
    list_filter = ("exclusion", "is_placeholder", "timezone")
    search_fields = (
        "user__username",
        "user__first_name",
        "user__last_name",
        "user__email",
        "jira_account_id",
    )
    list_select_related = ("user",)
    inlines = (RateCardInline, CostRateInline)

    @admin.display(description="Username", ordering="user__username")
    def username(self, member):
        return member.user.username


@admin.register(RateCard)
class RateCardAdmin(admin.ModelAdmin):
    list_display = ("member", "level", "client", "project", "rate", "currency", "valid_from")
    list_filter = ("currency", "client", "valid_from")
    search_fields = (
        "member__user__username",
        "member__user__first_name",
        "client__code",
        "project__code",
    )
    list_select_related = ("member__user", "client", "project")
    date_hierarchy = "valid_from"


@admin.register(CostRate)
class CostRateAdmin(admin.ModelAdmin):
    list_display = ("member", "rate", "currency", "valid_from")
    list_filter = ("currency", "valid_from")
    search_fields = ("member__user__username", "member__user__first_name")
    list_select_related = ("member__user",)


class DurationFormField(forms.CharField):
    """Duration typed as people type it ("1h 30m", "90", "1:30"), parsed by the one parser.
    The 24-hour cap depends on the entry's source, so the service applies it."""

    def to_python(self, value):
        value = super().to_python(value)
        if value in self.empty_values:
            return None
        try:
            return parse_duration(value, max_minutes=None)
        except DurationError as error:
            raise ValidationError(str(error)) from None


# The service names fields by their API names; the form by model field names.
SERVICE_FIELD_TO_FORM_FIELD = {"duration": "duration_minutes"}


class TimeEntryAdminForm(forms.ModelForm):
    duration_minutes = DurationFormField(
        label="Duration", help_text="e.g. 1h 30m, 2.5h, 1:30 or 90 (minutes)"
    )

    class Meta:
        model = TimeEntry
        fields = (
            "task",
            "member",
            "date",
            "start_time",
            "duration_minutes",
            "billable",
            "description",
        )

    def clean(self):
        cleaned = super().clean()
        if not self.errors:
            error = refusal_of(lambda: self.save_through_service(by=None))
            if error is not None:
                field = SERVICE_FIELD_TO_FORM_FIELD.get(error.field, error.field)
                self.add_error(field if field in self.fields else None, error.message)
        return cleaned

    def entry_changes(self) -> EntryChanges:
        data, changed = self.cleaned_data, set(self.changed_data)

        def new(name):
            return data[name] if name in changed else None

        return EntryChanges(
            task=new("task"),
            member=new("member"),
            on_date=new("date"),
            duration_minutes=new("duration_minutes"),
            billable=new("billable"),
            description=new("description"),
            start_time=new("start_time"),
            clear_start_time="start_time" in changed and data["start_time"] is None,
        )

    def save_through_service(self, *, by) -> TimeEntry:
        if self.instance.pk:
            return update_entry(self.instance, self.entry_changes(), by=by)
        data = self.cleaned_data
        return create_entry(
            task=data["task"],
            member=data["member"],
            on_date=data["date"],
            duration_minutes=data["duration_minutes"],
            billable=data["billable"],
            description=data["description"],
            start_time=data["start_time"],
            by=by,
        )


@admin.register(TimeEntry)
class TimeEntryAdmin(StreamedCsvExportMixin, admin.ModelAdmin):
    form = TimeEntryAdminForm
    streamed_export_resource = TimeEntryResource
    list_display = (
        "date",
        "member",
        "task",
        "client_code",
        "duration",
        "billable_minutes",
        "status",
        "source",
        "locked",
    )
    list_filter = (
        "source",
        "billable",
        "locked",
        "date",
        # Every client, not RelatedOnlyFieldListFilter's "clients with entries": that scans
        # every entry on each changelist load and streamed export (0.3 s at 500,000 entries).
        "task__project__client",
    )
    # Half a million rows: one count per page (the filtered one), not a second of the table.
    show_full_result_count = False
    search_fields = ("description", "task__name", "task__jira_issue_key", "member__user__username")
    date_hierarchy = "date"
    # Everything a row shows, in the changelist's one query.
    list_select_related = ("member__user", "task__project__client")
    autocomplete_fields = ("task", "member")
    readonly_fields = (
        "billable_minutes",
        "billing_rate",
        "billing_currency",
        "cost_rate",
        "cost_currency",
        "invoice",
        "locked",
        "source",
        "jira_worklog_id",
        "tempo_worklog_id",
        "source_updated_at",
        "billable_override",
        "started_at",
        "created_by",
        "updated_by",
        "created_at",
        "updated_at",
    )
    fieldsets = (
        (
            None,
            {
                "fields": (
                    "task",
                    "member",
                    "date",
                    "start_time",
                    "duration_minutes",
                    "billable",
                    "description",
                )
            },
        ),
        (
            "Set by the billing rules",
            {
                "fields": (
                    "billable_minutes",
                    ("billing_rate", "billing_currency"),
                    ("cost_rate", "cost_currency"),
                )
            },
        ),
        (
            "Invoice and source",
            {
                "fields": (
                    "invoice",
                    "locked",
                    "source",
                    "jira_worklog_id",
                    "tempo_worklog_id",
                    "source_updated_at",
                    "billable_override",
                    "started_at",
                )
            },
        ),
        ("Audit", {"fields": ("created_by", "updated_by", "created_at", "updated_at")}),
    )

    # Not named `client`: the model's field of that name would win and cost a query per row.
    @admin.display(description="Client", ordering="task__project__client__code")
    def client_code(self, entry):
        return entry.task.project.client.code

    @admin.display(description="Duration", ordering="duration_minutes")
    def duration(self, entry):
        return format_minutes(entry.duration_minutes)

    @admin.display(description="Status")
    def status(self, entry):
        return EntryStatus(entry.status).label

    def has_streamed_export_permission(self, request) -> bool:
        # Rates, values and cost figures: for finance and admins, like the billing admin.
        return has_role(request.user, Role.FINANCE) and super().has_streamed_export_permission(
            request
        )

    def save_model(self, request, obj, form, change):
        adopt_saved(obj, form.save_through_service(by=request.user))

    def save_related(self, request, form, formsets, change):
        # No many-to-many fields or inlines; the service saved everything already.
        pass

    def get_deleted_objects(self, objs, request):
        """Entries the service refuses to delete (locked, owned by a source) are listed as
        protected, which makes Django refuse the delete and show why."""
        to_delete, model_count, perms_needed, protected = super().get_deleted_objects(objs, request)
        for entry in objs:
            error = refusal_of(lambda entry=entry: delete_entry(entry))
            if error is not None:
                protected.append(f"{entry} — {error.message}")
        return to_delete, model_count, perms_needed, protected

    def delete_model(self, request, obj):
        delete_entry(obj, by=request.user)

    @transaction.atomic
    def delete_queryset(self, request, queryset):
        for entry in queryset.order_by("id"):
            delete_entry(entry, by=request.user)


@admin.register(EntryChange)
class EntryChangeAdmin(ReadOnlyAdmin):
    """The consumption history is written by the services only: read-only here."""

    list_display = (
        "at",
        "kind",
        "entry_ref",
        "client",
        "minutes_delta",
        "duration_delta",
        "source",
        "changed_by",
        "description",
    )
    list_filter = ("kind", "source", ("client", admin.RelatedOnlyFieldListFilter))
    search_fields = ("description", "=entry_ref", "changed_by__username")
    list_select_related = ("client", "changed_by")
    date_hierarchy = "at"


@admin.register(BillingAdjustment)
class BillingAdjustmentAdmin(ReadOnlyAdmin):
    """Pending corrections of invoiced entries (PRODUCT §3.6): recorded by the sync, carried by
    the next invoice. Read-only here; billing's services change their status."""

    list_display = (
        "created_at",
        "client",
        "entry_ref",
        "minutes",
        "value",
        "currency",
        "status",
        "invoice",
        "reason",
    )
    list_filter = ("status", ("client", admin.RelatedOnlyFieldListFilter))
    search_fields = ("reason", "=entry_ref", "client__code")
    list_select_related = ("client", "invoice__client")
    date_hierarchy = "created_at"


@admin.register(Timer)
class TimerAdmin(admin.ModelAdmin):
    """Running timers; deleting one discards it without writing an entry."""

    list_display = ("member", "task", "started_at", "description")
    search_fields = ("member__user__username", "task__name", "description")
    list_select_related = ("member__user", "task")
    autocomplete_fields = ("member", "task")


@admin.register(BalanceAlertState)
class BalanceAlertStateAdmin(ReadOnlyAdmin):
    """Which low/negative-balance alerts are armed (written only by the alert task)."""

    list_display = ("client", "low_armed", "negative_armed", "last_sent_at")


@admin.register(TimesheetRow)
class TimesheetRowAdmin(admin.ModelAdmin):
    list_display = ("member", "task", "week_start")
    list_filter = ("week_start",)
    raw_id_fields = ("member", "task")
