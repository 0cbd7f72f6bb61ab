"""Evidence files: the certificates behind a report's items
(docs/decisions/0017-evidence-files.md).

Writes, each checking the access policy and the report's state under its row lock, and each
leaving an ``EvidenceEvent`` in the audit trail:

- ``evidence_attach`` — a file to the item at a position of an editable (draft or returned)
  report: PDF, JPEG, PNG or OFD recognised by their content (never their name), at most
  ``DX_EVIDENCE_MAX_BYTES``, stored under a generated name with its SHA-256;
- ``evidence_remove`` — while the report is editable (the row and the bytes stay for the
  audit; an approved report's files are only superseded: reopened, changed, approved again);
- ``evidence_check`` — a reviewer marks a file as checked (or withdraws the mark);
- ``evidence_download_record`` — an official's download;
- ``evidence_items_follow`` — when a report's items are replaced, each file follows its item
  (``reporting.services.submission_update`` calls it under the report's lock);
- ``evidence_required_check`` — a report is submitted only when every item of a kind that
  requires evidence has a file (``submission_submit`` calls it).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import unicodedata
import zipfile
from collections.abc import Collection, Mapping, Sequence
from pathlib import PurePath
from typing import IO, Any, cast

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files import File
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from core import policies
from targets.models import ItemKind

from .models import EvidenceEvent, EvidenceFile, Submission
from .normalise import identifier_normalise
from .validation import CleanItem

Status = Submission.Status
EDITABLE = (Status.DRAFT, Status.RETURNED)
ContentType = EvidenceFile.ContentType
NAME_MAX = 255
# An OFD is a ZIP whose root holds OFD.xml; its entry point is small. Only the central
# directory is read (nothing is decompressed), and only so many entries are looked at.
OFD_ROOT = "OFD.xml"
OFD_MAX_ENTRIES = 100_000
OFD_ROOT_MAX_BYTES = 1024 * 1024
# Suffixes a display name may keep for each type when it is downloaded.
SUFFIXES = {
    ContentType.PDF: (".pdf",),
    ContentType.JPEG: (".jpg", ".jpeg", ".jpe"),
    ContentType.PNG: (".png",),
    ContentType.OFD: (".ofd",),
}


class EvidenceLocked(Exception):
    """The report is not editable (submitted, approved, ...): its files stay (409)."""


class ItemNotFound(Exception):
    """The report has no item at this position (404)."""


# --- what a file is, by its content ------------------------------------------------------


def evidence_sniff(handle: IO[bytes]) -> str | None:
    """The file's type from its first bytes (and, for a ZIP, its directory): PDF
    ``%PDF-``, JPEG ``FF D8 FF``, PNG ``89 50 4E 47 0D 0A 1A 0A``, OFD a ZIP with
    ``OFD.xml`` at its root; None for anything else. Leaves the handle at its start."""
    handle.seek(0)
    head = handle.read(8)
    handle.seek(0)
    if head.startswith(b"%PDF-"):
        return ContentType.PDF
    if head.startswith(b"\xff\xd8\xff"):
        return ContentType.JPEG
    if head == b"\x89PNG\r\n\x1a\n":
        return ContentType.PNG
    if head.startswith(b"PK\x03\x04") and _is_ofd(handle):
        return ContentType.OFD
    return None


def _is_ofd(handle: IO[bytes]) -> bool:
    try:
        with zipfile.ZipFile(handle) as archive:
            entries = archive.infolist()
            if len(entries) > OFD_MAX_ENTRIES:
                return False
            root = next((e for e in entries if e.filename == OFD_ROOT), None)
            return (
                root is not None
                and not root.is_dir()
                and 0 < root.file_size <= OFD_ROOT_MAX_BYTES
                and not root.flag_bits & 0x1  # not encrypted
            )
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, NotImplementedError, OSError):
        return False
    finally:
        handle.seek(0)


def _sha256(handle: IO[bytes]) -> str:
    digest = hashlib.sha256()
    handle.seek(0)
    for chunk in iter(lambda: handle.read(1024 * 1024), b""):
        digest.update(chunk)
    handle.seek(0)
    return digest.hexdigest()


def display_name(name: str) -> str:
    """The name the user gave, for display only: its last path part, without control
    characters, at most 255 characters (the suffix kept)."""
    text = unicodedata.normalize("NFC", str(name or ""))
    text = text.replace("\\", "/").rsplit("/", 1)[-1]
    text = "".join(c for c in text if unicodedata.category(c)[0] != "C").strip()
    if len(text) > NAME_MAX:
        suffix = PurePath(text).suffix[:20]
        text = text[: NAME_MAX - len(suffix)] + suffix
    return text or "evidence"


def download_name(evidence: EvidenceFile) -> str:
    """The display name, ending in a suffix of the file's real type."""
    suffixes = SUFFIXES.get(ContentType(evidence.content_type), ())
    if evidence.name.lower().endswith(suffixes):
        return evidence.name
    return evidence.name + evidence.extension


def max_bytes() -> int:
    return int(settings.DX_EVIDENCE_MAX_BYTES)


def size_text(size: int) -> str:
    """A size as people read it (20 MB, 350 KB)."""
    if size >= 1024 * 1024:
        return f"{size / (1024 * 1024):.3g} MB"
    return f"{max(1, round(size / 1024))} KB"


def evidence_validate(upload: UploadedFile) -> str:
    """The upload's type, or ValidationError {"file": [...]}: empty, too large, or not a
    PDF, JPEG, PNG or OFD by its content."""
    size = upload.size or 0
    if size <= 0:
        raise ValidationError({"file": [_("The file is empty.")]})
    if size > max_bytes():
        raise ValidationError(
            {
                "file": [
                    _("The file is %(size)s; evidence files may be at most %(max)s.")
                    % {"size": size_text(size), "max": size_text(max_bytes())}
                ]
            }
        )
    content_type = evidence_sniff(cast(IO[bytes], upload.file))
    if content_type is None:
        raise ValidationError(
            {
                "file": [
                    _(
                        "“%(name)s” is not a PDF, JPEG, PNG or OFD file (judged by its "
                        "content, not its name)."
                    )
                    % {"name": display_name(upload.name or "")}
                ]
            }
        )
    return content_type


# --- writes ------------------------------------------------------------------------------


def _now(at: dt.datetime | None) -> dt.datetime:
    return at or timezone.now()


def _require_attacher(user: User, enterprise_id: int) -> None:
    if not policies.can_attach_evidence(user, enterprise_id=enterprise_id):
        raise PermissionDenied(_("You may only attach files to your own enterprise's reports."))


def _lock_editable(submission: Submission) -> Submission:
    locked = Submission.objects.select_for_update().get(pk=submission.pk)
    if locked.status not in EDITABLE:
        raise EvidenceLocked(
            _(
                "The report is %(status)s: its files can be added or removed only while it "
                "is a draft or returned (an official may reopen an approved report)."
            )
            % {"status": locked.get_status_display()}
        )
    return cast(Submission, locked)


def _event(
    evidence: EvidenceFile,
    *,
    action: str,
    by: User | None,
    at: dt.datetime,
    version: int,
    comment: str = "",
) -> EvidenceEvent:
    return EvidenceEvent.objects.create(
        submission_id=evidence.submission_id,
        file=evidence,
        action=action,
        by=by,
        at=at,
        version=version,
        comment=comment,
    )


def _item_at(submission: Submission, position: int) -> dict[str, Any]:
    items = submission.items_data or []
    if not 0 <= position < len(items):
        raise ItemNotFound(_("The report has no item %(n)d.") % {"n": position + 1})
    return cast(dict[str, Any], items[position])


def evidence_attach(
    *,
    submission: Submission,
    position: int,
    upload: UploadedFile,
    by: User,
    at: dt.datetime | None = None,
) -> EvidenceFile:
    """Attach ``upload`` to the item at ``position`` (from 0) of an editable report."""
    at = _now(at)
    _require_attacher(by, submission.enterprise_id)
    content_type = evidence_validate(upload)
    sha256 = _sha256(cast(IO[bytes], upload.file))
    with transaction.atomic():
        locked = _lock_editable(submission)
        item = _item_at(locked, position)
        kind_id = ItemKind.objects.values_list("pk", flat=True).get(code=item["kind"])
        evidence = EvidenceFile(
            submission=locked,
            enterprise_id=locked.enterprise_id,
            position=position,
            kind_id=kind_id,
            identifier_key=identifier_normalise(str(item.get("identifier", ""))),
            name=display_name(upload.name or ""),
            content_type=content_type,
            size=upload.size or 0,
            sha256=sha256,
            uploaded_by=by,
            uploaded_at=at,
        )
        handle = cast(IO[bytes], upload.file)
        handle.seek(0)
        evidence.file.save(evidence.extension, File(handle), save=False)
        try:
            evidence.save()
            _event(
                evidence, action=EvidenceEvent.Action.ATTACH, by=by, at=at, version=locked.version
            )
        except Exception:
            evidence.file.storage.delete(evidence.file.name)
            raise
    return evidence


def evidence_remove(
    *, evidence: EvidenceFile, by: User, at: dt.datetime | None = None, comment: str = ""
) -> EvidenceFile:
    """Take a file off its item while the report is editable. The row and the bytes stay
    for the audit trail; lists and downloads skip it."""
    at = _now(at)
    _require_attacher(by, evidence.enterprise_id)
    with transaction.atomic():
        locked = _lock_editable(evidence.submission)
        current = EvidenceFile.objects.select_for_update().get(pk=evidence.pk)
        if current.removed_at is None:
            _removed(current, by=by, at=at, version=locked.version, comment=comment)
    return cast(EvidenceFile, current)


def _removed(
    evidence: EvidenceFile, *, by: User, at: dt.datetime, version: int, comment: str = ""
) -> None:
    evidence.removed_at = at
    evidence.removed_by = by
    evidence.save(update_fields=["removed_at", "removed_by"])
    _event(
        evidence, action=EvidenceEvent.Action.REMOVE, by=by, at=at, version=version, comment=comment
    )


def evidence_check(
    *, evidence: EvidenceFile, by: User, checked: bool = True, at: dt.datetime | None = None
) -> EvidenceFile:
    """A reviewer marks the file as checked against the item (or withdraws the mark)."""
    at = _now(at)
    if not policies.can_check_evidence(by):
        raise PermissionDenied(_("Only officials may check evidence files."))
    with transaction.atomic():
        current = (
            EvidenceFile.objects.select_for_update()
            .select_related("submission")
            .get(pk=evidence.pk)
        )
        if current.removed_at is not None:
            raise EvidenceLocked(_("The file was removed from the report."))
        if checked == (current.checked_at is not None):
            return cast(EvidenceFile, current)
        current.checked_at, current.checked_by = (at, by) if checked else (None, None)
        current.save(update_fields=["checked_at", "checked_by"])
        action = EvidenceEvent.Action.CHECK if checked else EvidenceEvent.Action.UNCHECK
        _event(current, action=action, by=by, at=at, version=current.submission.version)
    return cast(EvidenceFile, current)


def evidence_download_record(
    *, evidence: EvidenceFile, by: User, at: dt.datetime | None = None
) -> None:
    """Keep an official's download of the file in the audit trail."""
    if not policies.evidence_download_audited(by):
        return
    version = Submission.objects.values_list("version", flat=True).get(pk=evidence.submission_id)
    _event(evidence, action=EvidenceEvent.Action.DOWNLOAD, by=by, at=_now(at), version=version)


# --- called by reporting.services -----------------------------------------------------------


def _key(item: Mapping[str, Any]) -> tuple[str, str]:
    return str(item.get("kind", "")), identifier_normalise(str(item.get("identifier", "")))


def evidence_items_follow(
    *,
    submission: Submission,
    old_items: Sequence[Mapping[str, Any]],
    new_items: Sequence[CleanItem],
    kind_ids: Mapping[str, int],
    by: User,
    at: dt.datetime,
) -> None:
    """The report's items were replaced (``submission`` locked, still at the version the
    edit started from): each current file follows its item. An item of the new list that
    names its files (``files``: ids, as the report's JSON lists them) takes those; a file
    otherwise goes to the new item with its old item's kind and identifier, or else — the
    identifier was edited in place — to the new item at its old position, if that one is
    new; a file left without an item is removed (in the trail, "the item was removed")."""
    files = list(
        EvidenceFile.objects.select_for_update()
        .filter(submission=submission, removed_at__isnull=True)
        .order_by("id")
    )
    if not files:
        return
    new_keys = [(item.kind, item.identifier_key) for item in new_items]
    old_keys = [_key(item) for item in old_items]
    explicit = {
        file_id: index
        for index, item in enumerate(new_items)
        if item.files is not None
        for file_id in item.files
    }
    named = {index for index, item in enumerate(new_items) if item.files is not None}
    by_key = {key: index for index, key in enumerate(new_keys) if index not in named}
    for evidence in files:
        target = explicit.get(evidence.pk)
        if evidence.pk not in explicit:
            old = old_keys[evidence.position] if evidence.position < len(old_keys) else None
            target = by_key.get(old) if old is not None else None
            if (
                target is None
                and old is not None
                and old not in new_keys
                and evidence.position < len(new_keys)
                and evidence.position not in named
                and new_keys[evidence.position] not in old_keys
            ):
                target = evidence.position
        if target is None:
            _removed(
                evidence,
                by=by,
                at=at,
                version=submission.version,
                comment=_("The item was removed from the report."),
            )
            continue
        kind, key = new_keys[target]
        moved = (target, kind_ids[kind], key)
        if moved != (evidence.position, evidence.kind_id, evidence.identifier_key):
            evidence.position, evidence.kind_id, evidence.identifier_key = moved
            evidence.save(update_fields=["position", "kind", "identifier_key"])


def evidence_required_check(
    *,
    submission: Submission,
    by: User,
    kinds: Mapping[str, ItemKind] | None = None,
    also: Collection[int] = (),
) -> None:
    """ValidationError {"items[<i>].files": [...]} for each item of a kind that requires
    evidence and has no file (``also``: positions whose files are being attached in the
    same request). Officials' submissions on an enterprise's behalf are not held to it
    (``core.policies.evidence_required_of``)."""
    if not policies.evidence_required_of(by):
        return
    items = list(submission.items_data or [])
    codes = {str(item.get("kind", "")) for item in items}
    if not codes:
        return
    if kinds is None:
        kinds = {kind.code: kind for kind in ItemKind.objects.filter(code__in=codes)}
    required = [
        (index, item)
        for index, item in enumerate(items)
        if (kind := kinds.get(str(item.get("kind", "")))) is not None and kind.evidence_required
    ]
    if not required:
        return
    attached = set(
        EvidenceFile.objects.filter(submission=submission, removed_at__isnull=True)
        .values_list("position", flat=True)
        .distinct()
    ) | set(also)
    errors = {
        f"items[{index}].files": [
            _(
                "Item %(n)d (%(kind)s %(identifier)s): attach the evidence file (PDF, JPEG, PNG "
                "or OFD) before submitting."
            )
            % {
                "n": index + 1,
                "kind": kinds[str(item["kind"])].name,
                "identifier": item.get("identifier", ""),
            }
        ]
        for index, item in required
        if index not in attached
    }
    if errors:
        raise ValidationError(errors)
