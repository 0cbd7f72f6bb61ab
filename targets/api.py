from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers, viewsets
from rest_framework.permissions import IsAuthenticated

from .models import DesignationKind, District, ItemKind, Metric, Plan, Segment, Target
from .selectors import metric_list, target_list

_READ_ERRORS = {401: None, 404: None}


class DistrictSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    name = serializers.CharField(source="name_zh")

    class Meta:
        model = District
        fields = ["code", "name", "name_en"]


class SegmentSerializer(DistrictSerializer):
    class Meta:
        model = Segment
        fields = ["code", "name", "name_en"]


class PlanSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    name = serializers.CharField(source="name_zh")

    class Meta:
        model = Plan
        fields = [
            "code",
            "name",
            "name_en",
            "issuer_zh",
            "document_no",
            "issued_on",
            "period_start",
            "period_end",
            "level",
            "source",
        ]


class MetricSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    name = serializers.CharField(source="name_zh")
    unit = serializers.CharField(source="unit_zh")
    min = serializers.DecimalField(
        source="min_value", max_digits=20, decimal_places=4, allow_null=True
    )
    max = serializers.DecimalField(
        source="max_value", max_digits=20, decimal_places=4, allow_null=True
    )

    class Meta:
        model = Metric
        fields = [
            "code",
            "type",
            "semantics",
            "group",
            "min",
            "max",
            "unit",
            "unit_en",
            "name",
            "name_en",
        ]


class ItemKindSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    name = serializers.CharField(source="name_zh")

    class Meta:
        model = ItemKind
        fields = [
            "code",
            "dedupe",
            "name",
            "name_en",
            "identifier_label_zh",
            "identifier_label_en",
            "attributes",
            "evidence_required",
        ]


class DesignationKindSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    name = serializers.CharField(source="name_zh")

    class Meta:
        model = DesignationKind
        fields = ["code", "subject", "name", "name_en"]


class MilestoneSerializer(serializers.Serializer):  # type: ignore[type-arg]
    date = serializers.DateField()
    value = serializers.FloatField()


class TargetSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    plan = serializers.SlugRelatedField(slug_field="code", read_only=True)
    name = serializers.CharField(source="name_zh")
    unit = serializers.CharField(source="unit_zh")
    value = serializers.FloatField()
    baseline = serializers.SerializerMethodField()
    milestones = MilestoneSerializer(many=True)

    class Meta:
        model = Target
        fields = [
            "code",
            "plan",
            "group",
            "name",
            "name_en",
            "unit",
            "unit_en",
            "comparator",
            "value",
            "counts_from",
            "deadline",
            "baseline",
            "milestones",
            "rule",
        ]

    def get_baseline(self, target: Target) -> dict[str, Any]:
        return target.baseline_as_json()


class _CatalogueViewSet(viewsets.ReadOnlyModelViewSet):  # type: ignore[type-arg]
    lookup_field = "code"
    lookup_value_regex = "[^/]+"
    permission_classes = [IsAuthenticated]


@extend_schema_view(
    list=extend_schema(responses={200: DistrictSerializer(many=True), **_READ_ERRORS})
)
class DistrictViewSet(_CatalogueViewSet):
    """Shanghai's districts."""

    queryset = District.objects.all()
    serializer_class = DistrictSerializer


class SegmentViewSet(_CatalogueViewSet):
    """Industry segments."""

    queryset = Segment.objects.all()
    serializer_class = SegmentSerializer


class PlanViewSet(_CatalogueViewSet):
    """The plans whose targets are tracked."""

    queryset = Plan.objects.all()
    serializer_class = PlanSerializer


class MetricViewSet(_CatalogueViewSet):
    """The metrics every quarterly report holds."""

    queryset = metric_list()
    serializer_class = MetricSerializer
    filterset_fields = ["type", "semantics", "group"]


class ItemKindViewSet(_CatalogueViewSet):
    """Kinds of itemised achievements."""

    queryset = ItemKind.objects.all()
    serializer_class = ItemKindSerializer


class DesignationKindViewSet(_CatalogueViewSet):
    """Kinds of designations officials grant."""

    queryset = DesignationKind.objects.all()
    serializer_class = DesignationKindSerializer


class TargetViewSet(_CatalogueViewSet):
    """The plans' numeric targets, with baseline, milestones and the rule that computes them."""

    queryset = target_list()
    serializer_class = TargetSerializer
    filterset_fields = {"plan__code": ["exact"], "group": ["exact"], "comparator": ["exact"]}
