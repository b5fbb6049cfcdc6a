"""Admin bases shared by the apps."""

from django.contrib import admin
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.views.main import ERROR_FLAG
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.template.loader import select_template
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone

from .exports import streamed_csv


class ReadOnlyAdmin(admin.ModelAdmin):
    """A record written by services only (history, adjustments): the admin shows it, never edits it."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyInline(admin.TabularInline):
    """The inline counterpart of `ReadOnlyAdmin`."""

    extra = 0

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class StreamedCsvExportMixin:
    """An "Export CSV (streamed)" link on the changelist (`admin:<app>_<model>_export_csv`): the
    rows the changelist's filters, search and ordering select, with the columns of
    `streamed_export_resource` (a django-import-export resource), streamed by
    `core.exports.streamed_csv` so a large export never sits in the web process's memory."""

    streamed_export_resource = None
    streamed_export_template = "admin/streamed_export_change_list.html"

    def has_streamed_export_permission(self, request) -> bool:
        return self.has_view_permission(request)

    def get_urls(self):
        name = f"{self.opts.app_label}_{self.opts.model_name}_export_csv"
        view = self.admin_site.admin_view(self.streamed_export_view)
        return [path("export-csv/", view, name=name), *super().get_urls()]

    def changelist_view(self, request, extra_context=None):
        response = super().changelist_view(request, extra_context)
        if (
            isinstance(response, TemplateResponse)
            and not response.is_rendered
            and self.has_streamed_export_permission(request)
        ):
            # Wrap whichever changelist template the admin (or import-export) chose, so the
            # link joins its object tools whatever else they hold.
            chosen = response.template_name
            response.context_data["streamed_export_base"] = select_template(
                [chosen] if isinstance(chosen, str) else chosen
            )
            response.template_name = self.streamed_export_template
        return response

    def streamed_export_view(self, request):
        if not self.has_streamed_export_permission(request):
            raise PermissionDenied
        try:
            changelist = self.get_changelist_instance(request)
        except IncorrectLookupParameters:
            changelist_url = reverse(
                f"admin:{self.opts.app_label}_{self.opts.model_name}_changelist",
                current_app=self.admin_site.name,
            )
            return HttpResponseRedirect(f"{changelist_url}?{ERROR_FLAG}=1")
        filename = f"{self.opts.model_name}-{timezone.localdate():%Y%m%d}.csv"
        return streamed_csv(self.streamed_export_resource(), changelist.queryset, filename)
