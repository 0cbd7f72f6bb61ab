"""The catalogue in the admin. Edits of targets and milestones go through
``targets.services`` (validated, audited, and the target's figures recomputed)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from . import services
from .models import (
    Allocation,
    DesignationKind,
    District,
    ItemKind,
    Metric,
    Milestone,
    Plan,
    Segment,
    Target,
)
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


class AllocationForm(forms.ModelForm):  # type: ignore[type-arg]
    """An allocation checked by the service's own rules before the admin saves it; its
    milestones as JSON: ``[{"date": "2025-06-30", "value": 4}]`` (empty: the city's,
    scaled)."""

    class Meta:
        model = Allocation
        fields = ["target", "scope", "value", "milestones"]
        help_texts = {
            "scope": _("district:CODE or park:CODE"),
            "milestones": _(
                'Optional, as [{"date": "2025-06-30", "value": 4}]; leave [] to scale the '
                "city's milestones by the allocated value."
            ),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:  # the target and the scope stay; delete and allocate anew
            self.fields["target"].disabled = True
            self.fields["scope"].disabled = True

    def clean(self) -> dict[str, Any]:
        data: dict[str, Any] = super().clean() or {}
        target, value = data.get("target"), data.get("value")
        milestones = _milestone_pairs(data.get("milestones"), self)
        if not self.instance.pk and data.get("scope"):
            try:
                data["scope"] = str(services.allocation_scope_check(data["scope"]))
            except ValidationError as error:
                self.add_error("scope", error.message_dict["scope"])
        if target is not None and value is not None and milestones is not None:
            try:
                services.allocation_validate(target=target, value=value, milestones=milestones)
            except ValidationError as error:
                for field, messages in error.message_dict.items():
                    self.add_error(field, messages)
        data["milestone_pairs"] = milestones or []
        return data


def _milestone_pairs(raw: Any, form: forms.ModelForm) -> list[tuple[dt.date, Any]] | None:  # type: ignore[type-arg]
    """The JSON list as (date, value) pairs; None (and an error on the field) when its
    shape is wrong."""
    if raw in (None, ""):
        return []
    message = _('Write the milestones as [{"date": "YYYY-MM-DD", "value": 4}, ...].')
    if not isinstance(raw, list):
        form.add_error("milestones", message)
        return None
    pairs = []
    for entry in raw:
        try:
            day = dt.date.fromisoformat(str(entry["date"]))
            value = entry["value"]
        except (KeyError, TypeError, ValueError):
            form.add_error("milestones", message)
            return None
        pairs.append((day, value))
    return pairs


@admin.register(Allocation)
class AllocationAdmin(SimpleHistoryAdmin):
    """Allocations through ``targets.services``: validated, audited, and the target's
    figures recomputed."""

    form = AllocationForm
    list_display = ("target", "scope", "value", "has_own_milestones")
    list_filter = ("target",)
    search_fields = ("target__code", "scope")
    list_select_related = ("target",)
    history_list_display = ["value", "milestones"]

    @admin.display(boolean=True, description=_("own milestones"))
    def has_own_milestones(self, obj: Allocation) -> bool:
        return obj.has_own_milestones

    def save_model(self, request: HttpRequest, obj: Allocation, form: Any, change: bool) -> None:
        pairs = form.cleaned_data["milestone_pairs"]
        if change:
            saved = services.allocation_update(
                allocation=obj, value=obj.value, milestones=pairs, by=request.user
            )
        else:
            saved = services.allocation_create(
                target=obj.target,
                scope=obj.scope,
                value=obj.value,
                milestones=pairs,
                by=request.user,
            )
        obj.pk, obj.milestones = saved.pk, saved.milestones

    def delete_model(self, request: HttpRequest, obj: Allocation) -> None:
        services.allocation_delete(allocation=obj, by=request.user)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Allocation]) -> None:
        for allocation in queryset.select_related("target"):
            services.allocation_delete(allocation=allocation, by=request.user)


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

    def get_readonly_fields(self, request: HttpRequest, obj: District | None = None) -> Any:
        # Parks, enterprises, users, allocations and figures refer to a district by its code.
        return ("code",) if obj is not None else ()


@admin.register(Segment)
class SegmentAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("code", "name_zh", "name_en")


@admin.register(ItemKind)
class ItemKindAdmin(SimpleHistoryAdmin):
    """Item kinds; whether an item needs an evidence file is the officials' rule to change
    (through ``targets.services``: the history keeps who and when)."""

    list_display = ("code", "name", "dedupe", "evidence_required")
    list_editable = ("evidence_required",)
    history_list_display = ["evidence_required"]

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: ItemKind, form: Any, change: bool) -> None:
        services.item_kind_save(kind=obj, by=request.user)


@admin.register(DesignationKind)
class DesignationKindAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("code", "name", "subject")
