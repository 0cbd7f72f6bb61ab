"""End to end on a real Celery worker and Redis: a change through the API shows up in the
progress API once the worker has run the rollup it scheduled."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.conf import settings

from config.celery import app
from tests import factories
from tests.conftest import client_for

ROOT = Path(settings.BASE_DIR)
BROKER = os.environ.get("CELERY_BROKER_URL", "")
REQUIRED = os.environ.get("DX_REQUIRE_WORKER") == "1"
REDIS_SERVER = "redis-server"
BROKER_SETTINGS = ("broker_url", "broker_read_url", "broker_write_url")

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


def _worker_start(broker: str, *, beat: bool = False) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": _database_url(),
        "CELERY_BROKER_URL": broker,
        "DJANGO_CONN_MAX_AGE": "0",
        # The sweep runs every 2 s and takes what no worker took within 2 s.
        "DX_ROLLUP_SWEEP_SECONDS": "2",
        "DX_ROLLUP_PICKUP_SECONDS": "2",
    }
    celery = str(Path(sys.executable).with_name("celery"))
    command = [
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
    ]
    if beat:
        command += ["--beat", "--schedule", str(Path(tempfile.mkdtemp()) / "beat-schedule")]
    # A file, not a pipe: nobody reads a pipe while the worker runs, and a full one blocks it.
    log = tempfile.NamedTemporaryFile(prefix="worker-", suffix=".log", delete=False)  # noqa: SIM115
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    process.log_path = log.name
    return process


def _worker_output(process: subprocess.Popen[bytes]) -> str:
    return Path(process.log_path).read_text(errors="replace")[-3000:]


def _worker_stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()


@contextmanager
def _broker(url: str) -> Iterator[None]:
    """Point this process's Celery app at ``url`` and stop running tasks eagerly."""
    eager = app.conf.task_always_eager
    previous = {name: app.conf[name] for name in BROKER_SETTINGS}
    app.conf.update(dict.fromkeys(BROKER_SETTINGS, url))
    app.conf.task_always_eager = False
    _connections_reset()
    try:
        yield
    finally:
        app.conf.task_always_eager = eager
        app.conf.update(previous)
        _connections_reset()


def _connections_reset() -> None:
    """Forget pooled broker connections, so the next publish uses the current broker URL
    (what Celery itself does in a forked child)."""
    app._after_fork()


@pytest.fixture
def worker() -> Iterator[subprocess.Popen[bytes]]:
    if not BROKER:
        _unavailable("CELERY_BROKER_URL is not set")
    with _broker(BROKER):
        app.control.purge()
        process = _worker_start(BROKER)
        try:
            _wait_ready(process)
            yield process
        finally:
            _worker_stop(process)


class PrivateRedis:
    """A Redis server of this test's own, on a free port, that the test stops and starts."""

    def __init__(self) -> None:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.directory = tempfile.mkdtemp()
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                REDIS_SERVER,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                self.directory,
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with socket.socket() as probe:
                if probe.connect_ex(("127.0.0.1", self.port)) == 0:
                    return
            time.sleep(0.1)
        pytest.fail("The private Redis did not start")

    def stop(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait(timeout=10)
            self.process = None


@pytest.fixture
def private_redis() -> Iterator[PrivateRedis]:
    if not BROKER:
        _unavailable("CELERY_BROKER_URL is not set")
    if not shutil.which(REDIS_SERVER):
        _unavailable(f"{REDIS_SERVER} is not installed")
    redis = PrivateRedis()
    redis.start()
    try:
        yield redis
    finally:
        redis.stop()


def _wait_ready(process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"The worker exited: {_worker_output(process)}")
        if app.control.ping(timeout=1):
            return
    pytest.fail("The worker did not answer a ping within 60 s")


def _poll_actual(client, target: str, period: str) -> object:
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


def test_an_approval_while_redis_is_stopped_reaches_the_figures_once_it_is_back(
    private_redis, enterprise, official
):
    """Redis stops under a running worker and beat; an approval still commits and answers
    200; Redis starts again and the figure is right within a minute, with nothing lost."""
    reporter = factories.ReporterFactory(username="outage-reporter", enterprise=enterprise)
    as_reporter, as_official = client_for(reporter), client_for(official)
    report = as_reporter.post(
        "/api/v1/submissions/",
        {"period": "2024Q1", "metrics": {"talent_high_end_new": 9}, "items": []},
        format="json",
    ).json()["id"]
    as_reporter.post(f"/api/v1/submissions/{report}/submit/", {}, format="json")
    with _broker(private_redis.url):
        process = _worker_start(private_redis.url, beat=True)
        try:
            _wait_ready(process)
            private_redis.stop()

            approved = as_official.post(f"/api/v1/submissions/{report}/approve/", {}, format="json")
            assert approved.status_code == 200, approved.content

            private_redis.start()
            actual = _poll_actual(as_official, "SH23-TALENT-HIGH", "2024Q1")
            assert actual == 9, _worker_output(process)
        finally:
            _worker_stop(process)
