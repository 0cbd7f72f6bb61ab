"""Image build only (collectstatic): production storages, no secret checks."""

from .base import *  # noqa: F403
from .base import EVIDENCE_STORAGE

STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    "evidence": EVIDENCE_STORAGE,
}
