"""Imports over the API (API.md, "Exports and imports").

``POST /api/v1/imports/{enterprises,parks,providers,reports}/`` (officials; multipart
``file``, .xlsx or .csv; ``dry_run`` as a form field or ``?dry_run=1``) answers
``{"created", "updated", "unchanged", "skipped", "rows", "dry_run", "errors": [{"row",
"field", "message"}]}``: 200 when every row is valid (saved, or with ``dry_run`` only
checked), 400 with the same shape when any row is invalid (then nothing is saved and the
counts are 0), and 400 ``{"file": [message]}`` for a file that cannot be read.
``GET /api/v1/imports/{kind}/template/`` (``?period=2024Q4`` for reports) downloads the
template workbook.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    PolymorphicProxySerializer,
    extend_schema,
)
from rest_framework import exceptions, permissions, serializers, status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core import policies
from core.api import IdempotentPostMixin
from core.schema import ErrorSerializer, period_parameter, server_checks
from targets.periods import PeriodError, period_parse

from . import import_services
from .importing.downloads import XLSX_TYPE, template_period, template_response
from .importing.reader import ImportFileError, max_bytes

_TRUE = {"1", "true", "yes", "on"}
# Room for the multipart envelope around the file.
_ENVELOPE = 64 * 1024


class CanImport(permissions.BasePermission):
    """core.policies.can_import."""

    message = gettext_lazy("Only officials may import.")

    def has_permission(self, request: Request, view: APIView) -> bool:
        user = request.user
        return bool(user and user.is_authenticated and policies.can_import(user))


class ImportErrorSerializer(serializers.Serializer):  # type: ignore[type-arg]
    row = serializers.IntegerField(help_text="data row, from 1 (0: the file as a whole)")
    field = serializers.CharField(help_text="column key; empty for the row as a whole")
    message = serializers.CharField()
    sheet = serializers.CharField(required=False, help_text="'items' for the items sheet")


class ImportResultSerializer(serializers.Serializer):  # type: ignore[type-arg]
    created = serializers.IntegerField()
    updated = serializers.IntegerField()
    unchanged = serializers.IntegerField()
    skipped = serializers.IntegerField()
    rows = serializers.IntegerField()
    dry_run = serializers.BooleanField()
    errors = ImportErrorSerializer(many=True)  # type: ignore[assignment]


class FileErrorSerializer(serializers.Serializer):  # type: ignore[type-arg]
    file = serializers.ListField(child=serializers.CharField())


IMPORT_REFUSED = PolymorphicProxySerializer(
    component_name="ImportRefused",
    serializers=[ImportResultSerializer, FileErrorSerializer, ErrorSerializer],
    resource_type_field_name=None,
)


class ImportUploadSerializer(serializers.Serializer):  # type: ignore[type-arg]
    file = serializers.FileField(help_text=".xlsx or .csv (UTF-8 or GBK/GB18030)")
    dry_run = serializers.BooleanField(required=False, default=False)


class ImportView(IdempotentPostMixin, APIView):
    """Import one file; nothing is saved when any row is invalid."""

    permission_classes = [CanImport]
    parser_classes = [MultiPartParser, FormParser]
    kind = ""

    @extend_schema(
        request={"multipart/form-data": ImportUploadSerializer},
        parameters=[OpenApiParameter("dry_run", OpenApiTypes.BOOL, description="check only")],
        responses={
            200: ImportResultSerializer,
            400: OpenApiResponse(
                IMPORT_REFUSED,
                description="Row errors (nothing saved), {file: [message]} for a file that "
                "cannot be read, or {detail} for a body that cannot be",
            ),
            403: OpenApiResponse(description="Only officials import"),
        },
        # Whether a file is a spreadsheet, and what its rows say, is the server's to check.
        extensions=server_checks(
            "file", "created", "updated", "unchanged", "skipped", "rows", "dry_run", "errors"
        ),
    )
    def post(self, request: Request) -> Response:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
        if declared > max_bytes() + _ENVELOPE:
            return _file_error(ImportFileError(_too_large()))
        upload = request.FILES.get("file")
        if upload is None:
            raise exceptions.ValidationError(
                {"file": [_("Attach the file as “file” (multipart/form-data).")]}
            )
        dry_run = _flag(request.query_params.get("dry_run")) or _flag(request.data.get("dry_run"))
        try:
            data = import_services.upload_read(upload)
            outcome = import_services.records_import(
                kind=self.kind,
                data=data,
                name=upload.name or "",
                by=request.user,  # type: ignore[arg-type]
                dry_run=dry_run,
            )
        except ImportFileError as error:
            return _file_error(error)
        code = status.HTTP_200_OK if outcome.ok else status.HTTP_400_BAD_REQUEST
        return Response(outcome.as_json(), status=code)


def _flag(value: Any) -> bool:
    return str(value or "").strip().lower() in _TRUE


def _too_large() -> str:
    from django.template.defaultfilters import filesizeformat

    return _("The file is larger than %(limit)s; split it in parts.") % {
        "limit": filesizeformat(max_bytes())
    }


def _file_error(error: ImportFileError) -> Response:
    return Response({"file": [error.message]}, status=status.HTTP_400_BAD_REQUEST)


class EnterpriseImportView(ImportView):
    """Enterprises by USCC: uscc, name, district, park, segment, is_key, above_scale,
    active_from (also name_en, active_until, contact_email)."""

    kind = "enterprises"


class ParkImportView(ImportView):
    """Parks by code: code, name, name_en, district."""

    kind = "parks"


class ProviderImportView(ImportView):
    """Service providers by USCC: uscc, name, district, services, enterprises."""

    kind = "providers"


class ReportImportView(ImportView):
    """Historical or offline quarterly reports (sheet 1: one row per enterprise and
    quarter, a column per metric; sheet 2: items), handed in as ``submitted``."""

    kind = "reports"


class ImportTemplateView(APIView):
    """The template workbook of an import, in the user's language."""

    permission_classes = [CanImport]

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "kind", str, OpenApiParameter.PATH, enum=sorted(import_services.KINDS)
            ),
            period_parameter("reports: the quarter, e.g. 2024Q4"),
        ],
        responses={(200, XLSX_TYPE): OpenApiTypes.BINARY},
    )
    def get(self, request: Request, kind: str) -> HttpResponse:
        if kind not in import_services.KINDS:
            raise exceptions.NotFound()
        text = request.query_params.get("period")
        try:
            if text:
                period_parse(text)  # a quarter, whichever the kind (reports' alone use it)
            period = template_period(kind, text)
        except PeriodError as error:
            raise exceptions.ValidationError({"period": [str(error)]}) from error
        return template_response(kind, period=period)
