"""Celery tasks of the rollup: they take ids and call a service, so retries are harmless."""

from __future__ import annotations

from typing import Any

from celery import shared_task

from targets.changes import recompute_request

from . import services

TIME_LIMIT = 15 * 60
SOFT_TIME_LIMIT = 14 * 60
OPTIONS: dict[str, Any] = {
    "acks_late": True,
    "reject_on_worker_lost": True,
    "time_limit": TIME_LIMIT,
    "soft_time_limit": SOFT_TIME_LIMIT,
    "serializer": "json",
}


@shared_task(name="progress.tasks.rollup_execute", **OPTIONS)
def rollup_execute(run_id: int) -> str:
    return str(services.rollup_run(run_id=int(run_id)).status)


@shared_task(name="progress.tasks.rollup_dispatch", **OPTIONS)
def rollup_dispatch() -> int | None:
    """The pending recompute requests, as one run (queued after the commits that recorded
    them; a second dispatch finds nothing left and does nothing)."""
    run = services.rollup_dispatch()
    return None if run is None else run.pk


@shared_task(name="progress.tasks.rollup_sweep", **OPTIONS)
def rollup_sweep() -> list[int]:
    """Every minute (beat): what no worker took within a minute."""
    return services.rollup_sweep().runs


@shared_task(name="progress.tasks.rollup_full_rebuild_nightly", **OPTIONS)
def rollup_full_rebuild_nightly() -> None:
    """Nightly safety net: a full rebuild, coalesced with any pending request."""
    recompute_request(targets=None, from_period=None, reason="nightly rebuild")
