"""Celery tasks of reporting: thin wrappers that call a service."""

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
