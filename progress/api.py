"""Progress figures, their series and evidence, and rollup runs (API.md, "Progress ...")."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, permissions, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import User
from config.api import IdempotentPostMixin, IsOfficial
from targets.models import Target
from targets.periods import PeriodError, last_ended_period, period_format, period_parse

from . import selectors, services
from .models import RollupRun, Snapshot

ERRORS = {
    400: OpenApiResponse(description="Invalid: {field: [message]}"),
    401: OpenApiResponse(description="Not logged in"),
    403: OpenApiResponse(description="Not allowed for this role or scope"),
    404: OpenApiResponse(description="Not found"),
}
INTEGER_KINDS = frozenset(Target.CUMULATIVE_KINDS - {"flow_sum"} | {"flag_latest_count"})


class CanReadProgress(permissions.BasePermission):
    """Officials and analysts read every scope, park managers their park; reporters nothing."""

    message = gettext_lazy("Your role cannot see progress figures.")

    def has_permission(self, request: Request, view: APIView) -> bool:
        user = request.user
        if not (user and user.is_authenticated):
            return False
        return bool(user.sees_everything or user.is_park_manager)  # type: ignore[union-attr]


class FigureSerializer(serializers.Serializer):
    """Schema only: figures are rendered by ``figure_json`` for speed."""

    target = serializers.CharField()
    period = serializers.CharField(help_text="YYYYQn")
    scope = serializers.CharField()
    actual = serializers.FloatField()
    planned = serializers.FloatField(allow_null=True)
    target_value = serializers.FloatField(allow_null=True)
    percent_of_target = serializers.FloatField(allow_null=True)
    status = serializers.CharField(allow_null=True)
    projected_at_deadline = serializers.FloatField(allow_null=True)
    projected_attainment = serializers.CharField(allow_null=True, help_text="YYYYQn")
    share_of_city = serializers.FloatField(allow_null=True)
    computed_at = serializers.DateTimeField()


class FigureListSerializer(serializers.Serializer):
    results = FigureSerializer(many=True)


class RollupRunSerializer(serializers.ModelSerializer):
    from_period = serializers.SerializerMethodField()

    class Meta:
        model = RollupRun
        fields = [
            "id",
            "status",
            "kind",
            "from_period",
            "requested_at",
            "started_at",
            "finished_at",
            "snapshots_written",
            "error",
        ]

    def get_from_period(self, run: RollupRun) -> str | None:
        return period_format(run.from_period) if run.from_period is not None else None


class RollupCreatedSerializer(serializers.Serializer):
    id = serializers.IntegerField()


def number(value: Decimal | None, *, whole: bool = False) -> int | float | None:
    """A Decimal as a JSON number: whole counts as integers, the rest keep their digits."""
    if value is None:
        return None
    if whole or value == value.to_integral_value():
        return int(value)
    return float(value)


def figure_json(snapshot: Snapshot) -> dict[str, Any]:
    target = snapshot.target
    kind = target.rule_kind
    is_share = kind == Target.RuleKind.FLAG_LATEST_SHARE
    return {
        "target": target.code,
        "period": period_format(snapshot.period),
        "scope": snapshot.scope,
        "actual": float(snapshot.actual)
        if is_share
        else number(snapshot.actual, whole=kind in INTEGER_KINDS),
        "planned": _decimal(snapshot.planned),
        "target_value": number(snapshot.target_value),
        "percent_of_target": _decimal(snapshot.percent_of_target),
        "status": snapshot.status,
        "projected_at_deadline": _decimal(snapshot.projected_at_deadline),
        "projected_attainment": (
            period_format(snapshot.projected_attainment)
            if snapshot.projected_attainment is not None
            else None
        ),
        "share_of_city": _decimal(snapshot.share_of_city),
        "computed_at": snapshot.computed_at.isoformat(),
    }


def _decimal(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


class _ProgressView(APIView):
    permission_classes = [CanReadProgress]

    @property
    def user(self) -> User:
        return self.request.user  # type: ignore[return-value]

    def scope(self, *, allow_all: bool = False) -> str:
        try:
            scope = selectors.scope_parse(self.request.query_params.get("scope"), user=self.user)
        except selectors.ScopeError as error:
            raise exceptions.ValidationError({"scope": [str(error)]}) from error
        if scope == "all" and not allow_all:
            raise exceptions.ValidationError({"scope": [_("Choose one scope here.")]})
        if not selectors.scope_allowed(user=self.user, scope=scope):
            raise exceptions.PermissionDenied(_("You may only see your own park's figures."))
        return scope

    def period(self, *, required: bool = False) -> int | None:
        text = self.request.query_params.get("period")
        if not text:
            if required:
                return last_ended_period()
            return None
        try:
            return period_parse(text)
        except PeriodError as error:
            raise exceptions.ValidationError({"period": [str(error)]}) from error

    def target(self, code: str) -> Target:
        target = Target.objects.filter(code=code).first()
        if target is None:
            raise Http404
        return target


SCOPE_PARAM = OpenApiParameter(
    "scope", OpenApiTypes.STR, description="city | district:CODE | park:CODE | all"
)


class ProgressListView(_ProgressView):
    @extend_schema(
        parameters=[
            OpenApiParameter("period", OpenApiTypes.STR, description="YYYYQn; latest when absent"),
            OpenApiParameter("target", OpenApiTypes.STR, description="target code"),
            SCOPE_PARAM,
        ],
        responses={200: FigureListSerializer, **ERRORS},
    )
    def get(self, request: Request) -> Response:
        """Figures per target for a quarter and scope (default: the city, latest quarter)."""
        scope = self.scope(allow_all=True)
        period = self.period()
        code = request.query_params.get("target") or None
        if code and not Target.objects.filter(code=code).exists():
            raise exceptions.ValidationError(
                {"target": [_("Unknown target %(code)s.") % {"code": code}]}
            )
        rows = selectors.snapshot_list(user=self.user, scope=scope, period=period, target=code)
        return Response({"results": [figure_json(row) for row in rows]})


class ProgressSeriesView(_ProgressView):
    @extend_schema(parameters=[SCOPE_PARAM], responses={200: FigureListSerializer, **ERRORS})
    def get(self, request: Request, code: str) -> Response:
        """A target's quarterly series in one scope, for charts."""
        target = self.target(code)
        scope = self.scope()
        rows = selectors.snapshot_series(target=target, scope=scope).select_related("target")
        return Response(
            {"target": target.code, "scope": scope, "results": [figure_json(row) for row in rows]}
        )


class ProgressEvidenceView(_ProgressView):
    @extend_schema(
        parameters=[OpenApiParameter("period", OpenApiTypes.STR), SCOPE_PARAM],
        responses={200: OpenApiTypes.OBJECT, **ERRORS},
    )
    def get(self, request: Request, code: str) -> Response:
        """What a figure is made of: designations, de-duplicated items with every report
        that claimed them, or the enterprises' reports and values."""
        target = self.target(code)
        scope = self.scope()
        period = self.period(required=True)
        assert period is not None
        return Response(selectors.evidence(target=target, period=period, scope=scope))


class RollupListView(IdempotentPostMixin, APIView):
    permission_classes = [IsOfficial]

    @extend_schema(request=None, responses={202: RollupCreatedSerializer, **ERRORS})
    def post(self, request: Request) -> Response:
        """Schedule a full rebuild of every figure."""
        run = services.rollup_request(from_period=None, by=request.user)
        return Response({"id": run.pk}, status=status.HTTP_202_ACCEPTED)


class RollupDetailView(APIView):
    permission_classes = [CanReadProgress]

    @extend_schema(responses={200: RollupRunSerializer, **ERRORS})
    def get(self, request: Request, pk: int) -> Response:
        """A rollup run and how it went."""
        if not request.user.sees_everything:  # type: ignore[union-attr]
            raise exceptions.PermissionDenied(_("Only officials and analysts see rollup runs."))
        run = selectors.rollup_get(run_id=pk)
        if run is None:
            raise Http404
        return Response(RollupRunSerializer(run).data)
