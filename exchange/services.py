"""Writes of exports: requesting the programme workbook or a page's table too long to
download at once, building them (the Celery job), and the periodic sweep and cleanup.

A request is recorded as a ``pending`` row first and its job queued after the commit
(``core.queue.task_enqueue``): when the broker is down the request still succeeds, and
``export_sweep`` builds what no worker took (docs/decisions/0008). The build claims the row
with one conditional UPDATE (pending → running), so a redelivered or duplicated task does
nothing; it records its progress (percent and sheet) in short transactions of their own as
it writes, which also serve as its heartbeat; a failure is recorded on the row (``failed``,
the error), never raised to Celery.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import tempfile
import uuid
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import transaction
from django.http import Http404, QueryDict
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.models import User
from core import policies
from core.queue import task_enqueue
from parks.selectors import scope_resolve
from progress.selectors import snapshot_periods
from targets.periods import period_format
from targets.scopes import Scope, ScopeError

from .models import Export
from .tables import Table, params_from_json, params_json, table_build
from .tables.output import csv_lines, xlsx_write
from .workbook.build import BookLike, workbook_write
from .workbook.writer import Book

logger = logging.getLogger(__name__)

BUILD_TASK = "exchange.tasks.export_build"
STORAGE_PREFIX = "exports"
# A pending export no worker took within this many seconds is built by the sweep; a running
# one whose heartbeat stopped this long ago lost its worker and is built again.
PICKUP_SECONDS = 30
STALE_SECONDS = 10 * 60


def export_request(
    *,
    by: User,
    period: int | None,
    scope: str | None,
    language: str,
    at: dt.datetime | None = None,
) -> Export:
    """Record a request for the programme workbook and queue its job after the commit.

    ``period``: a quarter with figures (the latest when None); ``scope``: "city",
    "district:CODE" or "park:CODE" (the user's default when None). A park manager may only
    export their own park, a district official their district and its parks
    (PermissionDenied otherwise)."""
    if not policies.can_export(by):
        raise PermissionDenied(_("Your role may not export workbooks."))
    resolved = _scope_check(by, scope)
    period = _period_check(period)
    at = at or timezone.now()
    with transaction.atomic():
        export = Export.objects.create(
            requested_by=by,
            period=period,
            scope=str(resolved),
            language=(language or settings.LANGUAGE_CODE)[:10],
            requested_at=at,
            expires_at=at + dt.timedelta(days=settings.DX_EXPORT_EXPIRY_DAYS),
        )
        transaction.on_commit(lambda: task_enqueue(BUILD_TASK, export.pk))
    return export


def table_export_request(
    *,
    by: User,
    table: Table,
    params: QueryDict,
    file_format: str = Export.Format.XLSX,
    at: dt.datetime | None = None,
) -> Export:
    """Record a request for a page's table (built by ``exchange.tables`` as ``by`` sees it,
    with the page's query ``params``) and queue its job after the commit. The same table
    asked for again while its export is still waiting or being built is that export."""
    if not policies.can_export(by):
        raise PermissionDenied(_("Your role may not export workbooks."))
    if file_format not in Export.Format.values:
        raise ValidationError({"format": [_("Choose xlsx or csv.")]})
    at = at or timezone.now()
    wanted = params_json(params)
    language = (table.language or settings.LANGUAGE_CODE)[:10]
    with transaction.atomic():
        waiting = Export.objects.filter(
            requested_by=by,
            kind=Export.Kind.TABLE,
            table=table.name,
            language=language,
            file_format=file_format,
            status__in=(Export.Status.PENDING, Export.Status.RUNNING),
            expires_at__gt=at,
        ).order_by("-requested_at", "-pk")
        for export in waiting:
            if export.params == wanted:
                return export
        export = Export.objects.create(
            requested_by=by,
            kind=Export.Kind.TABLE,
            table=table.name,
            params=wanted,
            title=table.heading[:200],
            filename=f"{table.filename}.{file_format}"[:200],
            file_format=file_format,
            period=table.period,
            scope=table.scope[:60],
            language=language,
            rows=0,
            requested_at=at,
            expires_at=at + dt.timedelta(days=settings.DX_EXPORT_EXPIRY_DAYS),
        )
        transaction.on_commit(lambda: task_enqueue(BUILD_TASK, export.pk))
    return export


def _scope_check(user: User, text: str | None) -> Scope:
    try:
        scope = scope_resolve(text) if text else policies.default_scope(user)
    except ScopeError as error:
        raise ValidationError({"scope": [str(error)]}) from error
    if not policies.scope_allowed(user, scope):
        if policies.is_district_official(user):
            raise PermissionDenied(_("You may only export your own district and its parks."))
        raise PermissionDenied(_("You may only export your own park."))
    return scope


def _period_check(period: int | None) -> int:
    periods = snapshot_periods()
    if not periods:
        raise ValidationError({"period": [_("No quarter has figures yet.")]})
    if period is None:
        return periods[-1]
    if period not in periods:
        raise ValidationError(
            {"period": [_("%(period)s has no figures.") % {"period": period_format(period)}]}
        )
    return period


# --- the job ----------------------------------------------------------------------------


def export_build(
    *, export_id: int, at: dt.datetime | None = None, book_factory: Any = Book
) -> Export | None:
    """Build a pending export's workbook and store it; None when there is no such export.

    An export that is not pending (done, failed, or running in another worker) is left as
    it is. ``book_factory`` chooses the writer (bench/export.py compares two)."""
    started = at or timezone.now()
    claimed = Export.objects.filter(pk=export_id, status=Export.Status.PENDING).update(
        status=Export.Status.RUNNING,
        started_at=started,
        heartbeat_at=started,
        progress=0,
        sheet="",
        error="",
    )
    export = Export.objects.select_related("requested_by").filter(pk=export_id).first()
    if not claimed or export is None:
        return export
    stored = ""
    try:
        with translation.override(export.language):
            user = export.requested_by
            suffix = f".{export.file_format or Export.Format.XLSX}"
            handle, path = tempfile.mkstemp(prefix="dx-export-", suffix=suffix)
            os.close(handle)
            try:
                if export.kind == Export.Kind.TABLE:
                    rows = _table_write(export, user, path, started)
                else:
                    outcome = workbook_write(
                        path=path,
                        user=user,
                        period=export.period or _period_check(None),
                        scope=_build_scope(export, user),
                        at=started,
                        progress=lambda percent, sheet: _progress_record(export_id, percent, sheet),
                        book_factory=book_factory,
                    )
                    rows = outcome.rows
                size = os.path.getsize(path)
                with open(path, "rb") as handle_file:
                    stored = default_storage.save(
                        f"{STORAGE_PREFIX}/{uuid.uuid4().hex}{suffix}", File(handle_file)
                    )
            finally:
                os.unlink(path)
        Export.objects.filter(pk=export_id, status=Export.Status.RUNNING).update(
            status=Export.Status.DONE,
            progress=100,
            sheet="",
            file=stored,
            size=size,
            rows=sum(rows.values()),
            sheets=rows,
            finished_at=timezone.now(),
            heartbeat_at=timezone.now(),
        )
    except Exception as error:
        logger.exception("Export %s failed", export_id)
        if stored:
            default_storage.delete(stored)
        Export.objects.filter(pk=export_id).update(
            status=Export.Status.FAILED,
            error=(str(error) or type(error).__name__)[:2000],
            finished_at=timezone.now(),
        )
    return Export.objects.get(pk=export_id)


def _table_write(export: Export, user: User, path: str, at: dt.datetime) -> dict[str, int]:
    """Build the export's table as its requester sees it now (the page's access rules again:
    they may have lost the right since) and write it to ``path``; rows written by table."""
    try:
        table = table_build(
            export.table,
            user=user,
            params=params_from_json(export.params),
            language=export.language,
        )
    except Http404 as error:
        raise PermissionDenied(_("The requester may no longer read this table.")) from error
    total = max(table.count, 1)
    _progress_record(export.pk, 0, table.title)

    def tick(rows: int) -> None:
        _progress_record(export.pk, int(99 * rows / total), table.title)

    if export.file_format == Export.Format.CSV:
        written = -1  # the header
        with open(path, "w", encoding="utf-8", newline="") as handle:
            for line in csv_lines(table, tick=tick):
                handle.write(line)
                written += 1
    else:
        written = xlsx_write(table, path, user=user, at=at, tick=tick)
    return {table.name: max(written, 0)}


def _build_scope(export: Export, user: User) -> Scope:
    """The export's scope, checked again: the requester may have lost the right since."""
    if not policies.can_export(user):
        raise PermissionDenied(_("The requester may no longer export workbooks."))
    scope = scope_resolve(export.scope)
    if not policies.scope_allowed(user, scope):
        raise PermissionDenied(_("The requester may no longer export this scope."))
    return scope


def _progress_record(export_id: int, percent: int, sheet: str) -> None:
    """One short UPDATE of its own (autocommit), so the page sees it at once."""
    Export.objects.filter(pk=export_id, status=Export.Status.RUNNING).update(
        progress=max(0, min(int(percent), 99)),
        sheet=sheet[:60],
        heartbeat_at=timezone.now(),
    )


# --- sweep and cleanup ------------------------------------------------------------------


@dataclass
class SweepResult:
    built: list[int] = field(default_factory=list)


def export_sweep(*, at: dt.datetime | None = None) -> SweepResult:
    """Build what no worker took: exports still pending after ``PICKUP_SECONDS`` (their task
    was lost, e.g. the broker was down) and running ones whose heartbeat stopped
    ``STALE_SECONDS`` ago (their worker died): those are put back to pending first."""
    now = at or timezone.now()
    result = SweepResult()
    stale = now - dt.timedelta(seconds=STALE_SECONDS)
    Export.objects.filter(status=Export.Status.RUNNING, heartbeat_at__lt=stale).update(
        status=Export.Status.PENDING, progress=0, sheet=""
    )
    cutoff = now - dt.timedelta(seconds=PICKUP_SECONDS)
    waiting = Export.objects.filter(
        status=Export.Status.PENDING, requested_at__lt=cutoff, expires_at__gt=now
    ).order_by("requested_at", "pk")
    for export_id in list(waiting.values_list("pk", flat=True)):
        export = export_build(export_id=export_id)
        if export is not None and export.status != Export.Status.PENDING:
            result.built.append(export_id)
    return result


def export_cleanup(*, at: dt.datetime | None = None) -> int:
    """Delete expired exports, their files first (a file already gone is fine): running
    again deletes nothing more. Returns how many exports were deleted."""
    now = at or timezone.now()
    expired = Export.objects.filter(expires_at__lte=now).exclude(status=Export.Status.RUNNING)
    deleted = 0
    for export_id, name in list(expired.values_list("pk", "file")):
        if name:
            try:
                default_storage.delete(name)
            except OSError:
                logger.warning("Could not delete the file of export %s", export_id, exc_info=True)
                continue
        deleted += Export.objects.filter(pk=export_id).delete()[0]
    return deleted


__all__ = [
    "BookLike",
    "export_build",
    "export_cleanup",
    "export_request",
    "export_sweep",
    "table_export_request",
]
