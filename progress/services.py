"""Writes of progress: rollup runs and snapshots (docs/decisions/0006-rollup-engine.md,
0008-recorded-changes.md).

Changes are recorded, not pushed: the services of the lower apps write a
``targets.RecomputeRequest`` in the transaction of the change. Here pending requests
become runs (``rollup_dispatch``), runs are executed (``rollup_run``), and a periodic
sweep (``rollup_sweep``) picks up whatever a lost task or a dead worker left behind.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from core.queue import task_enqueue
from targets.changes import recompute_request
from targets.models import RecomputeRequest, Target
from targets.periods import period_end, period_format

from .engine import Figure, Scopes, target_figures
from .frames import CITY
from .models import FIGURE_VALUES, Publication, PublishedFigure, RollupRun, Snapshot

logger = logging.getLogger(__name__)

# pg_advisory_xact_lock key shared by every rollup ("dxroll" in ASCII).
ROLLUP_LOCK_KEY = 0x6478726F6C6C
SNAPSHOT_BATCH = 5000
ROLLUP_WORK_MEM = "64MB"
EXECUTE_TASK = "progress.tasks.rollup_execute"
DISPATCH_TASK = "progress.tasks.rollup_dispatch"


# --- requests → runs --------------------------------------------------------------------


def rollup_request(
    *,
    by: Any = None,
    from_period: int | None = None,
    targets: list[str] | None = None,
    reason: str = "full rebuild",
) -> RollupRun:
    """An official asks for a rebuild (all targets from their first quarter by default):
    record it, and make one run of it and every other pending request at once, so that the
    caller can follow that run."""
    with transaction.atomic():
        recompute_request(targets=targets, from_period=from_period, reason=reason, by=by)
        run = _run_from_pending(by=by)
    if run is None:  # pragma: no cover - the request just recorded is pending
        raise RuntimeError("The rebuild request was taken by another transaction.")
    transaction.on_commit(lambda: task_enqueue(EXECUTE_TASK, run.pk))
    return run


def rollup_dispatch_later(**_signal: Any) -> None:
    """After a commit that recorded requests (``targets.signals.recompute_requested``):
    queue the dispatcher a little later, so that a burst of changes becomes one run."""
    task_enqueue(DISPATCH_TASK, countdown=settings.DX_ROLLUP_COALESCE_SECONDS)


def rollup_dispatch() -> RollupRun | None:
    """Turn every pending request into one run and execute it (None: nothing pending)."""
    run = _run_from_pending(by=None)
    return None if run is None else rollup_run(run_id=run.pk)


def _run_from_pending(*, by: Any) -> RollupRun | None:
    with transaction.atomic():
        pending = list(
            _lockable(RecomputeRequest.objects.filter(run_id__isnull=True)).order_by("pk")
        )
        if not pending:
            return None
        everything = any(r.targets is None for r in pending)
        codes = None if everything else sorted({c for r in pending for c in r.targets or []})
        starts = [r.from_period for r in pending]
        from_period = None if None in starts else min(p for p in starts if p is not None)
        run = RollupRun.objects.create(
            kind=_run_kind(from_period, codes),
            from_period=from_period,
            targets=codes,
            requested_by=by if getattr(by, "pk", None) else pending[0].requested_by,
        )
        RecomputeRequest.objects.filter(pk__in=[r.pk for r in pending]).update(run_id=run.pk)
    return run


def _lockable(queryset: Any) -> Any:
    """Rows a concurrent worker has locked are skipped (PostgreSQL); SQLite writes one at a
    time anyway."""
    if connection.features.has_select_for_update_skip_locked:
        return queryset.select_for_update(skip_locked=True)
    return queryset


def _run_kind(from_period: int | None, codes: list[str] | None) -> str:
    full = from_period is None and codes is None
    return RollupRun.Kind.FULL if full else RollupRun.Kind.INCREMENTAL


# --- executing a run --------------------------------------------------------------------


def rollup_run(*, run_id: int) -> RollupRun:
    """Compute and write the run's snapshots in one transaction; a retry redoes the same.

    A run that is done (or being computed by a live worker) is left alone, so a redelivered
    task changes nothing. While it computes, the run's row stays locked: the sweep tells a
    live run from one whose worker died by that lock.
    """
    run = _run_claim(run_id=run_id)
    if run is None:
        return RollupRun.objects.get(pk=run_id)
    try:
        with transaction.atomic():
            RollupRun.objects.select_for_update().filter(pk=run_id).first()
            outcome = snapshots_rebuild(from_period=run.from_period, targets=run.targets)
            run.status = RollupRun.Status.DONE
            run.finished_at = timezone.now()
            run.snapshots_written = outcome.written
            run.error = outcome.error_text
            run.save(update_fields=["status", "finished_at", "snapshots_written", "error"])
    except Exception as error:
        logger.exception("Rollup run %s failed", run_id)
        run.status = RollupRun.Status.FAILED
        run.finished_at = timezone.now()
        run.error = str(error)[:2000]
        run.save(update_fields=["status", "finished_at", "error"])
    return run


def _run_claim(*, run_id: int) -> RollupRun | None:
    """pending (or running after its worker died) → running; None when there is nothing to
    do: done, failed, or computing in a live worker (its row is locked)."""
    with transaction.atomic():
        run: RollupRun | None = _lockable(RollupRun.objects.filter(pk=run_id)).first()
        if run is None or run.status in (RollupRun.Status.DONE, RollupRun.Status.FAILED):
            return None
        run.status = RollupRun.Status.RUNNING
        run.started_at = timezone.now()
        run.save(update_fields=["status", "started_at"])
        return run


@dataclass
class RebuildOutcome:
    written: int = 0
    errors: dict[str, str] = field(default_factory=dict)

    @property
    def error_text(self) -> str:
        return "\n".join(f"{code}: {message}" for code, message in self.errors.items())[:2000]


def snapshots_rebuild(
    *, from_period: int | None = None, targets: list[str] | None = None
) -> RebuildOutcome:
    """Replace the snapshots of quarters ≥ ``from_period`` (all when None) of the targets
    with the given codes (all when None), in one transaction.

    Computing inside the locked transaction means a later rollup always sees the data of
    the change that requested it, and never overwrites newer figures with older ones. A
    target whose figures cannot be computed keeps its old ones; its error is returned and
    the other targets are written.
    """
    outcome = RebuildOutcome()
    with transaction.atomic():
        _rollup_lock()
        scopes = Scopes.load()
        chosen = Target.objects.prefetch_related("milestones").order_by("position", "id")
        if targets is not None:
            chosen = chosen.filter(code__in=targets)
        now = timezone.now()
        for target in chosen:
            try:
                with transaction.atomic():
                    outcome.written += _target_rewrite(target, scopes, from_period, now)
            except Exception as error:  # noqa: BLE001 - one target must not block the others
                logger.warning("Rollup of %s failed: %s", target.code, error)
                outcome.errors[target.code] = str(error)[:500]
    return outcome


def _target_rewrite(
    target: Target, scopes: Scopes, from_period: int | None, now: dt.datetime
) -> int:
    figures = target_figures(target=target, scopes=scopes, from_period=from_period)
    stale = Snapshot.objects.filter(target=target)
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


def _snapshot(figure: Figure, now: dt.datetime) -> Snapshot:
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


# --- the safety net ---------------------------------------------------------------------


@dataclass
class SweepResult:
    runs: list[int] = field(default_factory=list)


def rollup_sweep(*, at: dt.datetime | None = None) -> SweepResult:
    """Run what no worker took within ``DX_ROLLUP_PICKUP_SECONDS``: runs whose task was lost
    (still pending), runs whose worker died (running, row not locked), and requests whose
    dispatch was never queued (the broker was down at the commit)."""
    cutoff = (at or timezone.now()) - dt.timedelta(seconds=settings.DX_ROLLUP_PICKUP_SECONDS)
    result = SweepResult()
    for run_id in _abandoned_runs(cutoff):
        result.runs.append(rollup_run(run_id=run_id).pk)
    if RecomputeRequest.objects.filter(run_id__isnull=True, requested_at__lt=cutoff).exists():
        run = rollup_dispatch()
        if run is not None:
            result.runs.append(run.pk)
    return result


def _abandoned_runs(cutoff: dt.datetime) -> list[int]:
    with transaction.atomic():
        pending = RollupRun.objects.filter(status=RollupRun.Status.PENDING, requested_at__lt=cutoff)
        running = RollupRun.objects.filter(status=RollupRun.Status.RUNNING, started_at__lt=cutoff)
        return list(_lockable(pending | running).order_by("pk").values_list("pk", flat=True))


# --- publishing -------------------------------------------------------------------------


def publication_create(*, period: int, by: Any, at: dt.datetime | None = None) -> Publication:
    """Publish a quarter that has ended: freeze every target's city figure of that quarter
    as it stands, as a new version (DOMAIN.md, "Published figures").

    Changes still waiting for their rollup are computed first, so that what is published is
    what the data says at this moment, not what it said before the last approval.
    """
    at = at or timezone.now()
    if period_end(period) >= timezone.localdate(at):
        raise ValidationError(
            {"period": _("%(period)s has not ended yet.") % {"period": period_format(period)}}
        )
    _figures_settle()
    for _attempt in range(3):
        try:
            return _publication_write(period=period, by=by, at=at)
        except IntegrityError:  # another official published the same version just now
            continue
    raise ValidationError({"period": _("Someone else is publishing this quarter; try again.")})


def _figures_settle() -> None:
    """Compute now whatever changes are recorded but not yet rolled up."""
    rollup_dispatch()
    for run_id in RollupRun.objects.filter(status=RollupRun.Status.PENDING).values_list(
        "pk", flat=True
    ):
        rollup_run(run_id=run_id)


def _publication_write(*, period: int, by: Any, at: dt.datetime) -> Publication:
    with transaction.atomic():
        figures = list(Snapshot.objects.filter(period=period, scope=CITY).order_by("target_id"))
        if not figures:
            raise ValidationError(
                {
                    "period": _("No figures have been computed for %(period)s.")
                    % {"period": period_format(period)}
                }
            )
        last = Publication.objects.filter(period=period).aggregate(last=Max("version"))["last"]
        publication = Publication.objects.create(
            period=period, version=(last or 0) + 1, published_at=at, published_by=by
        )
        PublishedFigure.objects.bulk_create(
            PublishedFigure(
                publication=publication,
                target_id=figure.target_id,
                **{name: getattr(figure, name) for name in (*FIGURE_VALUES, "computed_at")},
            )
            for figure in figures
        )
    return publication
