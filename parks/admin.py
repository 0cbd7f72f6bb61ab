from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import Park


@admin.register(Park)
class ParkAdmin(SimpleHistoryAdmin):
    list_display = ("code", "name_zh", "name_en", "district")
    list_filter = ("district",)
    search_fields = ("code", "name_zh", "name_en")
    list_select_related = ("district",)
