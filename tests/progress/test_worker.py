"""End to end on a real Celery worker and Redis: a change through the API shows up in the
progress API once the worker has run the rollup it scheduled."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings

from config.celery import app
from tests import factories
from tests.conftest import client_for

ROOT = Path(settings.BASE_DIR)
BROKER = os.environ.get("CELERY_BROKER_URL", "")
REQUIRED = os.environ.get("DX_REQUIRE_WORKER") == "1"

pytestmark = [pytest.mark.celery_worker, pytest.mark.django_db(transaction=True)]


def _unavailable(reason: str) -> None:
    if REQUIRED:
        pytest.fail(f"DX_REQUIRE_WORKER=1 but {reason}")
    pytest.skip(reason)


def _database_url() -> str:
    db = settings.DATABASES["default"]
    if db["ENGINE"] != "django.db.backends.postgresql":
        name = str(db["NAME"])
        if "memory" in name or name == "":
            _unavailable("the SQLite test database is in memory; a worker cannot share it")
        return f"sqlite:///{name}"
    host = db.get("HOST") or "127.0.0.1"
    port = db.get("PORT") or 5432
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return f"postgres://{db['USER']}{password}@{host}:{port}/{db['NAME']}"


@pytest.fixture
def worker() -> Iterator[subprocess.Popen[bytes]]:
    if not BROKER:
        _unavailable("CELERY_BROKER_URL is not set")
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": _database_url(),
        "CELERY_BROKER_URL": BROKER,
        "DJANGO_CONN_MAX_AGE": "0",
    }
    celery = str(Path(sys.executable).with_name("celery"))
    app.conf.broker_url = BROKER  # type: ignore[misc]
    app.control.purge()
    process = subprocess.Popen(
        [
            celery,
            "-A",
            "config",
            "worker",
            "-P",
            "solo",
            "-c",
            "1",
            "--loglevel",
            "INFO",
            "--without-gossip",
            "--without-mingle",
            "--hostname",
            f"rolltest{os.getpid()}@%h",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    eager = app.conf.task_always_eager
    app.conf.task_always_eager = False
    try:
        _wait_ready(process)
        yield process
    finally:
        app.conf.task_always_eager = eager
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()


def _wait_ready(process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            output = process.stdout.read().decode() if process.stdout else ""
            pytest.fail(f"The worker exited: {output[-3000:]}")
        if app.control.ping(timeout=1):
            return
    pytest.fail("The worker did not answer a ping within 60 s")


def _poll_actual(client, target: str, period: str) -> object:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + 60
    actual: object = None
    while time.monotonic() < deadline:
        rows = client.get("/api/v1/progress/", {"target": target, "period": period}).json()[
            "results"
        ]
        actual = rows[0]["actual"] if rows else None
        if actual not in (None, 0):
            return actual
        time.sleep(0.3)
    return actual


def test_a_designation_recorded_through_the_api_reaches_the_figures(worker):
    official = factories.OfficialFactory(username="worker-official")
    enterprise = factories.EnterpriseFactory()
    client = client_for(official)

    response = client.post(
        "/api/v1/designations/",
        {
            "kind": "smart_factory_benchmark",
            "enterprise": enterprise.uscc,
            "granted_on": "2024-02-01",
        },
        format="json",
    )

    assert response.status_code == 201, response.content
    assert _poll_actual(client, "SH23-SF-BENCH", "2024Q1") == 1


def test_an_approved_report_reaches_the_figures(worker):
    official = factories.OfficialFactory(username="worker-official")
    enterprise = factories.EnterpriseFactory()
    reporter = factories.ReporterFactory(username="worker-reporter", enterprise=enterprise)
    as_reporter, as_official = client_for(reporter), client_for(official)
    created = as_reporter.post(
        "/api/v1/submissions/",
        {
            "enterprise": enterprise.uscc,
            "period": "2024Q1",
            "metrics": {"talent_high_end_new": 5},
            "items": [],
        },
        format="json",
    )
    assert created.status_code == 201, created.content
    report = created.json()["id"]
    submitted = as_reporter.post(f"/api/v1/submissions/{report}/submit/", {}, format="json")
    assert submitted.status_code == 200, submitted.content

    approved = as_official.post(f"/api/v1/submissions/{report}/approve/", {}, format="json")

    assert approved.status_code == 200, approved.content
    assert _poll_actual(as_official, "SH23-TALENT-HIGH", "2024Q1") == 5
