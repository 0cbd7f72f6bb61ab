from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import Designation, Enterprise, Provider


@admin.register(Enterprise)
class EnterpriseAdmin(SimpleHistoryAdmin):
    list_display = ("uscc", "name", "district", "park", "segment", "is_key", "above_scale")
    list_filter = ("is_key", "above_scale", "segment", "district")
    search_fields = ("uscc", "name", "name_en")
    list_select_related = ("district", "park", "segment")
    autocomplete_fields = ("park",)

    def save_model(self, request, obj, form, change):  # type: ignore[no-untyped-def]
        from django.db import transaction

        from progress.services import rollup_request

        super().save_model(request, obj, form, change)
        # An enterprise's district, park, flags and activity feed every scope and share.
        transaction.on_commit(lambda: rollup_request(from_period=None))


@admin.register(Provider)
class ProviderAdmin(SimpleHistoryAdmin):
    list_display = ("uscc", "name", "district")
    search_fields = ("uscc", "name")
    list_select_related = ("district",)
    filter_horizontal = ("enterprises",)


@admin.register(Designation)
class DesignationAdmin(SimpleHistoryAdmin):
    list_display = ("kind", "name", "enterprise", "park", "provider", "granted_on", "revoked_on")
    list_filter = ("kind", "granted_on")
    search_fields = ("name", "reference", "enterprise__name", "park__name_zh", "provider__name")
    list_select_related = ("kind", "enterprise", "park", "provider")
    autocomplete_fields = ("enterprise", "park", "provider")
    date_hierarchy = "granted_on"

    def save_model(self, request, obj, form, change):  # type: ignore[no-untyped-def]
        from progress.services import rollup_request
        from targets.periods import period_of

        super().save_model(request, obj, form, change)
        rollup_request(from_period=period_of(min(obj.granted_on, obj.revoked_on or obj.granted_on)))
