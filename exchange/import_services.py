"""Imports: enterprises, parks and providers (through their django-import-export Resources)
and historical or offline quarterly reports (through the reporting workflow), plus the
uploads a page keeps between its dry run and the real import.

Every import is one transaction: when any row is invalid, or for a dry run, it is rolled
back and nothing is saved; its errors come back row by row (``Outcome.errors``). A file
that cannot be read at all raises ``ImportFileError`` (``exchange.importing.reader``).

Reports (issue 6): each row is created with ``submission_create`` (or, for an existing
draft or returned report, replaced with ``submission_update``) and handed in with
``submission_submit``, both ``by`` the official who uploads the file and ``at`` the
row's ``submitted_on`` (noon that day; the upload time when blank), so imported reports
land ``submitted`` — late when that date is after the due date — and go through review
like any other. A report already submitted or approved is refused (the row's error says
so, as the API's 409 would). Submitting moves no figure; their approval does, through the
review queue, and bulk approval records one rollup.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from core import policies
from enterprises.models import Enterprise
from reporting import services as reporting_services
from reporting.models import Submission
from targets.changes import recompute_batched
from targets.models import ItemKind, Metric
from targets.periods import period_format

from .import_resources import RESOURCES, AdminUploadStorage, Outcome, Preview, keyed_dataset
from .importing.columns import RowError, sheet_titles
from .importing.reader import ImportFileError, read_upload, size_check
from .importing.reports import ITEM_SHEETS, ITEMS, REPORT_SHEETS, ReportRow, report_file_read

logger = logging.getLogger(__name__)

KINDS = ("enterprises", "parks", "providers", "reports")
EDITABLE = (Submission.Status.DRAFT, Submission.Status.RETURNED)
# A dry run's file is kept this long for its confirmation, and its error report as long.
KEEP_SECONDS = 60 * 60
PENDING_DIR = "imports/pending"
ADMIN_DIR = AdminUploadStorage.folder
_SALT = "exchange.imports"


def _require_importer(by: Any) -> None:
    if not policies.can_import(by):
        raise PermissionDenied(_("Only officials may import."))


def upload_read(upload: UploadedFile) -> bytes:
    """The uploaded file's bytes, refusing an empty or oversized one before reading it."""
    size_check(upload.size or 0)
    return b"".join(upload.chunks())


def records_import(
    *,
    kind: str,
    data: bytes,
    name: str,
    by: User,
    dry_run: bool = False,
    at: dt.datetime | None = None,
) -> Outcome:
    """Import one file of ``kind`` (``KINDS``); see the module. Raises ImportFileError
    for a file that cannot be read, PermissionDenied for a user who may not import."""
    _require_importer(by)
    if kind == "reports":
        return reports_import(data=data, name=name, by=by, dry_run=dry_run, at=at)
    resource = RESOURCES[kind]()
    book = read_upload(data, name, sheets=(sheet_titles(kind),))
    sheet = book.sheets[0]
    assert sheet is not None  # noqa: S101 - the first sheet always exists
    dataset = keyed_dataset(sheet, resource.columns)
    result = resource.import_data(dataset, dry_run=dry_run, user=by)
    return resource.outcome(result, dry_run=dry_run, rows=len(dataset))


# --- reports ------------------------------------------------------------------------------


@dataclass
class _Context:
    by: User
    now: dt.datetime
    enterprises: dict[str, Enterprise]
    existing: dict[tuple[int, int], Submission]
    outcome: Outcome


def reports_import(
    *, data: bytes, name: str, by: User, dry_run: bool = False, at: dt.datetime | None = None
) -> Outcome:
    _require_importer(by)
    book = read_upload(data, name, sheets=(REPORT_SHEETS, ITEM_SHEETS))
    parsed = report_file_read(
        book, metrics=list(Metric.objects.all()), kinds=list(ItemKind.objects.all())
    )
    outcome = Outcome(
        kind="reports",
        dry_run=dry_run,
        rows=parsed.rows,
        skipped=parsed.skipped,
        errors=list(parsed.errors),
    )
    context = _Context(
        by=by,
        now=at or timezone.now(),
        enterprises=_enterprises(parsed.reports),
        existing=_existing(parsed.reports),
        outcome=outcome,
    )
    with transaction.atomic():
        with recompute_batched(), reporting_services.submissions_batched():
            for report in parsed.reports:
                _report_write(report, context)
        if dry_run or outcome.errors:
            transaction.set_rollback(True)
    outcome.errors.sort(key=lambda e: (e.sheet, e.row))
    return outcome


def _enterprises(reports: Iterable[ReportRow]) -> dict[str, Enterprise]:
    codes = {r.uscc for r in reports}
    return {e.uscc: e for e in Enterprise.objects.filter(uscc__in=codes)}


def _existing(reports: list[ReportRow]) -> dict[tuple[int, int], Submission]:
    codes = {r.uscc for r in reports}
    periods = {r.period for r in reports}
    found = Submission.objects.filter(enterprise__uscc__in=codes, period__in=periods)
    return {(s.enterprise_id, s.period): s for s in found}


def _report_write(report: ReportRow, context: _Context) -> None:
    outcome = context.outcome
    enterprise = context.enterprises.get(report.uscc)
    if enterprise is None:
        outcome.errors.append(
            RowError(
                report.row,
                "uscc",
                _("No enterprise has the code %(uscc)s.") % {"uscc": report.uscc},
            )
        )
        return
    current = context.existing.get((enterprise.pk, report.period))
    if current is not None and current.status not in EDITABLE:
        outcome.errors.append(
            RowError(
                report.row,
                "period",
                _(
                    "The report of %(period)s exists already and is %(status)s (id %(id)d); "
                    "an import replaces only drafts and returned reports."
                )
                % {
                    "period": period_format(report.period),
                    "status": current.get_status_display(),
                    "id": current.pk,
                },
            )
        )
        return
    at = _submitted_at(report.submitted_on, context.now)
    try:
        with transaction.atomic():
            submission = _report_save(report, enterprise, current, context.by, at)
    except ValidationError as error:
        outcome.errors.extend(_report_errors(report, error))
        return
    except (
        reporting_services.SubmissionExists,
        reporting_services.StaleVersion,
        reporting_services.TransitionNotAllowed,
    ) as error:
        outcome.errors.append(RowError(report.row, "period", str(error)))
        return
    _report_count(outcome, report, enterprise, submission, created=current is None)


def _report_save(
    report: ReportRow,
    enterprise: Enterprise,
    current: Submission | None,
    by: User,
    at: dt.datetime,
) -> Submission:
    items = [item.data for item in report.items]
    if current is None:
        submission = reporting_services.submission_create(
            enterprise=enterprise,
            period=report.period,
            metrics=report.metrics,
            items=items,
            by=by,
            at=at,
        )
    else:
        submission = reporting_services.submission_update(
            submission=current, version=None, metrics=report.metrics, items=items, by=by, at=at
        )
    return reporting_services.submission_submit(submission=submission, by=by, at=at)


def _submitted_at(day: dt.date | None, now: dt.datetime) -> dt.datetime:
    if day is None or day >= timezone.localdate(now):
        return now
    return timezone.make_aware(dt.datetime.combine(day, dt.time(12)))


def _report_errors(report: ReportRow, error: ValidationError) -> list[RowError]:
    """reporting.validation's keys → the row and column of the file: ``metrics.<code>``
    is the metric's column, ``items[i].<field>`` the i-th item's row of the items sheet."""
    errors: list[RowError] = []
    for key, messages in error.message_dict.items():
        row, field, sheet = report.row, key, ""
        if key.startswith("metrics."):
            field = key.removeprefix("metrics.")
        elif key.startswith("items["):
            index_text, _close, rest = key.removeprefix("items[").partition("]")
            index = int(index_text) if index_text.isdigit() else -1
            if 0 <= index < len(report.items):
                row, sheet = report.items[index].row, ITEMS
            field = rest.removeprefix(".")
        elif key == "__all__":
            field = ""
        errors.extend(RowError(row, field, str(m), sheet=sheet) for m in messages)
    return errors


def _report_count(
    outcome: Outcome,
    report: ReportRow,
    enterprise: Enterprise,
    submission: Submission,
    *,
    created: bool,
) -> None:
    rows = outcome.created_rows if created else outcome.updated_rows
    if created:
        outcome.created += 1
    else:
        outcome.updated += 1
    if len(rows) < 10:
        rows.append(
            Preview(
                row=report.row,
                key=enterprise.uscc,
                name=f"{enterprise.name} · {period_format(report.period)}",
                changes=[("status", "", str(submission.get_status_display()))],
            )
        )


# --- uploads kept between a page's dry run and its confirmation ------------------------------


@dataclass(frozen=True)
class Pending:
    kind: str
    name: str
    data: bytes


def pending_keep(*, kind: str, name: str, data: bytes, by: User) -> str:
    """Store a checked upload under a generated name; return a signed token for it (the
    user's, for ``KEEP_SECONDS``). Older leftovers are removed on the way."""
    pending_sweep()
    path = default_storage.save(f"{PENDING_DIR}/{uuid.uuid4().hex}.upload", ContentFile(data))
    payload = {
        "path": path,
        "kind": kind,
        "name": name[:200],
        "user": by.pk,
        "sha256": hashlib.sha256(data).hexdigest(),
    }
    return signing.dumps(payload, salt=_SALT, compress=True)


def pending_take(token: str, *, by: User) -> Pending:
    """The upload a token names (removed from storage: a token imports once). Raises
    ImportFileError when it is unknown, another user's, expired or already used."""
    payload = _token_read(token, by=by)
    path = str(payload["path"])
    try:
        with default_storage.open(path, "rb") as stream:
            data = stream.read()
    except (FileNotFoundError, OSError) as error:
        raise _expired() from error
    default_storage.delete(path)
    if hashlib.sha256(data).hexdigest() != payload.get("sha256"):
        raise _expired()
    return Pending(kind=str(payload["kind"]), name=str(payload["name"]), data=data)


def errors_keep(*, workbook: bytes, by: User) -> str:
    path = default_storage.save(
        f"{PENDING_DIR}/{uuid.uuid4().hex}.errors.xlsx", ContentFile(workbook)
    )
    return signing.dumps({"path": path, "user": by.pk}, salt=_SALT, compress=True)


def errors_read(token: str, *, by: User) -> bytes:
    payload = _token_read(token, by=by)
    try:
        with default_storage.open(str(payload["path"]), "rb") as stream:
            return bytes(stream.read())
    except (FileNotFoundError, OSError) as error:
        raise _expired() from error


def _token_read(token: str, *, by: User) -> dict[str, Any]:
    try:
        payload = signing.loads(token, salt=_SALT, max_age=KEEP_SECONDS)
    except signing.BadSignature as error:
        raise _expired() from error
    if not isinstance(payload, dict) or payload.get("user") != by.pk:
        raise _expired()
    path = str(payload.get("path", ""))
    if not path.startswith(f"{PENDING_DIR}/") or ".." in path:
        raise _expired()
    return payload


def _expired() -> ImportFileError:
    return ImportFileError(
        _("This upload has expired or was imported already. Upload the file again.")
    )


def pending_sweep(*, at: dt.datetime | None = None) -> int:
    """Remove kept uploads and error reports (also the admin's, which it leaves behind
    when a file cannot be read) older than ``KEEP_SECONDS``."""
    now = at or timezone.now()
    removed = 0
    for folder in (PENDING_DIR, ADMIN_DIR):
        try:
            _dirs, files = default_storage.listdir(folder)
        except (FileNotFoundError, OSError, NotImplementedError):
            continue
        for name in files:
            path = f"{folder}/{name}"
            try:
                modified = default_storage.get_modified_time(path)
            except (FileNotFoundError, OSError, NotImplementedError):
                continue
            if (now - modified).total_seconds() > KEEP_SECONDS:
                default_storage.delete(path)
                removed += 1
    return removed
