"""Celery tasks of reporting: they take ids or quarters and call one service."""

from __future__ import annotations

from celery import shared_task

from . import services


@shared_task(name="reporting.tasks.reminders_send_weekly", acks_late=True, serializer="json")
def reminders_send_weekly() -> dict[str, int | str]:
    """Monday's digests (beat schedule); a re-run in the same ISO week sends nothing."""
    result = services.reminders_send()
    return {
        "week": result.week,
        "enterprises": result.enterprises,
        "officials": result.officials,
        "already_sent": result.already_sent,
    }


@shared_task(name="reporting.tasks.peer_stats_refresh", acks_late=True, serializer="json")
def peer_stats_refresh(period: int) -> int:
    """The quarter's peer statistics after its reports changed (idempotent)."""
    return services.peer_stats_refresh(period=int(period))


@shared_task(name="reporting.tasks.peer_stats_sweep", acks_late=True, serializer="json")
def peer_stats_sweep() -> list[int]:
    """Every few minutes (beat): quarters whose statistics a lost refresh left stale."""
    return services.peer_stats_sweep()
