"""Queueing Celery tasks by name, so a service never imports its app's tasks module (the
tasks import the services) and a broker outage never fails the request that queued."""

from __future__ import annotations

import importlib
import logging
from typing import Any

from celery import current_app

logger = logging.getLogger(__name__)


def task_enqueue(name: str, *args: Any, countdown: float = 0) -> bool:
    """Queue the task (eagerly run it without a broker); False when the broker refused.

    What the task does must already be recorded in the database, so that a sweep can do it
    later if this enqueue is lost.
    """
    try:
        # The task's module registers it when imported (Celery's autodiscovery is lazy).
        importlib.import_module(name.rpartition(".")[0])
        current_app.tasks[name].apply_async(args=args, countdown=countdown)
    except Exception:
        logger.warning(
            "Could not queue %s%r; a periodic sweep will pick it up.", name, args, exc_info=True
        )
        return False
    return True
