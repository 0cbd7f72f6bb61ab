"""Where evidence files are kept: the file system under the media root by default, an
S3-compatible object store (django-storages) when DX_EVIDENCE_STORAGE=s3, in development
and production alike."""

from __future__ import annotations

import json

from .test_settings import REAL_SECRET, run_manage

SHOW = (
    "import json; from django.conf import settings; "
    "from django.core.files.storage import storages; s = storages['evidence']; "
    "print(json.dumps({'class': type(s).__name__, "
    "'location': str(getattr(s, 'location', '')), "
    "'bucket': getattr(s, 'bucket_name', None), "
    "'endpoint': getattr(s, 'endpoint_url', None), "
    "'acl': getattr(s, 'default_acl', 'unset'), "
    "'overwrite': getattr(s, 'file_overwrite', None), "
    "'max': settings.DX_EVIDENCE_MAX_BYTES}))"
)


def storage(**env: str) -> dict[str, object]:
    result = run_manage("shell", "-c", SHOW, DJANGO_SECRET_KEY=REAL_SECRET, **env)
    assert result.returncode == 0, result.stderr
    found: dict[str, object] = json.loads(result.stdout.strip().splitlines()[-1])
    return found


def test_by_default_files_are_kept_under_the_media_root():
    found = storage(DJANGO_MEDIA_ROOT="/srv/dx/media")
    assert found["class"] == "FileSystemStorage"
    assert found["location"] == "/srv/dx/media/evidence"
    assert found["max"] == 20 * 1024 * 1024


def test_an_s3_compatible_store_is_chosen_by_the_settings():
    found = storage(
        DX_EVIDENCE_STORAGE="s3",
        DX_EVIDENCE_BUCKET="dx-evidence-test",
        AWS_S3_ENDPOINT_URL="http://minio:9000",
        AWS_ACCESS_KEY_ID="dx",
        AWS_SECRET_ACCESS_KEY="not-a-real-key",
        DX_EVIDENCE_MAX_BYTES="1048576",
    )
    assert found == {
        "class": "S3Storage",
        "location": "evidence",
        "bucket": "dx-evidence-test",
        "endpoint": "http://minio:9000",
        "acl": None,  # private objects
        "overwrite": False,
        "max": 1048576,
    }
