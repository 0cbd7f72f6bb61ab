"""A broker outage delays figures but loses none: the approval commits, its recompute
request stays recorded, and the sweep (beat, every minute) runs it once the broker is back.

The real-worker version (Redis stopped and started under a running worker and beat) is in
test_worker.py; this one drives the sweep itself, so it runs everywhere."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from django.utils import timezone

from config.celery import app
from progress import services
from progress.models import RollupRun, Snapshot
from targets.models import RecomputeRequest
from targets.periods import period_parse
from tests import factories
from tests.conftest import client_for

pytestmark = pytest.mark.django_db(transaction=True)

UNREACHABLE = "redis://127.0.0.1:1/0"
BROKER_SETTINGS = ("broker_url", "broker_read_url", "broker_write_url")


@pytest.fixture
def broker_down(settings) -> Iterator[None]:
    # Celery's configuration reads Django's settings lazily: remember it before they change.
    eager = app.conf.task_always_eager
    previous = {name: app.conf[name] for name in BROKER_SETTINGS}
    settings.CELERY_BROKER_URL = UNREACHABLE  # what /healthz checks
    settings.CELERY_TASK_ALWAYS_EAGER = False
    app.conf.update(dict.fromkeys(BROKER_SETTINGS, UNREACHABLE))
    app.conf.task_always_eager = False
    app._after_fork()  # forget pooled connections to the real broker
    try:
        yield
    finally:
        app.conf.task_always_eager = eager
        app.conf.update(previous)
        app._after_fork()


@pytest.fixture
def submitted_report(enterprise):
    reporter = factories.ReporterFactory(enterprise=enterprise)
    client = client_for(reporter)
    created = client.post(
        "/api/v1/submissions/",
        {"period": "2024Q1", "metrics": {"talent_high_end_new": 7}, "items": []},
        format="json",
    ).json()
    client.post(f"/api/v1/submissions/{created['id']}/submit/", {}, format="json")
    return created["id"]


def talent(period: str) -> object:
    figure = Snapshot.objects.filter(
        target__code="SH23-TALENT-HIGH", period=period_parse(period), scope="city"
    ).first()
    return None if figure is None else figure.actual


def test_an_approval_while_the_broker_is_down_commits_and_the_sweep_catches_up(
    submitted_report, official, broker_down, client
):
    as_official = client_for(official)

    approved = as_official.post(
        f"/api/v1/submissions/{submitted_report}/approve/", {}, format="json"
    )

    assert approved.status_code == 200, approved.content
    assert approved.json()["status"] == "approved"
    assert client.get("/healthz").status_code == 503
    pending = RecomputeRequest.objects.get(reason__startswith="approve")
    assert pending.run_id is None  # recorded with the approval, waiting for a worker
    assert talent("2024Q1") is None

    # The broker is back; the beat's next sweep, a minute later, takes the request.
    app.conf.task_always_eager = True
    services.rollup_sweep(at=timezone.now() + dt.timedelta(minutes=1, seconds=1))

    pending.refresh_from_db()
    assert pending.run_id is not None
    assert RollupRun.objects.get(pk=pending.run_id).status == RollupRun.Status.DONE
    assert talent("2024Q1") == 7


def test_a_rebuild_requested_while_the_broker_is_down_is_run_by_the_sweep(official, broker_down):
    response = client_for(official).post("/api/v1/rollups/", {}, format="json")

    assert response.status_code == 202
    run = RollupRun.objects.get(pk=response.json()["id"])
    assert run.status == RollupRun.Status.PENDING

    app.conf.task_always_eager = True
    services.rollup_sweep(at=timezone.now() + dt.timedelta(minutes=1, seconds=1))

    run.refresh_from_db()
    assert run.status == RollupRun.Status.DONE
    assert Snapshot.objects.exists()
