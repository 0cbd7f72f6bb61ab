"""Parks over JSON: everyone logged in reads them; officials create and rename them."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import exceptions, mixins, serializers, status, viewsets
from rest_framework.request import Request
from rest_framework.response import Response

from core.api import IdempotentPostMixin, ReferenceDataPermission
from core.parsers import JSONParser
from core.schema import server_checks
from targets.models import District

from .models import Park
from .selectors import park_list
from .services import park_create, park_update


class ParkSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    name = serializers.CharField(source="name_zh", max_length=200)
    district = serializers.SlugRelatedField(slug_field="code", queryset=District.objects.all())

    class Meta:
        model = Park
        fields = ["code", "name", "name_en", "district", "prereview"]
        extra_kwargs = {
            "code": {"validators": []},
            "prereview": {
                "help_text": "The park manager pre-reviews its enterprises' reports "
                "before officials do (officials write it)."
            },
        }


# Checked by the server against the data: a new code, never changed; a known district,
# which a park with enterprises keeps.
PARK_CHECKS = server_checks("code", "district")


@extend_schema_view(
    create=extend_schema(extensions=PARK_CHECKS),
    update=extend_schema(extensions=PARK_CHECKS),
    partial_update=extend_schema(extensions=PARK_CHECKS),
)
class ParkViewSet(
    IdempotentPostMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,  # type: ignore[type-arg]
):
    """Parks (officials write; everyone logged in reads)."""

    serializer_class = ParkSerializer
    permission_classes = [ReferenceDataPermission]
    parser_classes = [JSONParser]  # JSON only (API.md)
    lookup_field = "code"
    lookup_value_regex = "[^/]+"
    filterset_fields = {"district__code": ["exact"]}
    queryset = park_list()

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        if Park.objects.filter(code=data["code"]).exists():
            raise exceptions.ValidationError({"code": [_("A park with this code exists.")]})
        park = park_create(
            code=data["code"],
            name_zh=data["name_zh"],
            name_en=data.get("name_en", ""),
            district=data["district"],
            prereview=data.get("prereview", False),
            by=request.user,
        )
        return Response(self.get_serializer(park).data, status=status.HTTP_201_CREATED)

    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        park = self.get_object()
        serializer = self.get_serializer(park, data=request.data, partial=kwargs.get("partial"))
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        if "code" in data and data["code"] != park.code:
            raise exceptions.ValidationError(
                {"code": [_("A park's code cannot change: figures, users and links refer to it.")]}
            )
        park = park_update(park=park, by=request.user, **_changes(data))
        return Response(self.get_serializer(park).data)


def _changes(data: dict[str, Any]) -> dict[str, Any]:
    return {
        key: data[key] for key in ("name_zh", "name_en", "district", "prereview") if key in data
    }
