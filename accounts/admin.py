
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from .models import User


@admin.register(User)
class UserAdmin(BaseUserAdmin):  # type: ignore[type-arg]
    list_display = ("username", "role", "enterprise", "park", "is_active")
    list_filter = ("role", "is_active")
    list_select_related = ("enterprise", "park")
    autocomplete_fields = ("enterprise", "park")
    fieldsets = (
        *(BaseUserAdmin.fieldsets or ()),
        (_("Role"), {"fields": ("role", "enterprise", "park")}),
    )
