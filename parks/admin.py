from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _
from import_export.admin import ImportExportMixin
from simple_history.admin import SimpleHistoryAdmin

from core import policies

from . import services
from .models import Park


class ServiceImportExportMixin(ImportExportMixin):
    """Import and export (django-import-export) in the admin of parks, enterprises and
    providers, written through the services like the admin's own forms.

    The Resources, which save every row through the services in one transaction that a
    dry run or any invalid row rolls back, and the file formats, which read uploads through
    the safety checks, live in ``exchange.import_resources``: above this app in the
    layering, so the admin names them (as ``core.queue`` names tasks) instead of importing
    them. Shared from here, the lowest app with such an admin.
    """

    resource_path = ""
    # Excel opens a CSV with a BOM as UTF-8; without one, as the local code page.
    to_encoding = "utf-8-sig"
    # The upload is kept between the dry run and the confirmation where every web
    # process can read it.
    tmp_storage_class = "exchange.import_resources.AdminUploadStorage"

    def get_resource_classes(self, request: HttpRequest) -> list[Any]:
        return [import_string(self.resource_path)]

    @property
    def import_formats(self) -> list[Any]:
        return list(import_string("exchange.import_resources.ADMIN_FORMATS"))

    @property
    def export_formats(self) -> list[Any]:
        return list(import_string("exchange.import_resources.ADMIN_FORMATS"))

    def has_import_permission(self, request: HttpRequest) -> bool:
        return policies.can_import(request.user)

    def has_export_permission(self, request: HttpRequest) -> bool:
        return policies.can_export(request.user)

    def add_data_read_fail_error_to_form(self, form: Any, e: Exception) -> None:
        message = import_string("exchange.import_resources.admin_error_message")(e)
        form.add_error("import_file", message)

    def process_result(self, result: Any, request: HttpRequest) -> HttpResponse:
        if result.has_errors() or result.has_validation_errors():
            # The data changed since the dry run: the import was rolled back.
            messages.error(
                request, _("Nothing was imported: some rows are invalid now. Check the file again.")
            )
            return self.changelist_redirect()
        response: HttpResponse = super().process_result(result, request)
        return response

    def changelist_redirect(self) -> HttpResponse:
        app_label, model_name = self.get_model_info()
        return HttpResponseRedirect(reverse(f"admin:{app_label}_{model_name}_changelist"))


@admin.register(Park)
class ParkAdmin(ServiceImportExportMixin, SimpleHistoryAdmin):
    resource_path = "exchange.import_resources.ParkResource"
    list_display = ("code", "name_zh", "name_en", "district", "prereview")
    list_filter = ("district", "prereview")
    search_fields = ("code", "name_zh", "name_en")
    list_select_related = ("district",)

    def get_readonly_fields(self, request: HttpRequest, obj: Park | None = None) -> Any:
        # Figures, users and links refer to a park by its code: it is set once.
        return ("code",) if obj is not None else ()

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: Park, form: Any, change: bool) -> None:
        if not change:
            created = services.park_create(
                code=obj.code,
                name_zh=obj.name_zh,
                name_en=obj.name_en,
                district=obj.district,
                prereview=obj.prereview,
                by=request.user,
            )
            obj.pk = created.pk
            return
        services.park_update(
            park=obj,
            name_zh=obj.name_zh,
            name_en=obj.name_en,
            district=obj.district,
            prereview=obj.prereview,
            by=request.user,
        )
