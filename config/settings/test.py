"""Tests: same as development, with fast hashing; DATABASE_URL / CELERY_BROKER_URL still apply."""

from .base import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# Unit tests run tasks in-process; the worker integration test starts its own worker.
CELERY_TASK_ALWAYS_EAGER = True
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    "evidence": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
}
DX_ROLLUP_COALESCE_SECONDS = 0
DX_PEER_STATS_DELAY = 0
LANGUAGE_CODE = "en"
DX_VALIDATE_CHARTS = True  # plotly checks every figure property in tests
