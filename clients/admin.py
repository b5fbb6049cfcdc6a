"""Django admin of the clients layer: firm settings, clients (plan and purchase ledger inline),
projects, tasks, profiles, API tokens, and the User admin with its profile.

Access follows the role (PRODUCT §9): admins see everything; finance gets billing, rates and
plans through the "Finance" group that `services.sync_admin_access` maintains."""

from django import forms
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils import timezone

from .models import (
    ApiToken,
    BillingPlan,
    Client,
    FirmSettings,
    HourPurchase,
    LedgerKind,
    Project,
    Task,
    UserProfile,
)
from .services import add_correction, add_purchase, create_api_token, sync_admin_access


def adopt_saved(obj, saved) -> None:
    """Make the admin's unsaved `obj` the row a service just created, so the admin's
    messages, log entry and redirect after "add" point at it."""
    obj.pk = saved.pk
    obj.refresh_from_db()
    obj._state.adding = False


@admin.register(FirmSettings)
class FirmSettingsAdmin(admin.ModelAdmin):
    list_display = ("__str__", "hours_per_day", "days_per_week", "invoice_prefix")

    def has_add_permission(self, request):
        # One row of firm-wide settings (FirmSettings.current()).
        return super().has_add_permission(request) and not FirmSettings.objects.exists()


class BillingPlanInline(admin.StackedInline):
    model = BillingPlan
    can_delete = False
    max_num = 1
    extra = 1


class LedgerInlineForm(forms.ModelForm):
    """A new row of the client's ledger: negative hours are a correction, which needs a note
    and has no price or expiry (PRODUCT §5.4)."""

    def clean(self):
        data = super().clean()
        hours = data.get("hours")
        if hours is not None and hours < 0:
            if not (data.get("note") or "").strip():
                self.add_error(
                    "note", "A correction needs a note saying why, e.g. 'Purchase entered twice'."
                )
            for name in ("price", "expires_on"):
                if data.get(name) is not None:
                    self.add_error(name, "A correction has no price or expiry date.")
        return data


class HourPurchaseInline(admin.TabularInline):
    """The hour-bank ledger: existing rows are read-only and never deleted; a correction is a
    new (possibly negative) row, saved through `add_purchase` by ClientAdmin.save_formset."""

    model = HourPurchase
    form = LedgerInlineForm
    fields = (
        "date",
        "hours",
        "minutes",
        "price",
        "expires_on",
        "kind",
        "note",
        "entered_by",
        "created_at",
    )
    readonly_fields = ("minutes", "kind", "entered_by", "created_at")
    extra = 0
    can_delete = False
    ordering = ("-date", "-id")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("entered_by")

    def has_change_permission(self, request, obj=None):
        # Without change permission Django shows existing rows read-only and still allows adds.
        return False

    def has_delete_permission(self, request, obj=None):
        return False


def save_new_purchases(request, formset) -> None:
    """New ledger rows go through the service (client row lock, who entered it)."""
    for purchase in formset.save(commit=False):
        if purchase.pk is None and purchase.hours < 0:
            add_correction(
                client=purchase.client,
                hours=purchase.hours,
                on_date=purchase.date,
                note=purchase.note,
                by=request.user,
            )
        elif purchase.pk is None:
            add_purchase(
                client=purchase.client,
                hours=purchase.hours,
                on_date=purchase.date,
                note=purchase.note,
                by=request.user,
                price=purchase.price,
                expires_on=purchase.expires_on,
            )


@admin.register(Client)
class ClientAdmin(admin.ModelAdmin):
    list_display = (
        "code",
        "name",
        "currency",
        "billing_mode",
        "is_internal",
        "is_active",
        "owner",
    )
    list_filter = ("billing_mode", "is_active", "is_internal", "currency")
    search_fields = ("code", "name", "alert_contacts")
    list_select_related = ("owner",)
    inlines = (BillingPlanInline, HourPurchaseInline)

    # Balances are not shown here: they are timetracking's (a higher layer); the client
    # directory and client page show them.

    def save_formset(self, request, form, formset, change):
        if formset.model is HourPurchase:
            save_new_purchases(request, formset)
        else:
            super().save_formset(request, form, formset, change)


@admin.register(BillingPlan)
class BillingPlanAdmin(admin.ModelAdmin):
    """Registered on its own too, so finance can edit plans without changing clients."""

    list_display = (
        "client",
        "rounding_method",
        "rounding_increment_minutes",
        "min_billable_minutes",
        "support_fee",
        "monitoring_fee",
        "monthly_included_hours",
        "overtime_rate",
    )
    list_filter = ("rounding_method", "rounding_increment_minutes", "client__billing_mode")
    search_fields = ("client__code", "client__name")
    list_select_related = ("client",)


class LedgerRowAdminForm(forms.ModelForm):
    """A new ledger row: a purchase block or a correction (`expiry` rows come only from the
    daily task). The service's refusals become form errors."""

    kind = forms.ChoiceField(
        choices=[(LedgerKind.PURCHASE, "Purchase"), (LedgerKind.CORRECTION, "Correction")],
        initial=LedgerKind.PURCHASE,
    )

    class Meta:
        model = HourPurchase
        fields = ("client", "date", "kind", "hours", "price", "expires_on", "note")

    def clean(self):
        data = super().clean()
        if data.get("kind") == LedgerKind.CORRECTION:
            if not (data.get("note") or "").strip():
                self.add_error(
                    "note", "A correction needs a note saying why, e.g. 'Purchase entered twice'."
                )
            for name in ("price", "expires_on"):
                if data.get(name) is not None:
                    self.add_error(name, "A correction has no price or expiry date.")
        elif data.get("hours") is not None and data["hours"] < 0:
            self.add_error("hours", "A purchase adds hours, e.g. 40; use a correction for -2.5.")
        return data


@admin.register(HourPurchase)
class HourPurchaseAdmin(admin.ModelAdmin):
    """The ledger across clients. Rows are never changed or deleted (the database refuses it
    too); a mistake is undone by adding a correction. Managers' equivalent: the client page."""

    form = LedgerRowAdminForm
    list_display = (
        "date",
        "client",
        "kind",
        "hours",
        "minutes",
        "price",
        "expires_on",
        "note",
        "entered_by",
        "created_at",
    )
    list_filter = ("kind", "client", "date")
    search_fields = ("note", "client__code", "client__name")
    list_select_related = ("client", "entered_by")
    date_hierarchy = "date"
    fields = ("client", "date", "kind", "hours", "price", "expires_on", "note")

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        if data["kind"] == LedgerKind.CORRECTION:
            row = add_correction(
                client=data["client"],
                hours=data["hours"],
                on_date=data["date"],
                note=data["note"],
                by=request.user,
            )
        else:
            row = add_purchase(
                client=data["client"],
                hours=data["hours"],
                on_date=data["date"],
                note=data["note"],
                by=request.user,
                price=data["price"],
                expires_on=data["expires_on"],
            )
        adopt_saved(obj, row)


class TaskInline(admin.TabularInline):
    model = Task
    fields = ("name", "is_active", "jira_issue_key", "jira_issue_id", "jira_summary")
    extra = 0
    show_change_link = True


# A client's hour bank counts the time of its projects' tasks (its running total moves with each
# entry written): moving a project or a task with its time to another client would leave both
# clients' balances wrong. Such work gets a new project or task under the other client.
MOVE_REFUSED = (
    "{what} cannot move to another client: its time is counted in {client}'s hour bank. "
    "Create a new {kind} under the other client instead."
)


class ProjectAdminForm(forms.ModelForm):
    def clean_client(self):
        client = self.cleaned_data["client"]
        project = self.instance
        if project.pk and client != project.client and project.tasks.exists():
            raise forms.ValidationError(
                MOVE_REFUSED.format(
                    what=f"Project {project.code}, which has tasks,",
                    client=project.client.code,
                    kind="project",
                )
            )
        return client


class TaskAdminForm(forms.ModelForm):
    def clean_project(self):
        project = self.cleaned_data["project"]
        task = self.instance
        if task.pk and project.client_id != task.project.client_id:
            raise forms.ValidationError(
                MOVE_REFUSED.format(
                    what=f"Task {task.name}", client=task.project.client.code, kind="task"
                )
            )
        return project


@admin.register(Project)
class ProjectAdmin(admin.ModelAdmin):
    form = ProjectAdminForm
    list_display = (
        "code",
        "name",
        "client",
        "classification",
        "status",
        "budget_hours",
        "budget_amount",
    )
    list_filter = ("classification", "status", "client")
    search_fields = ("code", "name", "client__code", "client__name")
    list_select_related = ("client",)
    inlines = (TaskInline,)


@admin.register(Task)
class TaskAdmin(admin.ModelAdmin):
    form = TaskAdminForm
    list_display = (
        "name",
        "project",
        "client",
        "jira_issue_key",
        "jira_summary",
        "jira_priority",
        "is_active",
    )
    list_filter = ("is_active", "project__classification", "project__client", "jira_issue_type")
    search_fields = ("name", "jira_issue_key", "jira_summary", "project__code", "project__name")
    list_select_related = ("project__client",)
    readonly_fields = ("jira_fetched_at", "created_at")

    @admin.display(description="Client", ordering="project__client__code")
    def client(self, task):
        return task.project.client.code


@admin.register(UserProfile)
class UserProfileAdmin(admin.ModelAdmin):
    list_display = ("user", "role", "client")
    list_filter = ("role", "client")
    search_fields = ("user__username", "user__email", "user__first_name", "user__last_name")
    list_select_related = ("user", "client")

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        sync_admin_access(obj.user)


class UserProfileInline(admin.StackedInline):
    model = UserProfile
    can_delete = False
    fk_name = "user"


User = get_user_model()
if admin.site.is_registered(User):
    admin.site.unregister(User)


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    inlines = (UserProfileInline,)
    list_display = (
        "username",
        "email",
        "first_name",
        "last_name",
        "role",
        "is_active",
        "is_staff",
        "is_superuser",
    )
    list_select_related = ("profile",)
    list_filter = ("profile__role", "is_active", "is_staff", "is_superuser")

    @admin.display(description="Role", ordering="profile__role")
    def role(self, user):
        profile = getattr(user, "profile", None)
        return profile.get_role_display() if profile else "—"

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        # The profile inline is saved now; admin access follows the role.
        sync_admin_access(form.instance)


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Tokens are created by `create_api_token` (here or `manage.py create_api_token`); the raw
    value is shown once, only its hash is stored. Revoking sets `revoked_at`."""

    list_display = ("user", "name", "prefix", "created_at", "last_used_at", "revoked_at")
    list_filter = (("revoked_at", admin.EmptyFieldListFilter), "created_at")
    search_fields = ("user__username", "name", "prefix")
    list_select_related = ("user",)
    actions = ("revoke_tokens",)

    def get_fields(self, request, obj=None):
        if obj is None:
            return ("user", "name")
        return ("user", "name", "prefix", "created_at", "last_used_at", "revoked_at")

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return ()
        return ("user", "prefix", "created_at", "last_used_at", "revoked_at")

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
            return
        token, raw = create_api_token(user=obj.user, name=obj.name)
        adopt_saved(obj, token)
        messages.warning(
            request,
            f"New API token for {obj.user.username} (copy it now, it is not shown again): {raw}",
        )

    @admin.action(description="Revoke selected tokens", permissions=["change"])
    def revoke_tokens(self, request, queryset):
        revoked = queryset.filter(revoked_at__isnull=True).update(revoked_at=timezone.now())
        self.message_user(request, f"Revoked {revoked} token(s).", messages.SUCCESS)
