from __future__ import annotations

from typing import Any

from rest_framework import mixins, serializers, status, viewsets
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.models import User
from config.api import IdempotentPostMixin, OfficialWritesOthersRead, RoleScopedViewSetMixin
from enterprises.selectors import park_list
from targets.models import District

from .models import Park
from .services import park_save


class ParkSerializer(serializers.ModelSerializer):
    name = serializers.CharField(source="name_zh", max_length=200)
    district = serializers.SlugRelatedField(slug_field="code", queryset=District.objects.all())

    class Meta:
        model = Park
        fields = ["code", "name", "name_en", "district"]


class ParkViewSet(
    IdempotentPostMixin,
    RoleScopedViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Parks (officials write; everyone logged in reads)."""

    serializer_class = ParkSerializer
    permission_classes = [OfficialWritesOthersRead]
    lookup_field = "code"
    lookup_value_regex = "[^/]+"
    filterset_fields = {"district__code": ["exact"]}

    queryset = Park.objects.none()

    def scoped_queryset(self, user: User) -> Any:
        return park_list(user=user)

    def create(self, request: Request, *args: object, **kwargs: object) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        park = park_save(park=None, data=serializer.validated_data)
        return Response(self.get_serializer(park).data, status=status.HTTP_201_CREATED)

    def update(self, request: Request, *args: object, **kwargs: object) -> Response:
        partial = kwargs.pop("partial", False)
        park = self.get_object()
        serializer = self.get_serializer(park, data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        park = park_save(park=park, data=serializer.validated_data)
        return Response(self.get_serializer(park).data)
