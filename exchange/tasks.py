"""Celery tasks of exports: they take ids and call one service, so retries are harmless.

Beat schedule (config/settings/base.py): ``exchange.tasks.export_sweep`` every minute,
``exchange.tasks.export_cleanup`` every hour."""

from __future__ import annotations

from typing import Any

from celery import shared_task

from . import services

OPTIONS: dict[str, Any] = {
    "acks_late": True,
    "reject_on_worker_lost": True,
    "time_limit": 15 * 60,
    "soft_time_limit": 14 * 60,
    "serializer": "json",
}


@shared_task(name="exchange.tasks.export_build", **OPTIONS)
def export_build(export_id: int) -> str | None:
    export = services.export_build(export_id=int(export_id))
    return None if export is None else str(export.status)


@shared_task(name="exchange.tasks.export_sweep", **OPTIONS)
def export_sweep() -> list[int]:
    """Every minute: exports whose job was lost or whose worker died."""
    return services.export_sweep().built


@shared_task(name="exchange.tasks.export_cleanup", **OPTIONS)
def export_cleanup() -> int:
    """Every hour: expired exports and their files."""
    return services.export_cleanup()
