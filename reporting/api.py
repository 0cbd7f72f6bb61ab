"""Quarterly reports over JSON (API.md "Quarterly reports"): shape checks, one service, reply."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict
from decimal import Decimal
from typing import Any, TypeVar

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
)
from rest_framework import exceptions, mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import User
from core import policies
from core.api import Conflict, IdempotentPostMixin, PolicyPermission
from core.parsers import JSONParser
from core.schema import ERRORS, period_parameter, scope_parameter, server_checks
from enterprises.models import Enterprise
from enterprises.uscc import uscc_normalise
from parks.selectors import scope_resolve
from targets.fields import PeriodSerializerField
from targets.models import Metric
from targets.periods import PeriodError, period_format, period_parse
from targets.scopes import ScopeError

from . import evidence_selectors, selectors, services
from .evidence_api import EvidenceFileSerializer
from .filters import SubmissionFilter
from .models import Submission
from .outliers import outlier_flags
from .validation import metric_from_json

CONFLICT = {
    409: OpenApiResponse(
        description="Conflict: {detail, id} for a duplicate quarter, {detail, version} for a "
        "stale version, {detail} when the action does not apply to the current status"
    )
}
T = TypeVar("T")


# --- serializers ------------------------------------------------------------------------


class _StrictSerializer(serializers.Serializer):  # type: ignore[type-arg]
    """Refuses fields it does not know instead of silently dropping them (mass assignment)."""

    refuses_unknown_fields = True  # the schema says additionalProperties: false

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, dict):
            unknown = sorted(set(data) - set(self.fields) - self.tolerated(data))
            if unknown:
                raise exceptions.ValidationError(
                    {name: [_("This field cannot be set here.")] for name in unknown}
                )
        return super().to_internal_value(data)

    def tolerated(self, data: dict[str, Any]) -> set[str]:
        return set()


# What the schema says of a report's items and metric values; the server checks the rest
# against the catalogue (x-server-checks): known kinds and codes, each metric's type and
# range, dates within the quarter, no item twice.
ITEM_SCHEMA = {
    "type": "object",
    "additionalProperties": False,
    "required": ["kind", "identifier", "date"],
    "properties": {
        "kind": {
            "type": "string",
            "minLength": 1,
            "maxLength": 50,
            "description": "An item kind's code (GET /api/v1/item-kinds/)",
        },
        "identifier": {"type": "string", "minLength": 1, "maxLength": 200},
        "title": {"type": "string", "maxLength": 300},
        "date": {"type": "string", "format": "date", "description": "Not after the quarter"},
        "attributes": {
            "type": "object",
            "additionalProperties": {"type": "string", "nullable": True},
            "description": "The kind's attributes (GET /api/v1/item-kinds/), by name",
        },
        "evidence_url": {"type": "string", "format": "uri", "maxLength": 500},
    },
}
METRIC_VALUE_SCHEMA = {
    "anyOf": [
        {"type": "number"},
        {"type": "boolean"},
        {"type": "string", "maxLength": 40, "description": "A number written as text"},
    ],
    "nullable": True,
}


@extend_schema_field(
    {
        "type": "array",
        "maxItems": 500,
        "items": ITEM_SCHEMA,
        "description": "Itemised achievements, at most 500",
    }
)
class ItemsField(serializers.ListField):
    pass


@extend_schema_field(
    {
        "type": "object",
        "additionalProperties": METRIC_VALUE_SCHEMA,
        "description": "Values by metric code (GET /api/v1/metrics/); null or absent: not reported",
    }
)
class MetricsField(serializers.DictField):
    pass


class SubmissionWriteSerializer(_StrictSerializer):
    enterprise = serializers.CharField(
        required=False, help_text=gettext_lazy("USCC; a reporter's own enterprise by default")
    )
    period = PeriodSerializerField(help_text=gettext_lazy("Quarter as YYYYQn, e.g. 2024Q1"))
    metrics = MetricsField(child=serializers.JSONField(), required=False, default=dict)
    items = ItemsField(child=serializers.JSONField(), required=False, default=list)


class SubmissionUpdateSerializer(SubmissionWriteSerializer):
    """PUT: the full body plus the version last read; echoed read-only fields must match."""

    period = PeriodSerializerField(required=False)
    version = serializers.IntegerField(min_value=1)

    def tolerated(self, data: dict[str, Any]) -> set[str]:
        current = self.context.get("current") or {}
        return {
            name for name in READ_ONLY_FIELDS if name in data and data[name] == current.get(name)
        }


class CommentSerializer(_StrictSerializer):
    comment = serializers.CharField(required=False, allow_blank=True, default="")
    version = serializers.IntegerField(required=False, min_value=1)


class VersionSerializer(_StrictSerializer):
    version = serializers.IntegerField(required=False, min_value=1)


class SubmissionSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    enterprise = serializers.CharField(source="enterprise.uscc")
    enterprise_name = serializers.CharField(source="enterprise.name")
    period = serializers.SerializerMethodField()
    metrics = serializers.SerializerMethodField()
    items = serializers.SerializerMethodField()

    class Meta:
        model = Submission
        fields = [
            "id",
            "enterprise",
            "enterprise_name",
            "period",
            "metrics",
            "items",
            "status",
            "version",
            "submitted_at",
            "prereviewed_at",
            "reviewed_at",
            "review_comment",
            "late",
        ]
        read_only_fields = fields

    def get_period(self, obj: Submission) -> str:
        return period_format(obj.period)

    @extend_schema_field(serializers.ListField(child=serializers.DictField()))
    def get_items(self, obj: Submission) -> list[dict[str, Any]]:
        """The items as entered, each with ``files``: its evidence files the user may open
        (API.md "Evidence files")."""
        request = self.context.get("request")
        user = getattr(request, "user", None)
        files = evidence_selectors.evidence_by_item(user=user, submission=obj) if user else {}
        return [
            {**item, "files": EvidenceFileSerializer(files.get(index, []), many=True).data}
            for index, item in enumerate(obj.items_data or [])
        ]

    @extend_schema_field(OpenApiTypes.OBJECT)
    def get_metrics(self, obj: Submission) -> dict[str, Any]:
        types: dict[str, str] = self.context.get("metric_types") or metric_types()
        return {
            code: _json_number(metric_from_json(value, types.get(code, Metric.Type.DECIMAL)))
            for code, value in (obj.metrics_data or {}).items()
        }


def _json_number(value: Any) -> Any:
    """Decimals as plain JSON numbers (12, 3.5), also in replayed idempotent answers."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


READ_ONLY_FIELDS = (
    "id",
    "enterprise_name",
    "status",
    "submitted_at",
    "prereviewed_at",
    "reviewed_at",
    "review_comment",
    "late",
)


class HistoryChangeSerializer(serializers.Serializer):  # type: ignore[type-arg]
    field = serializers.CharField()
    old = serializers.JSONField(allow_null=True)
    new = serializers.JSONField(allow_null=True)


class HistoryEntrySerializer(serializers.Serializer):  # type: ignore[type-arg]
    at = serializers.DateTimeField()
    by = serializers.CharField(allow_null=True)
    action = serializers.CharField()
    comment = serializers.CharField(allow_blank=True)
    version = serializers.IntegerField()
    changes = HistoryChangeSerializer(many=True)


class FlagSerializer(serializers.Serializer):  # type: ignore[type-arg]
    metric = serializers.CharField()
    rule = serializers.ChoiceField(choices=["history", "peers"])
    value = serializers.FloatField()
    message = serializers.CharField()


class MetricComparisonSerializer(serializers.Serializer):  # type: ignore[type-arg]
    code = serializers.CharField()
    name = serializers.CharField()
    type = serializers.CharField()
    previous = serializers.JSONField(allow_null=True)
    current = serializers.JSONField(allow_null=True)
    delta = serializers.FloatField(allow_null=True)
    changed = serializers.BooleanField()

    def to_representation(self, instance: Any) -> Any:
        data = super().to_representation(instance)
        data["previous"] = _json_number(instance["previous"])
        data["current"] = _json_number(instance["current"])
        return data


class ReviewAidSerializer(serializers.Serializer):  # type: ignore[type-arg]
    flags = FlagSerializer(many=True)
    previous_id = serializers.IntegerField(allow_null=True)
    previous_period = serializers.CharField(allow_null=True)
    metrics = MetricComparisonSerializer(many=True)


class MissingEnterpriseSerializer(serializers.Serializer):  # type: ignore[type-arg]
    uscc = serializers.CharField()
    name = serializers.CharField()


class CompletenessSerializer(serializers.Serializer):  # type: ignore[type-arg]
    period = serializers.CharField()
    scope = serializers.CharField()
    active = serializers.IntegerField()
    submitted = serializers.IntegerField()
    pre_approved = serializers.IntegerField()
    approved = serializers.IntegerField()
    returned = serializers.IntegerField()
    overdue = serializers.IntegerField()
    late = serializers.IntegerField()
    due_on = serializers.DateField()
    missing = MissingEnterpriseSerializer(many=True)


def metric_types() -> dict[str, str]:
    return dict(Metric.objects.values_list("code", "type"))


# --- permissions ------------------------------------------------------------------------


class ReportWriters(PolicyPermission):
    """Reports: the roles that may write reports write (core.policies.can_create_reports);
    which report, and which action, the services decide."""

    message = gettext_lazy(
        "Only enterprise reporters, officials and pre-reviewing park managers may change reports."
    )
    write = staticmethod(policies.can_create_reports)

    # Park managers pre-review (pre-approve and return) their park's reports; which report
    # and whether their park pre-reviews, the service decides.
    pre_review_actions = frozenset({"pre_approve", "return_"})

    def has_permission(self, request: Request, view: APIView) -> bool:
        if getattr(view, "action", None) in self.pre_review_actions:
            user = request.user
            return bool(
                user
                and user.is_authenticated
                and (policies.can_open_review_queue(user) or policies.can_create_reports(user))
            )
        return super().has_permission(request, view)


def _service_call(function: Callable[..., T], **kwargs: Any) -> T:
    """Run one service, turning its workflow errors into 409 answers."""
    try:
        return function(**kwargs)
    except services.SubmissionExists as error:
        raise Conflict(str(error), extra={"id": error.existing_id}) from error
    except services.StaleVersion as error:
        raise Conflict(str(error), extra={"version": error.current_version}) from error
    except services.TransitionNotAllowed as error:
        raise Conflict(str(error)) from error


# --- views ------------------------------------------------------------------------------


class SubmissionViewSet(
    IdempotentPostMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet[Any],
):
    """Quarterly self-reports and their workflow. Others' reports answer 404."""

    serializer_class = SubmissionSerializer
    permission_classes = [ReportWriters]
    parser_classes = [JSONParser]
    http_method_names = ["get", "post", "put", "head", "options"]
    queryset = Submission.objects.none()
    filterset_class = SubmissionFilter

    @property
    def user(self) -> User:
        return self.request.user  # type: ignore[return-value]

    def get_queryset(self) -> Any:
        if getattr(self, "swagger_fake_view", False):
            return Submission.objects.none()
        return (
            selectors.submission_list(user=self.user)
            .prefetch_related(evidence_selectors.current_evidence_prefetch())
            .order_by("-period", "enterprise__uscc")
        )

    def get_serializer_context(self) -> dict[str, Any]:
        context = super().get_serializer_context()
        context["metric_types"] = metric_types()
        return context

    def _reply(self, submission: Submission, code: int = status.HTTP_200_OK) -> Response:
        return Response(self.get_serializer(submission).data, status=code)

    @extend_schema(
        parameters=[
            period_parameter(),
            OpenApiParameter("late", str, enum=["true", "false", "1", "0", "yes", "no"]),
        ],
        responses={200: SubmissionSerializer(many=True), **ERRORS},
        extensions=server_checks("district", "park"),
    )
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().list(request, *args, **kwargs)

    @extend_schema(responses={200: SubmissionSerializer, **ERRORS})
    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().retrieve(request, *args, **kwargs)

    @extend_schema(
        request=SubmissionWriteSerializer,
        responses={201: SubmissionSerializer, **ERRORS, **CONFLICT},
        extensions=server_checks("enterprise", "period", "metrics", "items"),
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        body = SubmissionWriteSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        submission = _service_call(
            services.submission_create,
            enterprise=self._enterprise(data.get("enterprise")),
            period=data["period"],
            metrics=data["metrics"],
            items=data["items"],
            by=self.user,
        )
        return self._reply(submission, status.HTTP_201_CREATED)

    @extend_schema(
        request=SubmissionUpdateSerializer,
        responses={200: SubmissionSerializer, **ERRORS, **CONFLICT},
        extensions=server_checks("enterprise", "period", "metrics", "items"),
    )
    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        submission = self.get_object()
        current = self.get_serializer(submission).data
        body = SubmissionUpdateSerializer(data=request.data, context={"current": current})
        body.is_valid(raise_exception=True)
        data = body.validated_data
        self._same_report(submission, data)
        submission = _service_call(
            services.submission_update,
            submission=submission,
            version=data["version"],
            metrics=data["metrics"],
            items=data["items"],
            by=self.user,
        )
        return self._reply(submission)

    def _enterprise(self, uscc: str | None) -> Enterprise:
        if not uscc:
            if policies.is_reporter(self.user) and self.user.enterprise is not None:
                return self.user.enterprise
            raise exceptions.ValidationError({"enterprise": [_("This field is required.")]})
        enterprise = Enterprise.objects.filter(uscc=uscc_normalise(uscc)).first()
        # Another enterprise's code answers as if it did not exist (no existence oracle).
        if enterprise is not None and not policies.can_write_report(
            self.user, enterprise_id=enterprise.pk
        ):
            enterprise = None
        if enterprise is None:
            raise exceptions.ValidationError(
                {"enterprise": [_("No enterprise has the code %(uscc)s.") % {"uscc": uscc}]}
            )
        return enterprise

    def _same_report(self, submission: Submission, data: dict[str, Any]) -> None:
        errors: dict[str, list[str]] = {}
        uscc = data.get("enterprise")
        if uscc and uscc_normalise(uscc) != submission.enterprise.uscc:
            errors["enterprise"] = [_("A report cannot move to another enterprise.")]
        if "period" in data and data["period"] != submission.period:
            errors["period"] = [_("A report cannot move to another quarter.")]
        if errors:
            raise exceptions.ValidationError(errors)

    def _transition(
        self, request: Request, function: Callable[..., Submission], *, with_comment: bool
    ) -> Response:
        submission = self.get_object()
        body = (CommentSerializer if with_comment else VersionSerializer)(data=request.data)
        body.is_valid(raise_exception=True)
        kwargs: dict[str, Any] = {
            "submission": submission,
            "by": self.user,
            "version": body.validated_data.get("version"),
        }
        if with_comment:
            kwargs["comment"] = body.validated_data.get("comment", "")
        return self._reply(_service_call(function, **kwargs))

    @extend_schema(
        request=VersionSerializer, responses={200: SubmissionSerializer, **ERRORS, **CONFLICT}
    )
    @action(detail=True, methods=["post"])
    def submit(self, request: Request, pk: str | None = None) -> Response:
        """The enterprise hands the report in (draft or returned → submitted)."""
        return self._transition(request, services.submission_submit, with_comment=False)

    @extend_schema(
        request=VersionSerializer, responses={200: SubmissionSerializer, **ERRORS, **CONFLICT}
    )
    @action(detail=True, methods=["post"])
    def approve(self, request: Request, pk: str | None = None) -> Response:
        """An official approves a submitted or pre-approved report; it counts from now on."""
        return self._transition(request, services.submission_approve, with_comment=False)

    @extend_schema(
        request=VersionSerializer, responses={200: SubmissionSerializer, **ERRORS, **CONFLICT}
    )
    @action(detail=True, methods=["post"])
    def pre_approve(self, request: Request, pk: str | None = None) -> Response:
        """The park manager pre-approves a submitted report of their park (the park
        pre-reviews): it goes on to the officials."""
        return self._transition(request, services.submission_pre_approve, with_comment=False)

    @extend_schema(
        request=CommentSerializer, responses={200: SubmissionSerializer, **ERRORS, **CONFLICT}
    )
    @action(detail=True, methods=["post"], url_path="return")
    def return_(self, request: Request, pk: str | None = None) -> Response:
        """An official sends a submitted or pre-approved report back with a comment; the
        park manager of a pre-reviewing park, a submitted one."""
        return self._transition(request, services.submission_return, with_comment=True)

    @extend_schema(
        request=CommentSerializer, responses={200: SubmissionSerializer, **ERRORS, **CONFLICT}
    )
    @action(detail=True, methods=["post"])
    def reopen(self, request: Request, pk: str | None = None) -> Response:
        """An official reopens an approved report (→ returned); it stops counting."""
        return self._transition(request, services.submission_reopen, with_comment=True)

    @extend_schema(responses={200: ReviewAidSerializer, **ERRORS})
    @action(detail=True, methods=["get"], pagination_class=None, filter_backends=[])
    def review(self, request: Request, pk: str | None = None) -> Response:
        """Review aids: each metric beside the previous approved quarter, and for officials
        the outlier flags (reviewers' statistics are not shown to the enterprise)."""
        submission = self.get_object()
        flags = (
            outlier_flags(submissions=[submission])[submission.pk]
            if policies.can_see_outlier_scores(self.user)
            else []
        )
        previous = selectors.submission_diff_previous(submission=submission)
        return Response(ReviewAidSerializer({"flags": flags, **previous}).data)

    @extend_schema(responses={200: HistoryEntrySerializer(many=True), **ERRORS})
    @action(detail=True, methods=["get"], pagination_class=None, filter_backends=[])
    def history(self, request: Request, pk: str | None = None) -> Response:
        """The audit trail: who did what when, with every field and metric old → new."""
        entries = selectors.submission_history(submission=self.get_object())
        return Response(HistoryEntrySerializer(entries, many=True).data)


class CompletenessView(APIView):
    """Reporting completeness of a quarter in a scope (docs/decisions/0005-completeness.md)."""

    @extend_schema(
        parameters=[
            period_parameter("Quarter, e.g. 2024Q1; the last ended by default"),
            scope_parameter("city | district:CODE | park:CODE (default: the user's own)"),
        ],
        responses={200: CompletenessSerializer, **ERRORS},
        extensions=server_checks("scope"),
    )
    def get(self, request: Request) -> Response:
        user: User = request.user  # type: ignore[assignment]
        if not policies.can_read_completeness(user):
            raise exceptions.PermissionDenied(
                _("You may see completeness only for the scope of your role.")
            )
        text = request.query_params.get("scope")
        try:
            scope = scope_resolve(text) if text else policies.default_scope(user)
        except ScopeError as error:
            raise exceptions.ValidationError({"scope": [str(error)]}) from error
        if not policies.scope_allowed(user, scope):
            raise exceptions.PermissionDenied(
                _("You may see completeness only for the scope of your role.")
            )
        try:
            period = (
                period_parse(request.query_params["period"])
                if request.query_params.get("period")
                else selectors.default_period()
            )
        except PeriodError as error:
            raise exceptions.ValidationError({"period": [str(error)]}) from error
        figures = selectors.completeness(period=period, scope=scope)
        missing = selectors.missing_enterprises(period=period, scope=scope)
        body = {**asdict(figures), "missing": list(missing.values("uscc", "name"))}
        return Response(CompletenessSerializer(body).data)
