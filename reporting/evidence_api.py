"""Evidence files over the API (API.md "Evidence files"): list, upload and remove the files
of a report's item, and download one. Views check the shape, ask the policy through the
selectors (404 for what the user may not see), call one service and answer."""

from __future__ import annotations

import hashlib
import uuid
from typing import Any, cast

from django.conf import settings
from django.http import Http404
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions, serializers, status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import User
from core.api import Conflict, IdempotentPostMixin
from core.schema import ERRORS

from . import evidence, evidence_selectors, selectors
from .evidence_views import evidence_file_response, evidence_for
from .models import EvidenceFile, Submission

LOCKED = {
    409: OpenApiResponse(
        description="Conflict: the report is not editable (submitted or approved): its files "
        "can be added or removed only while it is a draft or returned"
    )
}
# A multipart body carries the file and a few headers; more than this much above the file
# limit cannot be a valid upload and is refused before it is read.
MULTIPART_OVERHEAD = 64 * 1024


class EvidenceFileSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    """One evidence file: API.md's fields (id, name, size, sha256, download_url) and more."""

    download_url = serializers.SerializerMethodField()
    item = serializers.SerializerMethodField()
    checked = serializers.SerializerMethodField()

    class Meta:
        model = EvidenceFile
        fields = [
            "id",
            "name",
            "size",
            "sha256",
            "download_url",
            "content_type",
            "item",
            "uploaded_at",
            "checked",
            "checked_at",
        ]
        read_only_fields = fields

    def get_download_url(self, obj: EvidenceFile) -> str:
        return evidence_selectors.api_download_url(obj)

    def get_item(self, obj: EvidenceFile) -> int:
        """The item's position in the report's ``items``, from 0."""
        return obj.position

    def get_checked(self, obj: EvidenceFile) -> bool:
        return obj.checked_at is not None


class EvidenceUploadSerializer(serializers.Serializer):  # type: ignore[type-arg]
    file = serializers.FileField(
        help_text=gettext_lazy(
            "PDF, JPEG, PNG or OFD (judged by its content), at most DX_EVIDENCE_MAX_BYTES"
        )
    )


def _service_call(function: Any, **kwargs: Any) -> Any:
    try:
        return function(**kwargs)
    except evidence.EvidenceLocked as error:
        raise Conflict(str(error)) from error
    except evidence.ItemNotFound as error:
        raise exceptions.NotFound(str(error)) from error


class _ItemFiles(APIView):
    """What the views of one item's files share: the report (404 unless the user may read
    it) and the item (404 unless the report has it)."""

    permission_classes = [IsAuthenticated]

    @property
    def user(self) -> User:
        return cast(User, self.request.user)

    def submission(self, submission_id: int, position: int) -> Submission:
        submission = get_object_or_404(selectors.submission_list(user=self.user), pk=submission_id)
        if not 0 <= position < len(submission.items_data or []):
            raise exceptions.NotFound(_("The report has no item %(n)d.") % {"n": position + 1})
        return submission

    def files(self, submission: Submission, position: int) -> Any:
        return (
            evidence_selectors.evidence_list(user=self.user)
            .filter(submission=submission, position=position)
            .order_by("uploaded_at", "id")
        )


class ItemFilesView(IdempotentPostMixin, _ItemFiles):
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(responses={200: EvidenceFileSerializer(many=True), **ERRORS})
    def get(self, request: Request, submission_id: int, position: int) -> Response:
        """The evidence files of the report's item ``position`` (from 0) that the user may
        open (none for analysts)."""
        submission = self.submission(submission_id, position)
        return Response(EvidenceFileSerializer(self.files(submission, position), many=True).data)

    @extend_schema(
        request={"multipart/form-data": EvidenceUploadSerializer},
        responses={201: EvidenceFileSerializer, **ERRORS, **LOCKED},
    )
    def post(self, request: Request, submission_id: int, position: int) -> Response:
        """Attach a file to the item (the report's own enterprise, while the report is a
        draft or returned): PDF, JPEG, PNG or OFD recognised by content, at most
        DX_EVIDENCE_MAX_BYTES; stored under a generated name with its SHA-256."""
        submission = self.submission(submission_id, position)
        _declared_size_check(request)
        body = EvidenceUploadSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        created = _service_call(
            evidence.evidence_attach,
            submission=submission,
            position=position,
            upload=body.validated_data["file"],
            by=self.user,
        )
        return Response(EvidenceFileSerializer(created).data, status=status.HTTP_201_CREATED)

    def idempotency_hash(self, request: Any) -> str:
        """A retry is the same upload: the same path, fields and files (hashed from the
        temporary files, not the body held in memory)."""
        digest = hashlib.sha256(request.path.encode())
        for name, value in sorted(request.POST.items()):
            digest.update(f"{name}={value}\n".encode())
        for name, upload in sorted(request.FILES.items()):
            digest.update(f"{name}:{upload.name}:{upload.size}\n".encode())
            for chunk in upload.chunks():
                digest.update(chunk)
            upload.seek(0)
        return digest.hexdigest()


def _declared_size_check(request: Request) -> None:
    """Refuse an upload larger than the limit by its Content-Length, before reading it."""
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    limit = int(settings.DX_EVIDENCE_MAX_BYTES)
    if declared > limit + MULTIPART_OVERHEAD:
        raise exceptions.ValidationError(
            {
                "file": [
                    _("The file is %(size)s; evidence files may be at most %(max)s.")
                    % {"size": evidence.size_text(declared), "max": evidence.size_text(limit)}
                ]
            }
        )


class ItemFileView(_ItemFiles):
    def evidence(self, submission_id: int, position: int, file_id: int) -> EvidenceFile:
        submission = self.submission(submission_id, position)
        found = self.files(submission, position).filter(pk=file_id).first()
        if found is None:
            raise Http404
        return cast(EvidenceFile, found)

    @extend_schema(responses={200: EvidenceFileSerializer, **ERRORS})
    def get(self, request: Request, submission_id: int, position: int, file_id: int) -> Response:
        """One evidence file of the item."""
        return Response(
            EvidenceFileSerializer(self.evidence(submission_id, position, file_id)).data
        )

    @extend_schema(responses={204: None, **ERRORS, **LOCKED})
    def delete(self, request: Request, submission_id: int, position: int, file_id: int) -> Response:
        """Remove the file from the item while the report is a draft or returned (it stays
        in the audit trail); an approved report's files cannot be removed (409)."""
        found = self.evidence(submission_id, position, file_id)
        _service_call(evidence.evidence_remove, evidence=found, by=self.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class EvidenceDownloadView(APIView):
    """A file's bytes, for those who may open it; 404 for everyone else (anonymous users,
    analysts, other enterprises), whether or not it exists."""

    permission_classes: list[Any] = []

    @extend_schema(
        responses={
            (200, "application/octet-stream"): OpenApiTypes.BINARY,
            404: OpenApiResponse(description="Not found, or not yours"),
        }
    )
    def get(self, request: Request, public_id: uuid.UUID) -> HttpResponseBase:
        """The file as an attachment (PDF, JPEG, PNG or OFD), under its display name."""
        found = evidence_for(cast(Any, request), public_id)
        response = evidence_file_response(found, inline=False)
        evidence.evidence_download_record(evidence=found, by=self.request.user)  # type: ignore[arg-type]
        return response
