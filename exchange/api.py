"""The programme workbook over the API (API.md, "Exports and imports").

``POST /api/v1/exports/`` ``{"period", "scope"}`` → ``202 {"id"}``; ``GET
/api/v1/exports/{id}/`` → status, progress, the sheet being written and, when done, the
``download_url``; ``GET /api/v1/exports/{id}/download/`` → the .xlsx file (never a public
media URL). An export that is not the user's (officials: any) answers 404.
"""

from __future__ import annotations

from typing import Any

from django.core.files.storage import default_storage
from django.core.validators import RegexValidator
from django.http import FileResponse, Http404
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core import policies
from core.api import IdempotentPostMixin, PolicyPermission
from core.parsers import JSONParser
from core.schema import PERIOD_PATTERN, SCOPE_PATTERN, server_checks
from targets.periods import PeriodError, period_format, period_parse

from . import selectors, services
from .models import Export

ERRORS = {
    400: OpenApiResponse(description="Invalid: {field: [message]}"),
    401: OpenApiResponse(description="Not logged in"),
    403: OpenApiResponse(description="Not allowed for this role or scope"),
    404: OpenApiResponse(description="Not found or not yours"),
}
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV = "text/csv; charset=utf-8"


class CanExport(PolicyPermission):
    """core.policies.can_export, to read and to write."""

    message = gettext_lazy("Your role may not export workbooks.")
    read = staticmethod(policies.can_export)
    write = staticmethod(policies.can_export)


class ExportRequestSerializer(serializers.Serializer):  # type: ignore[type-arg]
    period = serializers.CharField(
        required=False,
        allow_blank=True,
        validators=[RegexValidator(f"^({PERIOD_PATTERN[1:-1]})?$")],
        help_text="YYYYQn; the latest with figures when absent",
    )
    scope = serializers.CharField(
        required=False,
        validators=[RegexValidator(f"^({SCOPE_PATTERN[1:-1]})?$")],
        allow_blank=True,
        help_text=(
            "city | district:CODE | park:CODE; when absent, a park manager's own park or a "
            "district official's own district"
        ),
    )

    def validate_period(self, value: str) -> int | None:
        if not value:
            return None
        try:
            return period_parse(value)
        except PeriodError as error:
            raise serializers.ValidationError(str(error)) from error


class ExportCreatedSerializer(serializers.Serializer):  # type: ignore[type-arg]
    id = serializers.IntegerField()


class ExportSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    period = serializers.SerializerMethodField()
    download_url = serializers.SerializerMethodField()
    filename = serializers.SerializerMethodField()

    class Meta:
        model = Export
        fields = [
            "id",
            "kind",
            "table",
            "title",
            "status",
            "progress",
            "sheet",
            "period",
            "scope",
            "language",
            "requested_at",
            "started_at",
            "finished_at",
            "expires_at",
            "rows",
            "sheets",
            "size",
            "filename",
            "error",
            "download_url",
        ]

    def get_period(self, export: Export) -> str | None:
        return period_format(export.period) if export.period is not None else None

    def get_download_url(self, export: Export) -> str | None:
        return export_download_url(export)

    def get_filename(self, export: Export) -> str:
        return selectors.export_filename(export)


def export_download_url(export: Export) -> str | None:
    if export.status != Export.Status.DONE or not export.file:
        return None
    return reverse("export-download", args=[export.pk])


def export_file_response(export: Export) -> FileResponse:
    """The workbook as an attachment with a readable name; 404 when the file is gone."""
    if export.status != Export.Status.DONE or not export.file:
        raise Http404
    try:
        handle = default_storage.open(export.file.name, "rb")
    except (FileNotFoundError, OSError) as error:
        raise Http404 from error
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=selectors.export_filename(export),
        content_type=CSV if export.file_format == Export.Format.CSV else XLSX,
    )
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _export_or_404(request: Request, pk: int) -> Export:
    export = selectors.export_get(user=request.user, export_id=pk)
    if export is None:
        raise Http404
    return export


class ExportListView(IdempotentPostMixin, APIView):
    permission_classes = [CanExport]
    parser_classes = [JSONParser]  # JSON only (API.md)

    @extend_schema(
        request=ExportRequestSerializer,
        responses={202: ExportCreatedSerializer, **ERRORS},
        extensions=server_checks("period", "scope"),
    )
    def post(self, request: Request) -> Response:
        """Ask for the programme workbook of a quarter and scope; it is built in the
        background (follow it with GET /api/v1/exports/{id}/)."""
        serializer = ExportRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data: dict[str, Any] = serializer.validated_data
        export = services.export_request(
            by=request.user,  # type: ignore[arg-type]
            period=data.get("period"),
            scope=data.get("scope") or None,
            language=translation.get_language() or "",
        )
        return Response({"id": export.pk}, status=status.HTTP_202_ACCEPTED)

    @extend_schema(
        operation_id="v1_exports_list",
        responses={
            200: inline_serializer("ExportList", {"results": ExportSerializer(many=True)}),
            **ERRORS,
        },
    )
    def get(self, request: Request) -> Response:
        """The user's recent exports, newest first."""
        exports = selectors.export_list(user=request.user)
        return Response({"results": ExportSerializer(exports, many=True).data})


class ExportDetailView(APIView):
    permission_classes = [CanExport]

    @extend_schema(responses={200: ExportSerializer, **ERRORS})
    def get(self, request: Request, pk: int) -> Response:
        """How the export is going: status, progress (%), the sheet being written, and
        the download URL once it is done."""
        return Response(ExportSerializer(_export_or_404(request, pk)).data)


class ExportDownloadView(APIView):
    permission_classes = [CanExport]

    @extend_schema(
        responses={
            (200, XLSX): OpenApiTypes.BINARY,
            (200, "text/csv"): OpenApiTypes.BINARY,
            **ERRORS,
        }
    )
    def get(self, request: Request, pk: int) -> FileResponse:
        """The workbook (.xlsx), for its requester and officials only."""
        return export_file_response(_export_or_404(request, pk))
