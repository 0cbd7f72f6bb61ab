"""Enterprises, providers and designations over JSON (API.md, "Reference data").

Serializers check the shape of a request; the services validate and write."""

from __future__ import annotations

from typing import Any

import django_filters
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import exceptions, mixins, serializers, status, viewsets
from rest_framework.request import Request
from rest_framework.response import Response

from core.api import IdempotentPostMixin, ReferenceDataPermission, RoleScopedViewSetMixin
from core.parsers import JSONParser
from core.schema import ERRORS, server_checks

from . import selectors, services
from .models import Designation, Enterprise, Provider
from .uscc import uscc_normalise


class EnterpriseSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    """The contract's shape; on input, codes for district, park and segment."""

    district = serializers.CharField(source="district.code", max_length=6)
    park = serializers.CharField(
        source="park.code", allow_null=True, required=False, default=None, max_length=30
    )
    segment = serializers.CharField(source="segment.code", max_length=30)

    class Meta:
        model = Enterprise
        fields = [
            "uscc",
            "name",
            "name_en",
            "district",
            "park",
            "segment",
            "is_key",
            "above_scale",
            "active_from",
            "active_until",
        ]
        extra_kwargs = {"uscc": {"validators": []}}


class ProviderSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    district = serializers.CharField(source="district.code", max_length=6)
    services = serializers.ListField(child=serializers.CharField(max_length=200), required=False)
    enterprises = serializers.SlugRelatedField(slug_field="uscc", many=True, read_only=True)

    class Meta:
        model = Provider
        fields = ["uscc", "name", "district", "services", "enterprises"]
        extra_kwargs = {"uscc": {"validators": []}}


class ProviderWriteSerializer(ProviderSerializer):
    enterprises = serializers.ListField(  # type: ignore[assignment]
        child=serializers.CharField(max_length=18), required=False
    )


class DesignationSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    kind = serializers.CharField(source="kind.code", max_length=50)
    enterprise = serializers.CharField(
        source="enterprise.uscc", allow_null=True, required=False, default=None, max_length=18
    )
    park = serializers.CharField(
        source="park.code", allow_null=True, required=False, default=None, max_length=30
    )
    provider = serializers.CharField(
        source="provider.uscc", allow_null=True, required=False, default=None, max_length=18
    )

    class Meta:
        model = Designation
        fields = [
            "id",
            "kind",
            "enterprise",
            "park",
            "provider",
            "name",
            "reference",
            "granted_on",
            "revoked_on",
        ]
        read_only_fields = ["id"]


class DesignationPatchSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    class Meta:
        model = Designation
        fields = ["name", "reference", "granted_on", "revoked_on"]


def _same_uscc(data: dict[str, Any], current: str) -> None:
    """A USCC is how reports, designations, users and figures refer to an enterprise or a
    provider: sending it back is fine, changing it is refused (never silently ignored)."""
    given = data.pop("uscc", None)
    if given is not None and uscc_normalise(given) != current:
        raise exceptions.ValidationError(
            {"uscc": [_("A unified social credit code cannot change: records refer to it.")]}
        )


def _flatten(data: dict[str, Any]) -> dict[str, Any]:
    """{"district": {"code": "310101"}} → {"district": "310101"} (source="x.code" fields)."""
    flat: dict[str, Any] = {}
    for key, value in data.items():
        if isinstance(value, dict) and len(value) == 1:
            flat[key] = next(iter(value.values()))
        else:
            flat[key] = value
    return flat


class _ScopedViewSet(IdempotentPostMixin, RoleScopedViewSetMixin, viewsets.GenericViewSet):  # type: ignore[type-arg]
    permission_classes = [ReferenceDataPermission]
    # JSON only (API.md): a form cannot say null, and what it cannot say it would drop.
    parser_classes = [JSONParser]


@extend_schema_field(OpenApiTypes.BOOL)
class FlagFilter(django_filters.ChoiceFilter):
    """true or false (empty: either); anything else is a 400, not silently either."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs["choices"] = [("true", "true"), ("false", "false")]
        super().__init__(**kwargs)

    def filter(self, qs: Any, value: Any) -> Any:
        if value in ("", None):
            return qs
        return qs.filter(**{self.field_name: value == "true"})


class EnterpriseFilter(django_filters.FilterSet):
    district = django_filters.CharFilter(field_name="district__code")
    park = django_filters.CharFilter(field_name="park__code")
    segment = django_filters.CharFilter(field_name="segment__code")
    is_key = FlagFilter(field_name="is_key")
    above_scale = FlagFilter(field_name="above_scale")

    class Meta:
        model = Enterprise
        fields = ["district", "park", "segment", "is_key", "above_scale"]


# Checked by the server against the data: the code's check digit and that it is new (and
# never changed), the codes of the district, park and segment, the park's district, dates.
ENTERPRISE_CHECKS = server_checks("uscc", "district", "park", "segment", "active_until")


@extend_schema(responses={200: EnterpriseSerializer, **ERRORS})
@extend_schema_view(
    update=extend_schema(extensions=ENTERPRISE_CHECKS),
    partial_update=extend_schema(extensions=ENTERPRISE_CHECKS),
)
class EnterpriseViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    _ScopedViewSet,
):
    """Enterprises: officials write; park managers see their park's, reporters their own."""

    serializer_class = EnterpriseSerializer
    lookup_field = "uscc"
    lookup_value_regex = "[^/]+"
    filterset_class = EnterpriseFilter

    queryset = Enterprise.objects.none()

    def scoped_queryset(self, user: Any) -> Any:
        return selectors.enterprise_list(user=user)

    def get_object(self) -> Enterprise:
        self.kwargs["uscc"] = uscc_normalise(self.kwargs["uscc"])
        return super().get_object()  # type: ignore[no-any-return]

    @extend_schema(responses={201: EnterpriseSerializer, **ERRORS}, extensions=ENTERPRISE_CHECKS)
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = _flatten(serializer.validated_data)
        enterprise = services.enterprise_create(by=request.user, **data)
        return Response(self.get_serializer(enterprise).data, status=status.HTTP_201_CREATED)

    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        partial = kwargs.pop("partial", False)
        enterprise = self.get_object()
        serializer = self.get_serializer(enterprise, data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        data = _flatten(serializer.validated_data)
        _same_uscc(data, enterprise.uscc)
        enterprise = services.enterprise_update(enterprise=enterprise, by=request.user, **data)
        return Response(self.get_serializer(enterprise).data)


PROVIDER_CHECKS = server_checks("uscc", "district", "enterprises")


@extend_schema(responses={200: ProviderSerializer, **ERRORS})
@extend_schema_view(
    partial_update=extend_schema(
        request=ProviderWriteSerializer,
        responses={200: ProviderSerializer, **ERRORS},
        extensions=PROVIDER_CHECKS,
    )
)
class ProviderViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    _ScopedViewSet,
):
    """Digital-transformation service providers and the enterprises they serve."""

    serializer_class = ProviderSerializer
    lookup_field = "uscc"
    lookup_value_regex = "[^/]+"
    filterset_fields = {"district__code": ["exact"]}

    queryset = Provider.objects.none()

    def scoped_queryset(self, user: Any) -> Any:
        return selectors.provider_list(user=user).prefetch_related("enterprises")

    def _body(self, request: Request, *, partial: bool) -> dict[str, Any]:
        serializer = ProviderWriteSerializer(data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        return _flatten(serializer.validated_data)

    @extend_schema(
        request=ProviderWriteSerializer,
        responses={201: ProviderSerializer, **ERRORS},
        extensions=PROVIDER_CHECKS,
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        provider = services.provider_create(by=request.user, **self._body(request, partial=False))
        return Response(self.get_serializer(provider).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=ProviderWriteSerializer,
        responses={200: ProviderSerializer, **ERRORS},
        extensions=PROVIDER_CHECKS,
    )
    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        provider = self.get_object()
        data = self._body(request, partial=True)
        _same_uscc(data, provider.uscc)
        provider = services.provider_update(provider=provider, by=request.user, **data)
        return Response(self.get_serializer(provider).data)


class DesignationFilter(django_filters.FilterSet):
    kind = django_filters.CharFilter(field_name="kind__code")
    enterprise = django_filters.CharFilter(field_name="enterprise__uscc")
    park = django_filters.CharFilter(field_name="park__code")
    provider = django_filters.CharFilter(field_name="provider__uscc")
    granted_after = django_filters.DateFilter(field_name="granted_on", lookup_expr="gte")
    granted_before = django_filters.DateFilter(field_name="granted_on", lookup_expr="lte")

    class Meta:
        model = Designation
        fields = ["kind", "enterprise", "park", "provider"]


@extend_schema(responses={200: DesignationSerializer, **ERRORS})
class DesignationViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    _ScopedViewSet,
):
    """Designations granted by officials; PATCH sets ``revoked_on``."""

    serializer_class = DesignationSerializer
    filterset_class = DesignationFilter
    http_method_names = ["get", "post", "patch", "head", "options"]

    queryset = Designation.objects.none()

    def scoped_queryset(self, user: Any) -> Any:
        return selectors.designation_list(user=user)

    @extend_schema(
        responses={201: DesignationSerializer, **ERRORS},
        extensions=server_checks(
            "kind", "enterprise", "park", "provider", "granted_on", "revoked_on"
        ),
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = _flatten(serializer.validated_data)
        designation = services.designation_create(by=request.user, **data)
        return Response(self.get_serializer(designation).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=DesignationPatchSerializer,
        responses={200: DesignationSerializer, **ERRORS},
        extensions=server_checks("granted_on", "revoked_on"),
    )
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        designation = self.get_object()
        serializer = DesignationPatchSerializer(designation, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        designation = services.designation_update(
            designation=designation, by=request.user, **serializer.validated_data
        )
        return Response(self.get_serializer(designation).data)
