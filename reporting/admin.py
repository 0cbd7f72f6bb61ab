from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from .evidence_selectors import download_url
from .models import EvidenceEvent, EvidenceFile, Item, MetricValue, ReminderDigest, Submission


class MetricValueInline(admin.TabularInline):  # type: ignore[type-arg]
    model = MetricValue
    fields = readonly_fields = ("metric", "value", "approved")
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


class ItemInline(admin.TabularInline):  # type: ignore[type-arg]
    model = Item
    fields = readonly_fields = (
        "kind",
        "identifier",
        "identifier_key",
        "title",
        "date",
        "attributes",
        "approved",
    )
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(Submission)
class SubmissionAdmin(SimpleHistoryAdmin):
    """Read-mostly: the workflow (and its audit trail) runs through reporting.services."""

    list_display = [
        "enterprise",
        "period_label",
        "status",
        "version",
        "submitted_at",
        "reviewed_at",
        "late",
    ]
    list_filter = ["status", "late", "period", "enterprise__district", "enterprise__park"]
    search_fields = ["enterprise__name", "enterprise__uscc"]
    list_select_related = ["enterprise"]
    readonly_fields = [
        "enterprise",
        "period",
        "status",
        "version",
        "metrics_data",
        "items_data",
        "created_by",
        "created_at",
        "updated_at",
        "submitted_by",
        "submitted_at",
        "first_submitted_at",
        "reviewed_by",
        "reviewed_at",
        "review_comment",
        "late",
    ]
    inlines = [MetricValueInline, ItemInline]
    history_list_display = ["status", "version"]

    @admin.display(description=_("quarter"), ordering="period")
    def period_label(self, obj: Submission) -> str:
        return obj.period_label

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


class EvidenceEventInline(admin.TabularInline):  # type: ignore[type-arg]
    model = EvidenceEvent
    fields = readonly_fields = ("action", "by", "at", "comment", "version")
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(EvidenceFile)
class EvidenceFileAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """Read-only: files are attached, removed and checked through ``reporting.evidence``
    (each in the audit trail below); an approved report's files cannot be deleted here or
    anywhere. The link goes through the view that checks the access policy, never to the
    storage."""

    list_display = [
        "name",
        "submission",
        "position",
        "content_type",
        "size",
        "uploaded_by",
        "uploaded_at",
        "checked_at",
        "removed_at",
    ]
    list_filter = ["content_type", "kind", "uploaded_at"]
    search_fields = ["name", "sha256", "enterprise__uscc", "enterprise__name"]
    list_select_related = ["submission__enterprise", "uploaded_by"]
    fields = readonly_fields = (
        "download",
        "name",
        "submission",
        "enterprise",
        "position",
        "kind",
        "identifier_key",
        "content_type",
        "size",
        "sha256",
        "uploaded_by",
        "uploaded_at",
        "checked_by",
        "checked_at",
        "removed_by",
        "removed_at",
    )
    inlines = [EvidenceEventInline]

    @admin.display(description=_("file"))
    def download(self, obj: EvidenceFile) -> str:
        return format_html('<a href="{}">{}</a>', download_url(obj), obj.name)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(ReminderDigest)
class ReminderDigestAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["recipient", "week", "sent_at"]
    list_filter = ["week"]
    readonly_fields = ["recipient", "week", "sent_at"]
