"""Faults under a real Celery worker on a private Redis (the shared one is never stopped):
the worker killed with SIGKILL in the middle of a rebuild, and Redis stopped while
enterprises submit and officials approve. Nothing is lost, no run stays ``running``, and the
figures end exactly as a clean rebuild makes them. (bench/faults.py plays the same faults
on the production shape at national scale, with production's timings.)"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import signal
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
from django.db import connection, transaction
from django.utils import timezone

from config.celery import app
from config.settings.base import cache_config
from exchange import services as export_services
from exchange.models import Export
from progress import services
from progress.models import RollupRun, Snapshot
from reporting.models import Submission
from targets.models import RecomputeRequest
from targets.periods import period_parse
from tests import factories
from tests.conftest import client_for

ROOT = Path(settings.BASE_DIR)
REQUIRED = os.environ.get("DX_REQUIRE_WORKER") == "1"
REDIS_SERVER = "redis-server"
BROKER_SETTINGS = ("broker_url", "broker_read_url", "broker_write_url")
SNAPSHOT_VALUES = ("actual", "planned", "target_value", "percent_of_target", "status")

pytestmark = [pytest.mark.celery_worker, pytest.mark.django_db(transaction=True)]


def _unavailable(reason: str) -> None:
    if REQUIRED:
        pytest.fail(f"DX_REQUIRE_WORKER=1 but {reason}")
    pytest.skip(reason)


def _postgres_url() -> str:
    db = settings.DATABASES["default"]
    if db["ENGINE"] != "django.db.backends.postgresql":
        _unavailable("these faults need PostgreSQL (row and advisory locks)")
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    host, port = db.get("HOST") or "127.0.0.1", db.get("PORT") or 5432
    return f"postgres://{db['USER']}{password}@{host}:{port}/{db['NAME']}"


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
                *(REDIS_SERVER, "--port", str(self.port), "--bind", "127.0.0.1", "--save", ""),
                *("--appendonly", "no", "--dir", self.directory),
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
            self.process.kill()  # as a crash stops it: nothing saved
            self.process.wait(timeout=10)
            self.process = None


@pytest.fixture
def private_redis() -> Iterator[PrivateRedis]:
    _postgres_url()
    if not shutil.which(REDIS_SERVER):
        _unavailable(f"{REDIS_SERVER} is not installed")
    redis = PrivateRedis()
    redis.start()
    try:
        with _broker(redis.url):
            yield redis
    finally:
        redis.stop()
        shutil.rmtree(redis.directory, ignore_errors=True)


@contextmanager
def _broker(url: str) -> Iterator[None]:
    """Point this process's Celery app at ``url`` and stop running tasks eagerly."""
    eager = app.conf.task_always_eager
    previous = {name: app.conf[name] for name in BROKER_SETTINGS}
    app.conf.update(dict.fromkeys(BROKER_SETTINGS, url))
    app.conf.task_always_eager = False
    app._after_fork()  # forget pooled connections to another broker
    try:
        yield
    finally:
        app.conf.task_always_eager = eager
        app.conf.update(previous)
        app._after_fork()


class Worker:
    """A Celery worker with the beat embedded (sweep every 2 s, taking what is 2 s old), in
    its own process group so that SIGKILL reaches all of it and nothing else."""

    def __init__(self, broker: str) -> None:
        self.log = tempfile.NamedTemporaryFile(prefix="fault-worker-", suffix=".log", delete=False)  # noqa: SIM115
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings.test",
            "DATABASE_URL": _postgres_url(),
            "CELERY_BROKER_URL": broker,
            "DJANGO_CONN_MAX_AGE": "0",
            "DX_ROLLUP_SWEEP_SECONDS": "2",
            "DX_ROLLUP_PICKUP_SECONDS": "2",
        }
        command = [
            str(Path(sys.executable).with_name("celery")),
            *("-A", "config", "worker", "-P", "solo", "-c", "1", "--loglevel", "INFO"),
            *("--without-gossip", "--without-mingle", "--hostname", f"fault{os.getpid()}@%h"),
            *("--beat", "--schedule", str(Path(tempfile.mkdtemp()) / "beat-schedule")),
        ]
        self.process = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                pytest.fail(f"The worker exited: {self.output()}")
            if " ready." in self.output():
                return
            time.sleep(0.2)
        pytest.fail(f"The worker was not ready within 60 s: {self.output()}")

    def output(self) -> str:
        return Path(self.log.name).read_text(errors="replace")[-3000:]

    def kill(self) -> None:
        """kill -9, the whole process group (worker and embedded beat)."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)


@contextmanager
def worker_running(broker: str) -> Iterator[Worker]:
    worker = Worker(broker)
    try:
        yield worker
    finally:
        worker.stop()


@contextmanager
def _eager() -> Iterator[None]:
    eager = app.conf.task_always_eager
    app.conf.task_always_eager = True
    try:
        yield
    finally:
        app.conf.task_always_eager = eager


def _figures() -> dict[tuple[str, int, str], tuple]:
    rows = Snapshot.objects.values_list("target__code", "period", "scope", *SNAPSHOT_VALUES)
    return {(r[0], r[1], r[2]): tuple(r[3:]) for r in rows}


def _figures_of_a_clean_rebuild() -> dict[tuple[str, int, str], tuple]:
    """What a full rebuild writes, computed in a transaction that is rolled back."""
    with transaction.atomic():
        services.snapshots_rebuild()
        figures = _figures()
        transaction.set_rollback(True)
    return figures


def _state() -> str:
    requests = list(RecomputeRequest.objects.values_list("pk", "run_id", "reason"))
    runs = list(RollupRun.objects.values_list("pk", "status", "error"))
    exports = list(Export.objects.values_list("pk", "status", "error"))
    return f"requests {requests}; runs {runs}; exports {exports}"


def _wait_for(predicate, *, seconds: float, what: str, worker: Worker) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        connection.close()
        if predicate():
            return
        time.sleep(0.3)
    pytest.fail(f"{what} not within {seconds:.0f} s: {_state()}; worker log: {worker.output()}")


def _programme() -> None:
    for value in (4, 6):
        factories.SubmissionFactory(
            approved=True, period=period_parse("2024Q1"), metrics={"talent_high_end_new": value}
        )
    services.snapshots_rebuild()


def test_a_worker_killed_in_the_middle_of_a_rebuild_is_reaped_and_the_run_ends_done(
    private_redis, official
):
    _programme()
    # A report whose approval no change recorded: only a rebuild counts it.
    factories.SubmissionFactory(
        approved=True, period=period_parse("2024Q1"), metrics={"talent_high_end_new": 90}
    )
    stale = _figures()
    import psycopg2

    holder = psycopg2.connect(_postgres_url())
    holder.autocommit = True
    with holder.cursor() as cursor:  # the rebuild will stop, mid-run, at the rollup lock
        cursor.execute("SELECT pg_advisory_lock(%s)", [services.ROLLUP_LOCK_KEY])
    try:
        with worker_running(private_redis.url) as worker:
            response = client_for(official).post("/api/v1/rollups/", {}, format="json")
            assert response.status_code == 202
            run_id = response.json()["id"]

            def waits_at_the_lock() -> bool:
                with connection.cursor() as cursor:
                    cursor.execute(
                        "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted"
                    )
                    return cursor.fetchone()[0] > 0

            _wait_for(waits_at_the_lock, seconds=30, what="the rebuild", worker=worker)
            assert RollupRun.objects.get(pk=run_id).status == RollupRun.Status.RUNNING
            worker.kill()
    finally:
        holder.close()  # the dead worker's transaction ends; nothing of it is committed

    time.sleep(3)
    connection.close()
    assert RollupRun.objects.get(pk=run_id).status == RollupRun.Status.RUNNING  # abandoned
    assert _figures() == stale  # readers still see the old figures, all of them

    with worker_running(private_redis.url) as worker:  # as a supervisor restarts it

        def run_over() -> bool:
            return RollupRun.objects.get(pk=run_id).status in ("done", "failed")

        _wait_for(run_over, seconds=60, what="the beat sweep re-running the run", worker=worker)

    run = RollupRun.objects.get(pk=run_id)
    assert run.status == RollupRun.Status.DONE, run.error
    assert run.error == ""
    figures = _figures()
    assert figures != stale
    assert figures == _figures_of_a_clean_rebuild()
    city = figures[("SH23-TALENT-HIGH", period_parse("2024Q1"), "city")]
    assert city[0] == 100


def test_while_redis_is_stopped_every_request_answers_and_nothing_is_lost(
    private_redis, official, enterprise, other_enterprise, settings, client
):
    _programme()
    settings.CELERY_BROKER_URL = private_redis.url  # what /healthz checks
    settings.CELERY_TASK_ALWAYS_EAGER = False
    as_official = client_for(official)
    reporters = [
        client_for(factories.ReporterFactory(enterprise=e)) for e in (enterprise, other_enterprise)
    ]
    with worker_running(private_redis.url) as worker:
        assert client.get("/healthz").status_code == 200
        private_redis.stop()

        approved = []
        for number, as_reporter in enumerate(reporters):
            created = as_reporter.post(
                "/api/v1/submissions/",
                {"period": "2024Q1", "metrics": {"talent_high_end_new": 20 + number}, "items": []},
                format="json",
            )
            assert created.status_code == 201, created.content
            report = created.json()["id"]
            submitted = as_reporter.post(f"/api/v1/submissions/{report}/submit/", {}, format="json")
            assert submitted.status_code == 200, submitted.content
            answer = as_official.post(f"/api/v1/submissions/{report}/approve/", {}, format="json")
            assert answer.status_code == 200, answer.content
            approved.append(report)
        rebuild = as_official.post("/api/v1/rollups/", {}, format="json")
        assert rebuild.status_code == 202, rebuild.content
        export = as_official.post(
            "/api/v1/exports/", {"period": "2024Q1", "scope": "city"}, format="json"
        )
        assert export.status_code == 202, export.content
        health = client.get("/healthz")
        assert health.status_code == 503
        assert health.json()["broker"] == "down"

        private_redis.start()  # empty: whatever was queued before is gone

        def caught_up() -> bool:
            return (
                not RecomputeRequest.objects.filter(run_id__isnull=True).exists()
                and not RollupRun.objects.exclude(status__in=["done", "failed"]).exists()
            )

        _wait_for(caught_up, seconds=60, what="the figures", worker=worker)
        assert client.get("/healthz").status_code == 200

    # The workbook waits, recorded, for the export sweep (every minute, taking what is a
    # minute old): its next run builds it.
    workbook = Export.objects.get(pk=export.json()["id"])
    assert workbook.status == "pending"
    with _eager():
        export_services.export_sweep(at=timezone.now() + dt.timedelta(seconds=61))
    workbook.refresh_from_db()
    assert workbook.status == "done", workbook.error

    assert Submission.objects.filter(pk__in=approved, status="approved").count() == 2
    for report in approved:
        request = RecomputeRequest.objects.get(reason=f"approve report {report}")
        assert request.run_id is not None
        assert RollupRun.objects.get(pk=request.run_id).status == RollupRun.Status.DONE
    assert RollupRun.objects.get(pk=rebuild.json()["id"]).status == RollupRun.Status.DONE
    figures = _figures()
    assert figures[("SH23-TALENT-HIGH", period_parse("2024Q1"), "city")][0] == 4 + 6 + 20 + 21
    assert figures == _figures_of_a_clean_rebuild()


UNREACHABLE_CACHE = "redis://127.0.0.1:1/1"


@pytest.mark.django_db
def test_with_the_cache_on_a_stopped_redis_the_api_still_answers(settings, official, enterprise):
    """docker-compose.yml keeps the cache (throttles, page caches) on the broker's Redis: a
    Redis outage must not turn the API into 500s either."""
    settings.CACHES = {"default": cache_config(UNREACHABLE_CACHE)}
    reporter = factories.ReporterFactory(enterprise=enterprise)
    as_reporter, as_official = client_for(reporter), client_for(official)
    for client in (as_reporter, as_official):
        client.raise_request_exception = False

    created = as_reporter.post(
        "/api/v1/submissions/",
        {"period": "2024Q1", "metrics": {"talent_high_end_new": 3}, "items": []},
        format="json",
    )
    figures = as_official.get("/api/v1/progress/")

    assert created.status_code == 201, created.content
    assert figures.status_code == 200, figures.content
