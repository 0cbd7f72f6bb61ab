"""Progress figures, their series and evidence, and rollup runs (API.md, "Progress ...")."""

from __future__ import annotations

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
from core import policies
from core.api import IdempotentPostMixin, OfficialOnly, PolicyPermission
from core.schema import period_parameter, scope_parameter, server_checks
from parks.selectors import scope_resolve
from targets.fields import PeriodSerializerField
from targets.models import Target
from targets.periods import PeriodError, last_ended_period, period_format, period_parse
from targets.scopes import Scope, ScopeError

from . import selectors, services
from .models import Publication, RollupRun
from .presenters import figure_json, figures_json

ERRORS = {
    400: OpenApiResponse(description="Invalid: {field: [message]}"),
    401: OpenApiResponse(description="Not logged in"),
    403: OpenApiResponse(description="Not allowed for this role or scope"),
    404: OpenApiResponse(description="Not found"),
}


class CanReadProgress(permissions.BasePermission):
    """core.policies.can_read_progress."""

    message = gettext_lazy("Your role cannot see progress figures.")

    def has_permission(self, request: Request, view: APIView) -> bool:
        user = request.user
        return bool(user and user.is_authenticated and policies.can_read_progress(user))


class FigureSerializer(serializers.Serializer):  # type: ignore[type-arg]
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


class FigureListSerializer(serializers.Serializer):  # type: ignore[type-arg]
    results = FigureSerializer(many=True)


class RollupRunSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
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


class RollupCreatedSerializer(serializers.Serializer):  # type: ignore[type-arg]
    id = serializers.IntegerField()


class _ProgressView(APIView):
    permission_classes = [CanReadProgress]

    @property
    def user(self) -> User:
        return self.request.user  # type: ignore[return-value]

    def scope_or_all(self) -> Scope | None:
        """The scope asked for, or None for "all" (every scope the user may see)."""
        if self.request.query_params.get("scope") == "all":
            return None
        return self.scope()

    def scope(self) -> Scope:
        """The scope asked for, checked by the access policy; the user's default scope
        when none is given."""
        text = self.request.query_params.get("scope")
        try:
            scope = scope_resolve(text) if text else policies.default_scope(self.user)
        except ScopeError as error:
            raise exceptions.ValidationError({"scope": [str(error)]}) from error
        if not policies.scope_allowed(self.user, scope):
            if policies.is_district_official(self.user):
                raise exceptions.PermissionDenied(
                    _("You may only see the figures of your own district and its parks.")
                )
            raise exceptions.PermissionDenied(_("You may only see your own park's figures."))
        return scope

    def period_or_latest(self) -> int:
        """The quarter asked for; the last ended one by default."""
        period = self.period()
        return last_ended_period() if period is None else period

    def period(self) -> int | None:
        text = self.request.query_params.get("period")
        if not text:
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


SCOPE_PARAM = scope_parameter("city | district:CODE | park:CODE (default: the user's own)")


class ProgressListView(_ProgressView):
    @extend_schema(
        parameters=[
            period_parameter("YYYYQn; latest when absent"),
            OpenApiParameter("target", OpenApiTypes.STR, description="target code"),
            scope_parameter("city | district:CODE | park:CODE | all", all_scopes=True),
        ],
        responses={200: FigureListSerializer, **ERRORS},
        extensions=server_checks("scope", "target"),
    )
    def get(self, request: Request) -> Response:
        """Figures per target for a quarter and scope (default: the city, latest quarter)."""
        scope = self.scope_or_all()
        period = self.period()
        code = request.query_params.get("target") or None
        if code and not Target.objects.filter(code=code).exists():
            raise exceptions.ValidationError(
                {"target": [_("Unknown target %(code)s.") % {"code": code}]}
            )
        rows = selectors.snapshot_list(user=self.user, scope=scope, period=period, target=code)
        return Response({"results": figures_json(rows)})


class ProgressSeriesView(_ProgressView):
    @extend_schema(
        parameters=[SCOPE_PARAM],
        responses={200: FigureListSerializer, **ERRORS},
        extensions=server_checks("scope"),
    )
    def get(self, request: Request, code: str) -> Response:
        """A target's quarterly series in one scope, for charts."""
        target = self.target(code)
        scope = self.scope()
        rows = selectors.snapshot_series(target=target, scope=scope)
        return Response(
            {
                "target": target.code,
                "scope": str(scope),
                "results": figures_json(rows),
            }
        )


class ProgressEvidenceView(_ProgressView):
    @extend_schema(
        parameters=[period_parameter("YYYYQn; the last ended by default"), SCOPE_PARAM],
        responses={200: OpenApiTypes.OBJECT, **ERRORS},
        extensions=server_checks("scope"),
    )
    def get(self, request: Request, code: str) -> Response:
        """What a figure is made of: designations, de-duplicated items with every report
        that claimed them, or the enterprises' reports and values."""
        target = self.target(code)
        scope = self.scope()
        period = self.period_or_latest()
        return Response(selectors.evidence(target=target, period=period, scope=scope))


class RollupListView(IdempotentPostMixin, APIView):
    permission_classes = [OfficialOnly]

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
        if not policies.can_read_rollups(request.user):
            raise exceptions.PermissionDenied(_("Only officials and analysts see rollup runs."))
        run = selectors.rollup_get(run_id=pk)
        if run is None:
            raise Http404
        return Response(RollupRunSerializer(run).data)


# --- published figures ------------------------------------------------------------------


class CanPublish(PolicyPermission):
    """core.policies.can_publish: officials publish and list publications."""

    message = gettext_lazy("Only officials may publish figures.")
    read = staticmethod(policies.can_publish)
    write = staticmethod(policies.can_publish)


class PublicationSerializer(serializers.Serializer):  # type: ignore[type-arg]
    id = serializers.IntegerField(read_only=True)
    period = PeriodSerializerField(help_text="YYYYQn: a quarter that has ended")
    version = serializers.IntegerField(read_only=True)
    published_at = serializers.DateTimeField(read_only=True)
    published_by = serializers.CharField(read_only=True, source="published_by.username")


class PublicationListSerializer(serializers.Serializer):  # type: ignore[type-arg]
    results = PublicationSerializer(many=True)


class PublicFigureSerializer(FigureSerializer):
    revised = FigureSerializer(
        allow_null=True,
        help_text="null, or the current figure where it differs from the published one "
        "(its computed_at is the date of the revision)",
    )


class PublicProgressSerializer(serializers.Serializer):  # type: ignore[type-arg]
    period = serializers.CharField(help_text="YYYYQn")
    version = serializers.IntegerField()
    published_at = serializers.DateTimeField()
    periods = serializers.ListField(
        child=serializers.CharField(), help_text="every published quarter, oldest first"
    )
    results = PublicFigureSerializer(many=True)


def publication_json(publication: Publication) -> dict[str, object]:
    return dict(PublicationSerializer(publication).data)


class PublicationListView(IdempotentPostMixin, APIView):
    permission_classes = [CanPublish]

    @extend_schema(responses={200: PublicationListSerializer, **ERRORS})
    def get(self, request: Request) -> Response:
        """Every version of every published quarter, newest first."""
        return Response({"results": [publication_json(p) for p in selectors.publication_list()]})

    @extend_schema(
        request=PublicationSerializer,
        responses={201: PublicationSerializer, **ERRORS},
        # A quarter that has ended and whose figures have been computed.
        extensions=server_checks("period"),
    )
    def post(self, request: Request) -> Response:
        """Publish a quarter that has ended: its city figures are frozen as a new version."""
        given = PublicationSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        publication = services.publication_create(
            period=given.validated_data["period"], by=request.user
        )
        return Response(publication_json(publication), status=status.HTTP_201_CREATED)


class PublicProgressView(APIView):
    """No login: the published city figures only."""

    authentication_classes: list[type] = []
    permission_classes = [permissions.AllowAny]

    @extend_schema(
        parameters=[period_parameter("YYYYQn; the latest published when absent")],
        responses={200: PublicProgressSerializer, 400: ERRORS[400], 404: ERRORS[404]},
        auth=[],
    )
    def get(self, request: Request) -> Response:
        """A published quarter's city figures (latest version), each with ``revised``."""
        period = _period_param(request)
        publication = selectors.publication_current(period=period)
        if publication is None:
            raise exceptions.NotFound(_("This quarter has not been published."))
        rows = selectors.published_rows(publications=[publication])
        return Response(
            {
                "period": period_format(publication.period),
                "version": publication.version,
                "published_at": publication.published_at.isoformat(),
                "periods": [period_format(p) for p in selectors.published_periods()],
                "results": [
                    {
                        **figure_json(row.published),
                        "revised": figure_json(row.revision) if row.revision else None,
                    }
                    for row in rows
                ],
            }
        )


def _period_param(request: Request) -> int | None:
    text = request.query_params.get("period")
    if not text:
        return None
    try:
        return period_parse(text)
    except PeriodError as error:
        raise exceptions.ValidationError({"period": [str(error)]}) from error
