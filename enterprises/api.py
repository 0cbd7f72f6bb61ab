from __future__ import annotations

from typing import Any

import django_filters
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.models import User
from config.api import IdempotentPostMixin, OfficialWritesOthersRead, RoleScopedViewSetMixin

from . import selectors, services
from .models import Designation, Enterprise, Provider
from .uscc import uscc_normalise

ERRORS = {
    400: OpenApiResponse(description="Invalid: {field: [message]}"),
    401: OpenApiResponse(description="Not logged in"),
    403: OpenApiResponse(description="Not allowed for this role"),
    404: OpenApiResponse(description="Not found or not yours"),
}


class EnterpriseSerializer(serializers.ModelSerializer):
    district = serializers.CharField(source="district.code")
    park = serializers.CharField(source="park.code", allow_null=True, required=False, default=None)
    segment = serializers.CharField(source="segment.code")

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


class ProviderSerializer(serializers.ModelSerializer):
    district = serializers.CharField(source="district.code")
    services = serializers.ListField(child=serializers.CharField(max_length=200), required=False)
    enterprises = serializers.SlugRelatedField(slug_field="uscc", many=True, read_only=True)

    class Meta:
        model = Provider
        fields = ["uscc", "name", "district", "services", "enterprises"]
        extra_kwargs = {"uscc": {"validators": []}}


class DesignationSerializer(serializers.ModelSerializer):
    kind = serializers.CharField(source="kind.code")
    enterprise = serializers.CharField(
        source="enterprise.uscc", allow_null=True, required=False, default=None
    )
    park = serializers.CharField(source="park.code", allow_null=True, required=False, default=None)
    provider = serializers.CharField(
        source="provider.uscc", allow_null=True, required=False, default=None
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


class DesignationPatchSerializer(serializers.ModelSerializer):
    class Meta:
        model = Designation
        fields = ["name", "reference", "granted_on", "revoked_on"]


def _flatten(data: dict[str, Any]) -> dict[str, Any]:
    """{"district": {"code": "310101"}} → {"district": "310101"} (source="x.code" fields)."""
    flat: dict[str, Any] = {}
    for key, value in data.items():
        if isinstance(value, dict) and len(value) == 1:
            flat[key] = next(iter(value.values()))
        else:
            flat[key] = value
    return flat


class _ScopedViewSet(IdempotentPostMixin, RoleScopedViewSetMixin, viewsets.GenericViewSet):
    permission_classes = [OfficialWritesOthersRead]


class EnterpriseFilter(django_filters.FilterSet):
    district = django_filters.CharFilter(field_name="district__code")
    park = django_filters.CharFilter(field_name="park__code")
    segment = django_filters.CharFilter(field_name="segment__code")

    class Meta:
        model = Enterprise
        fields = ["district", "park", "segment", "is_key", "above_scale"]


@extend_schema(responses={200: EnterpriseSerializer, **ERRORS})
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

    def scoped_queryset(self, user: User) -> Any:
        return selectors.enterprise_list(user=user)

    def get_object(self) -> Enterprise:
        self.kwargs["uscc"] = uscc_normalise(self.kwargs["uscc"])
        return super().get_object()  # type: ignore[no-any-return]

    @extend_schema(responses={201: EnterpriseSerializer, **ERRORS})
    def create(self, request: Request, *args: object, **kwargs: object) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        enterprise = services.enterprise_create(data=_flatten(serializer.validated_data))
        return Response(self.get_serializer(enterprise).data, status=status.HTTP_201_CREATED)

    def update(self, request: Request, *args: object, **kwargs: object) -> Response:
        partial = kwargs.pop("partial", False)
        enterprise = self.get_object()
        serializer = self.get_serializer(enterprise, data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        data = _flatten(serializer.validated_data)
        data.pop("uscc", None)
        enterprise = services.enterprise_update(enterprise=enterprise, data=data)
        return Response(self.get_serializer(enterprise).data)


@extend_schema(responses={200: ProviderSerializer, **ERRORS})
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

    def scoped_queryset(self, user: User) -> Any:
        return selectors.provider_list(user=user).prefetch_related("enterprises")

    def create(self, request: Request, *args: object, **kwargs: object) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = _flatten(serializer.validated_data)
        if "enterprises" in request.data:
            data["enterprises"] = request.data.get("enterprises") or []
        provider = services.provider_save(provider=None, data=data)
        return Response(self.get_serializer(provider).data, status=status.HTTP_201_CREATED)

    def update(self, request: Request, *args: object, **kwargs: object) -> Response:
        partial = kwargs.pop("partial", False)
        provider = self.get_object()
        serializer = self.get_serializer(provider, data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        data = _flatten(serializer.validated_data)
        data.pop("uscc", None)
        if "enterprises" in request.data:
            data["enterprises"] = request.data.get("enterprises") or []
        provider = services.provider_save(provider=provider, data=data)
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

    def scoped_queryset(self, user: User) -> Any:
        return selectors.designation_list(user=user)

    @extend_schema(responses={201: DesignationSerializer, **ERRORS})
    def create(self, request: Request, *args: object, **kwargs: object) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = _flatten(serializer.validated_data)
        designation = services.designation_create(**data)
        return Response(self.get_serializer(designation).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=DesignationPatchSerializer, responses={200: DesignationSerializer, **ERRORS}
    )
    def partial_update(self, request: Request, *args: object, **kwargs: object) -> Response:
        designation = self.get_object()
        serializer = DesignationPatchSerializer(designation, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        designation = services.designation_update(
            designation=designation, data=serializer.validated_data
        )
        return Response(self.get_serializer(designation).data)
