"""Allocations of city targets to districts and parks over JSON (API.md, "Programme
levels": ``/api/v1/allocations/``). Officials write; everyone logged in reads the
allocations of the scopes they may see. The serializers check the shape of a request;
``targets.services`` validates and writes."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, mixins, serializers, status, viewsets
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import SimpleRouter

from core import policies
from core.api import Conflict, IdempotentPostMixin, PolicyPermission, RoleScopedViewSetMixin
from core.schema import ERRORS, server_checks
from targets import services
from targets.models import Allocation, Target

from .allocations import allocation_list
from .presenters import number

CONFLICT = {
    409: OpenApiResponse(
        description="Conflict: {detail, id}: the target is allocated to that scope already"
    )
}


class AllocationPermission(PolicyPermission):
    """Everyone logged in reads (the rows are scoped by what they may see); officials write
    (core.policies.can_write_reference, as for targets and milestones)."""

    message = gettext_lazy("Only officials may allocate targets.")
    write = staticmethod(policies.can_write_reference)


class AllocationMilestoneSerializer(serializers.Serializer):  # type: ignore[type-arg]
    date = serializers.DateField()
    value = serializers.DecimalField(max_digits=None, decimal_places=None)


class AllocationSerializer(serializers.Serializer):  # type: ignore[type-arg]
    """The contract's shape; ``milestones`` may be empty (the city's, scaled)."""

    id = serializers.IntegerField(read_only=True)
    target = serializers.CharField(max_length=50, help_text="target code")
    scope = serializers.CharField(max_length=60, help_text="district:CODE | park:CODE")
    value = serializers.DecimalField(max_digits=None, decimal_places=None)
    milestones = AllocationMilestoneSerializer(many=True, required=False)

    def to_representation(self, instance: Allocation) -> dict[str, Any]:
        return allocation_json(instance)


class AllocationPatchSerializer(serializers.Serializer):  # type: ignore[type-arg]
    """``value`` and ``milestones`` change; ``target`` and ``scope`` stay (delete and
    allocate again to move an allocation)."""

    target = serializers.CharField(max_length=50, required=False)
    scope = serializers.CharField(max_length=60, required=False)
    value = serializers.DecimalField(max_digits=None, decimal_places=None, required=False)
    milestones = AllocationMilestoneSerializer(many=True, required=False)


def allocation_json(allocation: Allocation) -> dict[str, Any]:
    """An allocation as the API shows it: numbers as JSON numbers (10, not "10.0000")."""
    return {
        "id": allocation.pk,
        "target": allocation.target.code,
        "scope": allocation.scope,
        "value": number(allocation.value),
        "milestones": [
            {"date": day.isoformat(), "value": number(value)}
            for day, value in allocation.own_milestones()
        ],
    }


def _pairs(rows: list[dict[str, Any]] | None) -> list[tuple[Any, Any]] | None:
    if rows is None:
        return None
    return [(row["date"], row["value"]) for row in rows]


@extend_schema(responses={200: AllocationSerializer, **ERRORS})
class AllocationViewSet(
    IdempotentPostMixin,
    RoleScopedViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,  # type: ignore[type-arg]
):
    """City targets allocated to districts and parks (分解): officials write; everyone reads
    the allocations of the scopes they may see."""

    serializer_class = AllocationSerializer
    permission_classes = [AllocationPermission]
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]
    queryset = Allocation.objects.none()
    filter_backends: list[Any] = []  # ?target= and ?scope= are read by scoped_queryset

    def scoped_queryset(self, user: Any) -> Any:
        params = self.request.query_params if self.action == "list" else {}
        return allocation_list(
            user=user, target=params.get("target") or None, scope=params.get("scope") or None
        )

    @extend_schema(
        parameters=[
            OpenApiParameter("target", OpenApiTypes.STR, description="target code"),
            OpenApiParameter("scope", OpenApiTypes.STR, description="district:CODE | park:CODE"),
        ],
        responses={200: AllocationSerializer(many=True), **ERRORS},
    )
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Allocations of the scopes you may see, by target and scope."""
        return super().list(request, *args, **kwargs)

    @extend_schema(
        request=AllocationSerializer,
        responses={201: AllocationSerializer, **ERRORS, **CONFLICT},
        # The target and scope must exist; values and dates are checked against the target.
        extensions=server_checks("target", "scope", "value", "milestones"),
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Allocate a city target to a district or a park (one per target and scope)."""
        body = AllocationSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        try:
            allocation = services.allocation_create(
                target=_target(data["target"]),
                scope=data["scope"],
                value=data["value"],
                milestones=_pairs(data.get("milestones")) or [],
                by=request.user,
            )
        except services.AllocationExists as error:
            raise Conflict(str(error), extra={"id": error.existing_id}) from error
        return Response(allocation_json(allocation), status=status.HTTP_201_CREATED)

    @extend_schema(
        request=AllocationPatchSerializer,
        responses={200: AllocationSerializer, **ERRORS},
        extensions=server_checks("target", "scope", "value", "milestones"),
    )
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Change the value or the own milestones (an empty list: the city's, scaled)."""
        allocation = self.get_object()
        body = AllocationPatchSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        errors = {}
        if "target" in data and data["target"] != allocation.target.code:
            errors["target"] = [_("An allocation's target cannot change.")]
        if "scope" in data and data["scope"].strip() != allocation.scope:
            errors["scope"] = [_("An allocation's scope cannot change.")]
        if errors:
            raise exceptions.ValidationError(errors)
        allocation = services.allocation_update(
            allocation=allocation,
            value=data.get("value"),
            milestones=_pairs(data.get("milestones")),
            by=request.user,
        )
        return Response(allocation_json(allocation))

    @extend_schema(responses={204: None, **ERRORS})
    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Withdraw an allocation: the scope's planned values and status become null."""
        services.allocation_delete(allocation=self.get_object(), by=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


def _target(code: str) -> Target:
    target = Target.objects.filter(code=code).first()
    if target is None:
        raise exceptions.ValidationError(
            {"target": [_("Unknown target %(code)s.") % {"code": code}]}
        )
    return target


router = SimpleRouter()
router.register("allocations", AllocationViewSet, basename="allocation")
# Included by progress.api_urls under /api/v1/.
urlpatterns = router.urls
