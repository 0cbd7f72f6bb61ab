"""Development: the embedded defaults (SQLite, eager Celery, console email)."""

from .base import *  # noqa: F403
