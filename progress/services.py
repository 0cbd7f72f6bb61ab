"""Writes of progress: rollup runs and snapshots (docs/decisions/0006-rollup-engine.md)."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from targets.models import Target

from . import engine
from .models import RollupRun, Snapshot

logger = logging.getLogger(__name__)

# pg_advisory_xact_lock key shared by every rollup ("dxroll" in ASCII).
ROLLUP_LOCK_KEY = 0x6478726F6C6C
SNAPSHOT_BATCH = 5000
ROLLUP_WORK_MEM = "64MB"
# A pending run older than this has probably lost its task; new requests start a fresh one.
STALE_PENDING = dt.timedelta(minutes=10)


def rollup_request(
    *, from_period: int | None = None, targets: Iterable[str] | None = None, by: Any = None
) -> RollupRun:
    """Schedule a rollup of the quarters from ``from_period`` on (all when None) for the
    targets with the given codes (all when None); both None is a full rebuild.

    Requests coalesce: while a run is still pending, a new request widens it (lowers its
    ``from_period``, adds its targets, or turns it into a full rebuild) instead of
    queueing another task.
    """
    codes = None if targets is None else sorted(set(targets))
    if codes == []:
        return RollupRun(kind=RollupRun.Kind.INCREMENTAL, status=RollupRun.Status.DONE)
    with transaction.atomic():
        pending = (
            RollupRun.objects.select_for_update()
            .filter(
                status=RollupRun.Status.PENDING, requested_at__gte=timezone.now() - STALE_PENDING
            )
            .order_by("requested_at", "pk")
            .first()
        )
        if pending is not None:
            _run_widen(run=pending, from_period=from_period, targets=codes)
            return pending
        run = RollupRun.objects.create(
            kind=_run_kind(from_period, codes),
            from_period=from_period,
            targets=codes,
            requested_by=by if getattr(by, "pk", None) else None,
        )
    transaction.on_commit(lambda: _run_enqueue(run_id=run.pk))
    return run


def rollup_request_for_report(*, submission: Any) -> None:
    """After an approval or a reopening: the targets the report's values and items feed,
    from the earliest quarter they touch (an item may be dated before the report's quarter)."""
    from targets.periods import period_of

    from .selectors import targets_fed_by

    item_kinds = {str(item["kind"]) for item in submission.items_data}
    item_periods = [period_of(dt.date.fromisoformat(str(i["date"]))) for i in submission.items_data]
    codes = targets_fed_by(metrics=set(submission.metrics_data), item_kinds=item_kinds)
    first = min([submission.period, *item_periods])
    transaction.on_commit(lambda: rollup_request(from_period=first, targets=codes))


def rollup_request_for_designations(*, from_period: int) -> None:
    """After a designation is granted, corrected or revoked."""
    from .selectors import targets_fed_by

    rollup_request(from_period=from_period, targets=targets_fed_by(designations=True))


def _run_kind(from_period: int | None, codes: list[str] | None) -> str:
    full = from_period is None and codes is None
    return RollupRun.Kind.FULL if full else RollupRun.Kind.INCREMENTAL


def _run_widen(*, run: RollupRun, from_period: int | None, targets: list[str] | None) -> None:
    if run.kind == RollupRun.Kind.FULL:
        return
    if run.from_period is not None and (from_period is None or from_period < run.from_period):
        run.from_period = from_period
    if run.targets is not None:
        run.targets = None if targets is None else sorted({*run.targets, *targets})
    run.kind = _run_kind(run.from_period, run.targets)
    run.save(update_fields=["kind", "from_period", "targets"])


def _run_enqueue(*, run_id: int) -> None:
    from .tasks import rollup_execute

    rollup_execute.apply_async(args=(run_id,), countdown=settings.DX_ROLLUP_COALESCE_SECONDS)


def rollup_run(*, run_id: int) -> RollupRun:
    """Compute and write the run's snapshots in one transaction; a retry redoes the same.

    A run that is already done is left alone, so a redelivered task changes nothing.
    """
    run = _run_claim(run_id=run_id)
    if run is None:
        return RollupRun.objects.get(pk=run_id)
    try:
        written = snapshots_rebuild(from_period=run.from_period, targets=run.targets)
    except Exception as error:
        logger.exception("Rollup run %s failed", run_id)
        RollupRun.objects.filter(pk=run_id).update(
            status=RollupRun.Status.FAILED, finished_at=timezone.now(), error=str(error)[:2000]
        )
    else:
        RollupRun.objects.filter(pk=run_id).update(
            status=RollupRun.Status.DONE,
            finished_at=timezone.now(),
            snapshots_written=written,
            error="",
        )
    return RollupRun.objects.get(pk=run_id)


def _run_claim(*, run_id: int) -> RollupRun | None:
    """pending (or running again after a lost worker) → running; None when already done."""
    with transaction.atomic():
        run = RollupRun.objects.select_for_update().filter(pk=run_id).first()
        if run is None or run.status == RollupRun.Status.DONE:
            return None
        run.status = RollupRun.Status.RUNNING
        run.started_at = timezone.now()
        run.save(update_fields=["status", "started_at"])
        return run


def snapshots_rebuild(*, from_period: int | None = None, targets: list[str] | None = None) -> int:
    """Replace the snapshots of quarters ≥ ``from_period`` (all when None) of the targets
    with the given codes (all when None) at once.

    Computing inside the locked transaction means a later rollup always sees the data of
    the approval that requested it, and never overwrites newer figures with older ones.
    """
    with transaction.atomic():
        _rollup_lock()
        chosen = None if targets is None else Target.objects.filter(code__in=targets)
        figures = engine.figures_compute(targets=chosen, from_period=from_period)
        now = timezone.now()
        stale = Snapshot.objects.all()
        if targets is not None:
            stale = stale.filter(target__code__in=targets)
        if from_period is not None:
            stale = stale.filter(period__gte=from_period)
        stale.delete()
        Snapshot.objects.bulk_create(
            (_snapshot(figure, now) for figure in figures), batch_size=SNAPSHOT_BATCH
        )
    return len(figures)


def _rollup_lock() -> None:
    # SQLite needs nothing: the IMMEDIATE transaction already holds the database's write lock.
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [ROLLUP_LOCK_KEY])
            # The rollup's sorts and hashes (~100k rows each) spill to disk at the 4 MB
            # default; this transaction alone may use more.
            cursor.execute(f"SET LOCAL work_mem = '{ROLLUP_WORK_MEM}'")


def _snapshot(figure: engine.Figure, now: Any) -> Snapshot:
    return Snapshot(
        target_id=figure.target_id,
        period=figure.period,
        scope=figure.scope,
        actual=figure.actual,
        planned=figure.planned,
        target_value=figure.target_value,
        percent_of_target=figure.percent_of_target,
        status=figure.status,
        projected_at_deadline=figure.projected_at_deadline,
        projected_attainment=figure.projected_attainment,
        share_of_city=figure.share_of_city,
        computed_at=now,
    )
