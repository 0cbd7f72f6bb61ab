from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from simple_history.admin import SimpleHistoryAdmin

from . import services
from .models import Park


@admin.register(Park)
class ParkAdmin(SimpleHistoryAdmin):
    list_display = ("code", "name_zh", "name_en", "district")
    list_filter = ("district",)
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
                by=request.user,
            )
            obj.pk = created.pk
            return
        services.park_update(
            park=obj,
            name_zh=obj.name_zh,
            name_en=obj.name_en,
            district=obj.district,
            by=request.user,
        )
