"""The catalogue in the admin. Edits of targets and milestones go through
``targets.services`` (validated, audited, and the target's figures recomputed)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest
from simple_history.admin import SimpleHistoryAdmin

from . import services
from .models import DesignationKind, District, ItemKind, Metric, Milestone, Plan, Segment, Target
from .rules import rule_parse


class TargetForm(forms.ModelForm):  # type: ignore[type-arg]
    class Meta:
        model = Target
        fields = [
            "plan",
            "group",
            "name_zh",
            "name_en",
            "unit_zh",
            "unit_en",
            "comparator",
            "value",
            "counts_from",
            "deadline",
            "baseline_date",
            "baseline_value",
            "rule",
        ]

    def clean_rule(self) -> Any:
        rule = self.cleaned_data["rule"]
        try:
            rule_parse(rule)
        except ValidationError as error:
            raise ValidationError(error.message_dict["rule"]) from error
        return rule


class MilestoneInline(admin.TabularInline):  # type: ignore[type-arg]
    model = Milestone
    extra = 0


@admin.register(Target)
class TargetAdmin(SimpleHistoryAdmin):
    form = TargetForm
    list_display = ("code", "name", "plan", "comparator", "value", "counts_from", "deadline")
    list_filter = ("plan", "group", "comparator")
    search_fields = ("code", "name_zh", "name_en")
    list_select_related = ("plan",)
    readonly_fields = ("code",)
    inlines = [MilestoneInline]
    history_list_display = ["value", "deadline", "baseline_value"]

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: Target, form: Any, change: bool) -> None:
        services.target_save(target=obj, by=request.user)

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        milestones = formset.save(commit=False)
        for milestone in formset.deleted_objects:
            services.milestone_delete(milestone=milestone, by=request.user)
        for milestone in milestones:
            services.milestone_save(milestone=milestone, by=request.user)
        formset.save_m2m()


@admin.register(Milestone)
class MilestoneAdmin(SimpleHistoryAdmin):
    list_display = ("target", "date", "value")
    list_select_related = ("target",)

    def save_model(self, request: HttpRequest, obj: Milestone, form: Any, change: bool) -> None:
        services.milestone_save(milestone=obj, by=request.user)

    def delete_model(self, request: HttpRequest, obj: Milestone) -> None:
        services.milestone_delete(milestone=obj, by=request.user)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Milestone]) -> None:
        for milestone in queryset.select_related("target"):
            services.milestone_delete(milestone=milestone, by=request.user)


@admin.register(Plan)
class PlanAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("code", "name", "document_no", "period_start", "period_end", "level")


@admin.register(Metric)
class MetricAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("code", "name", "type", "semantics", "group", "min_value", "max_value")
    list_filter = ("type", "semantics", "group")


@admin.register(District)
class DistrictAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("code", "name_zh", "name_en")
    search_fields = ("code", "name_zh", "name_en")


@admin.register(Segment)
class SegmentAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("code", "name_zh", "name_en")


@admin.register(ItemKind)
class ItemKindAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("code", "name", "dedupe")


@admin.register(DesignationKind)
class DesignationKindAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("code", "name", "subject")
