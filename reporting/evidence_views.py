"""Evidence files in the browser: download, preview (inline, for PDF, JPEG and PNG) and the
reviewer's check mark. Files are never public media: every answer asks the access policy,
and a file the user may not open answers 404 whether or not it exists
(docs/decisions/0017-evidence-files.md).
"""

from __future__ import annotations

import uuid
from typing import Any, cast
from urllib.parse import quote

from django.conf import settings
from django.contrib import messages
from django.core.files.storage import FileSystemStorage
from django.core.files.uploadedfile import UploadedFile
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from accounts.models import User
from core import policies
from core.views import require
from targets.models import ItemKind

from . import evidence, evidence_selectors
from .models import EvidenceFile, Submission

# The preview is framed by the report's page (same origin only) and shows the file with
# the browser's own viewer, which needs to load itself as a plugin in that frame.
PREVIEW_CSP = {
    "default-src": ["'none'"],
    "img-src": ["'self'", "data:"],
    "style-src": ["'unsafe-inline'"],
    "object-src": ["'self'"],
    "frame-ancestors": ["'self'"],
}


def evidence_file_response(evidence_file: EvidenceFile, *, inline: bool) -> HttpResponseBase:
    """The file as its own type, under its display name (RFC 5987 for Chinese names):
    inline only when a browser can show it, as an attachment otherwise. Handed to nginx
    (X-Accel-Redirect) when ``DX_EVIDENCE_ACCEL_REDIRECT`` says it fronts the local
    storage; streamed from the storage (also S3) otherwise. 404 when the bytes are gone."""
    inline = inline and evidence_file.previewable
    name = evidence.download_name(evidence_file)
    storage = evidence_file.file.storage
    response: HttpResponseBase
    accel = settings.DX_EVIDENCE_ACCEL_REDIRECT
    if accel and isinstance(storage, FileSystemStorage):
        response = HttpResponse(content_type=evidence_file.content_type)
        response["X-Accel-Redirect"] = f"{accel.rstrip('/')}/{quote(evidence_file.file.name)}"
        response["Content-Disposition"] = content_disposition_header(not inline, name) or ""
    else:
        try:
            handle = storage.open(evidence_file.file.name, "rb")
        except (FileNotFoundError, OSError) as error:
            raise Http404 from error
        response = FileResponse(
            handle,
            as_attachment=not inline,
            filename=name,
            content_type=evidence_file.content_type,
        )
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    if inline:
        response["X-Frame-Options"] = "SAMEORIGIN"
        # django-csp reads this attribute (what its csp_replace decorator sets).
        setattr(response, "_csp_replace", PREVIEW_CSP)  # noqa: B010
    return response


def evidence_for(request: HttpRequest, public_id: uuid.UUID) -> EvidenceFile:
    """The file behind the link if the user may open it; 404 otherwise, for anonymous users
    too (a link reveals nothing, not even whether a login would help)."""
    found = None
    if request.user.is_authenticated:
        found = evidence_selectors.evidence_get(user=request.user, public_id=public_id)
    if found is None:
        raise Http404
    return found


def _served(request: HttpRequest, public_id: uuid.UUID, *, inline: bool) -> HttpResponseBase:
    evidence_file = evidence_for(request, public_id)
    response = evidence_file_response(evidence_file, inline=inline)
    evidence.evidence_download_record(evidence=evidence_file, by=cast(User, request.user))
    return response


@require_GET
def evidence_download(request: HttpRequest, public_id: uuid.UUID) -> HttpResponseBase:
    return _served(request, public_id, inline=False)


@require_GET
def evidence_preview(request: HttpRequest, public_id: uuid.UUID) -> HttpResponseBase:
    """Inline, for the review page's preview (PDF, JPEG, PNG; OFD downloads)."""
    return _served(request, public_id, inline=True)


@require_POST
@require(policies.can_check_evidence)
def evidence_check(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """The reviewer marks the file as checked (``checked=0`` withdraws the mark)."""
    evidence_file = evidence_for(request, public_id)
    checked = request.POST.get("checked", "1") != "0"
    try:
        evidence.evidence_check(
            evidence=evidence_file, by=cast(User, request.user), checked=checked
        )
    except evidence.EvidenceLocked as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request,
            (_("“%(name)s” marked as checked.") if checked else _("Check mark withdrawn."))
            % {"name": evidence_file.name},
        )
    url = reverse("reporting:report-detail", args=[evidence_file.submission_id])
    return redirect(f"{url}#item-{evidence_file.position + 1}")


# --- the files on the report's pages ------------------------------------------------------


def _file_row(user: User, evidence_file: EvidenceFile) -> dict[str, Any]:
    return {
        "id": evidence_file.pk,
        "name": evidence_file.name,
        "size": evidence_file.size,
        "type": evidence_file.get_content_type_display(),
        "sha256": evidence_file.sha256,
        "download_url": evidence_selectors.download_url(evidence_file),
        "preview_url": evidence_selectors.preview_url(evidence_file),
        "preview_kind": "image" if evidence_file.content_type.startswith("image/") else "pdf",
        "checked_at": evidence_file.checked_at,
        "checked_by": evidence_file.checked_by,
        "check_url": (
            reverse("reporting:evidence-check", args=[evidence_file.public_id])
            if policies.can_check_evidence(user)
            else None
        ),
    }


def _required_kinds() -> set[str]:
    return set(ItemKind.objects.filter(evidence_required=True).values_list("code", flat=True))


def item_rows_with_files(
    user: User, submission: Submission, rows: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """The report page's item rows, each with its number, its files the user may open
    (with their preview and, for reviewers, the check), and whether its kind requires a
    file that is missing (two queries)."""
    files = evidence_selectors.evidence_by_item(user=user, submission=submission)
    required = _required_kinds()
    readable = policies.can_read_evidence(user)
    for index, (row, item) in enumerate(zip(rows, submission.items_data or [], strict=False)):
        row_files = [_file_row(user, f) for f in files.get(index, [])]
        row["number"] = index + 1
        row["files"] = row_files
        row["evidence_required"] = item.get("kind") in required
        row["evidence_missing"] = readable and row["evidence_required"] and not row_files
    return rows


def form_rows_evidence(request: HttpRequest, formset: Any, submission: Submission | None) -> None:
    """Each item row of the report form gets its files (``evidence``), where to upload more
    at once (``upload_url``: rows of a saved report shown as saved; other rows send their
    files with the form) and whether files chosen for a refused post need choosing again
    (``files_lost``). The hidden ``files`` field lists the row's file ids."""
    user = cast(User, request.user)
    current: list[EvidenceFile] = []
    if submission is not None:
        current = list(
            evidence_selectors.evidence_list(user=user)
            .filter(submission=submission)
            .order_by("position", "uploaded_at", "id")
        )
    by_id = {f.pk: f for f in current}
    for index, form in enumerate(formset.forms):
        if formset.is_bound:
            ids = [int(p) for p in str(form["file_ids"].value() or "").split(",") if p.isdigit()]
            form.evidence = [_file_row(user, by_id[pk]) for pk in ids if pk in by_id]
            form.upload_url = None
            form.files_lost = bool(request.FILES.getlist(f"{form.prefix}-files"))
        else:
            mine = [f for f in current if f.position == index]
            form.evidence = [_file_row(user, f) for f in mine]
            form.initial["file_ids"] = ",".join(str(f.pk) for f in mine)
            form.upload_url = (
                reverse("item-files", args=[submission.pk, index]) if submission else None
            )
            form.files_lost = False
        for row in form.evidence:
            row["delete_url"] = (
                reverse("item-file", args=[submission.pk, index, row["id"]])
                if form.upload_url and submission
                else None
            )


def form_files(request: HttpRequest, filled: list[Any]) -> dict[int, list[UploadedFile]]:
    """The files chosen in the form's rows, by the position of their item (the rows that
    become items, in order)."""
    return {
        position: request.FILES.getlist(f"{form.prefix}-files")
        for position, form in enumerate(filled)
        if request.FILES.getlist(f"{form.prefix}-files")
    }


def comment_naming_item(submission: Submission, comment: str, item: int | None) -> str:
    """A reviewer's comment about one item starts by naming it ("Item 2 (CXHL2400123): …")."""
    items = submission.items_data or []
    if not item or not 1 <= item <= len(items):
        return comment
    identifier = str(items[item - 1].get("identifier", ""))
    return _("Item %(n)d (%(identifier)s): %(comment)s") % {
        "n": item,
        "identifier": identifier,
        "comment": comment,
    }
