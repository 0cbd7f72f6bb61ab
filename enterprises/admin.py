"""Enterprises, providers and designations in the admin, written through the services so
that every change is validated, audited and recomputes the figures it moves; enterprises
and providers also import and export spreadsheets (``parks.admin.ServiceImportExportMixin``),
through the same services."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from simple_history.admin import SimpleHistoryAdmin

from parks.admin import ServiceImportExportMixin

from . import services
from .models import Designation, Enterprise, Provider


def _code(obj: Any) -> str | None:
    return None if obj is None else str(obj.code)


@admin.register(Enterprise)
class EnterpriseAdmin(ServiceImportExportMixin, SimpleHistoryAdmin):
    resource_path = "exchange.import_resources.EnterpriseResource"
    list_display = ("uscc", "name", "district", "park", "segment", "is_key", "above_scale")
    list_filter = ("is_key", "above_scale", "segment", "district")
    search_fields = ("uscc", "name", "name_en")
    list_select_related = ("district", "park", "segment")
    autocomplete_fields = ("park",)

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def get_readonly_fields(self, request: HttpRequest, obj: Enterprise | None = None) -> Any:
        return ("uscc",) if obj is not None else ()

    def save_model(self, request: HttpRequest, obj: Enterprise, form: Any, change: bool) -> None:
        if change:
            services.enterprise_update(
                enterprise=Enterprise.objects.get(pk=obj.pk),
                name=obj.name,
                name_en=obj.name_en,
                district=str(obj.district.code),
                park=_code(obj.park),
                segment=str(obj.segment.code),
                is_key=obj.is_key,
                above_scale=obj.above_scale,
                active_from=obj.active_from,
                active_until=obj.active_until,
                contact_email=obj.contact_email,
                by=request.user,
            )
            return
        created = services.enterprise_create(
            uscc=obj.uscc,
            name=obj.name,
            name_en=obj.name_en,
            district=str(obj.district.code),
            park=_code(obj.park),
            segment=str(obj.segment.code),
            is_key=obj.is_key,
            above_scale=obj.above_scale,
            active_from=obj.active_from,
            active_until=obj.active_until,
            contact_email=obj.contact_email,
            by=request.user,
        )
        obj.pk = created.pk


@admin.register(Provider)
class ProviderAdmin(ServiceImportExportMixin, SimpleHistoryAdmin):
    resource_path = "exchange.import_resources.ProviderResource"
    list_display = ("uscc", "name", "district")
    search_fields = ("uscc", "name")
    list_select_related = ("district",)
    filter_horizontal = ("enterprises",)

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: Provider, form: Any, change: bool) -> None:
        fields = {"name": obj.name, "district": obj.district.code, "services": obj.services}
        if change:
            current = Provider.objects.get(pk=obj.pk)
            services.provider_update(provider=current, by=request.user, **fields)
        else:
            created = services.provider_create(uscc=obj.uscc, by=request.user, **fields)
            obj.pk = created.pk

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        provider = Provider.objects.get(pk=form.instance.pk)
        served = [e.uscc for e in form.cleaned_data.get("enterprises", [])]
        services.provider_update(provider=provider, enterprises=served, by=request.user)
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)


@admin.register(Designation)
class DesignationAdmin(SimpleHistoryAdmin):
    list_display = ("kind", "name", "enterprise", "park", "provider", "granted_on", "revoked_on")
    list_filter = ("kind", "granted_on")
    search_fields = ("name", "reference", "enterprise__name", "park__name_zh", "provider__name")
    list_select_related = ("kind", "enterprise", "park", "provider")
    autocomplete_fields = ("enterprise", "park", "provider")
    date_hierarchy = "granted_on"

    def get_readonly_fields(self, request: HttpRequest, obj: Designation | None = None) -> Any:
        # A designation's kind and subject are what it is; correct them by deleting it.
        return ("kind", "enterprise", "park", "provider") if obj is not None else ()

    def save_model(self, request: HttpRequest, obj: Designation, form: Any, change: bool) -> None:
        if change:
            current = Designation.objects.get(pk=obj.pk)
            services.designation_update(
                designation=current,
                name=obj.name,
                reference=obj.reference,
                granted_on=obj.granted_on,
                revoked_on=obj.revoked_on,
                by=request.user,
            )
            return
        created = services.designation_create(
            kind=obj.kind.code,
            granted_on=obj.granted_on,
            enterprise=obj.enterprise.uscc if obj.enterprise else None,
            park=obj.park.code if obj.park else None,
            provider=obj.provider.uscc if obj.provider else None,
            name=obj.name,
            reference=obj.reference,
            revoked_on=obj.revoked_on,
            by=request.user,
        )
        obj.pk = created.pk

    def delete_model(self, request: HttpRequest, obj: Designation) -> None:
        services.designation_delete(designation=obj, by=request.user)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Designation]) -> None:
        for designation in queryset:
            services.designation_delete(designation=designation, by=request.user)
