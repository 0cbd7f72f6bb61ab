"""Celery tasks of the rollup: they take ids and call a service, so retries are harmless."""

from __future__ import annotations

from celery import shared_task

from . import services

TIME_LIMIT = 15 * 60
SOFT_TIME_LIMIT = 14 * 60


@shared_task(
    name="progress.tasks.rollup_execute",
    acks_late=True,
    reject_on_worker_lost=True,
    time_limit=TIME_LIMIT,
    soft_time_limit=SOFT_TIME_LIMIT,
    serializer="json",
)
def rollup_execute(run_id: int) -> str:
    run = services.rollup_run(run_id=int(run_id))
    return str(run.status)


@shared_task(
    name="progress.tasks.rollup_full_rebuild_nightly",
    acks_late=True,
    reject_on_worker_lost=True,
    time_limit=TIME_LIMIT,
    soft_time_limit=SOFT_TIME_LIMIT,
    serializer="json",
)
def rollup_full_rebuild_nightly() -> int:
    """Nightly safety net: a full rebuild, coalesced with any pending request."""
    return int(services.rollup_request(from_period=None).pk)
