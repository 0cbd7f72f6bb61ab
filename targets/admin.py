from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import DesignationKind, District, ItemKind, Metric, Milestone, Plan, Segment, Target


class MilestoneInline(admin.TabularInline):
    model = Milestone
    extra = 0


@admin.register(Target)
class TargetAdmin(SimpleHistoryAdmin):
    list_display = ("code", "name", "plan", "comparator", "value", "counts_from", "deadline")
    list_filter = ("plan", "group", "comparator")
    search_fields = ("code", "name_zh", "name_en")
    list_select_related = ("plan",)
    readonly_fields = ("code",)
    inlines = [MilestoneInline]
    history_list_display = ["value", "deadline", "baseline_value"]


@admin.register(Milestone)
class MilestoneAdmin(SimpleHistoryAdmin):
    list_display = ("target", "date", "value")
    list_select_related = ("target",)


@admin.register(Plan)
class PlanAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "document_no", "period_start", "period_end", "level")


@admin.register(Metric)
class MetricAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "type", "semantics", "group", "min_value", "max_value")
    list_filter = ("type", "semantics", "group")


@admin.register(District)
class DistrictAdmin(admin.ModelAdmin):
    list_display = ("code", "name_zh", "name_en")
    search_fields = ("code", "name_zh", "name_en")


@admin.register(Segment)
class SegmentAdmin(admin.ModelAdmin):
    list_display = ("code", "name_zh", "name_en")


@admin.register(ItemKind)
class ItemKindAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "dedupe")


@admin.register(DesignationKind)
class DesignationKindAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "subject")
