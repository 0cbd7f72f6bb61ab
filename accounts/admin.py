from typing import Any, cast

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.forms import UserChangeForm
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from .models import ApiToken, User
from .services import token_revoke, user_role_check


def _code(obj: Any, attribute: str) -> str | None:
    return None if obj is None else str(getattr(obj, attribute))


class UserRoleForm(UserChangeForm):  # type: ignore[type-arg]
    """The user's form, its role and what the role belongs to checked by the same rules as
    ``add_user`` (``accounts.services.user_role_check``)."""

    def clean(self) -> dict[str, Any]:
        cleaned: dict[str, Any] = super().clean() or {}
        try:
            user_role_check(
                role=cleaned.get("role") or "",
                enterprise_uscc=_code(cleaned.get("enterprise"), "uscc"),
                park_code=_code(cleaned.get("park"), "code"),
                district_code=_code(cleaned.get("district"), "code"),
            )
        except ValidationError as error:
            for field, messages in error.message_dict.items():
                # The role itself is the form field's choice (blank: a user with no role).
                if field != "role":
                    self.add_error(field if field in self.fields else None, messages)
        return cleaned


@admin.register(User)
class UserAdmin(BaseUserAdmin):  # type: ignore[type-arg]
    form = UserRoleForm
    list_display = ("username", "role", "enterprise", "park", "district", "is_active")
    list_filter = ("role", "is_active")
    list_select_related = ("enterprise", "park", "district")
    autocomplete_fields = ("enterprise", "park", "district")
    fieldsets = (
        *(BaseUserAdmin.fieldsets or ()),
        (_("Role"), {"fields": ("role", "enterprise", "park", "district")}),
    )


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """Officials see every API token and revoke them; keys are never shown (only hashes are
    kept)."""

    list_display = (
        "prefix",
        "user",
        "name",
        "created_at",
        "expires_at",
        "last_used_at",
        "revoked_at",
    )
    list_filter = ("revoked_at",)
    search_fields = ("user__username", "name", "prefix")
    list_select_related = ("user",)
    readonly_fields = (
        "user",
        "name",
        "prefix",
        "created_at",
        "expires_at",
        "last_used_at",
        "revoked_at",
    )
    exclude = ("key_hash",)
    actions = ["revoke"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    @admin.action(description=_("Revoke the selected tokens"))
    def revoke(self, request: HttpRequest, queryset: QuerySet[ApiToken]) -> None:
        for token in queryset:
            token_revoke(token=token, by=cast(User, request.user))
