"""Rollup runs: scheduling, coalescing, one-transaction writes, idempotence."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import transaction

from enterprises.services import designation_create
from progress import services
from progress.models import RollupRun, Snapshot
from targets.models import Target
from targets.periods import last_ended_period, period_parse
from tests.factories import approved_report

pytestmark = pytest.mark.django_db

Q = period_parse


def test_a_request_runs_after_commit_and_writes_every_figure(
    enterprise, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        run = services.rollup_request()

    run.refresh_from_db()
    assert run.status == RollupRun.Status.DONE
    assert run.kind == RollupRun.Kind.FULL
    assert run.snapshots_written == Snapshot.objects.count() > 0
    # One city figure per target and ended quarter from the quarter of counts_from.
    last = last_ended_period()
    expected = sum(max(0, last - Q(f"{t.counts_from.year}Q1") + 1) for t in Target.objects.all())
    assert Snapshot.objects.filter(scope="city").count() == expected


def test_requests_in_a_burst_coalesce_into_one_run():
    with transaction.atomic():
        first = services.rollup_request(from_period=Q("2024Q3"))
        second = services.rollup_request(from_period=Q("2023Q2"))
        third = services.rollup_request(from_period=Q("2025Q1"))

    assert first.pk == second.pk == third.pk
    run = RollupRun.objects.get()
    assert run.kind == RollupRun.Kind.INCREMENTAL
    assert run.from_period == Q("2023Q2")


def test_a_full_request_widens_a_pending_incremental_run():
    with transaction.atomic():
        services.rollup_request(from_period=Q("2024Q3"))
        services.rollup_request()
        services.rollup_request(from_period=Q("2024Q1"))

    run = RollupRun.objects.get()
    assert run.kind == RollupRun.Kind.FULL
    assert run.from_period is None


def test_a_running_run_is_not_widened_a_new_one_is_queued():
    running = RollupRun.objects.create(
        kind="incremental", from_period=Q("2024Q1"), status="running"
    )
    with transaction.atomic():
        queued = services.rollup_request(from_period=Q("2023Q1"))
    assert queued.pk != running.pk


def test_a_retried_run_changes_nothing(enterprise):
    approved_report(enterprise=enterprise, period=Q("2023Q1"), metrics={"talent_high_end_new": 5})
    run = RollupRun.objects.create(kind="full")
    services.rollup_run(run_id=run.pk)
    before = list(
        Snapshot.objects.order_by("target_id", "period", "scope").values_list(
            "target_id", "period", "scope", "actual", "planned", "status"
        )
    )

    again = services.rollup_run(run_id=run.pk)

    assert again.status == RollupRun.Status.DONE
    after = list(
        Snapshot.objects.order_by("target_id", "period", "scope").values_list(
            "target_id", "period", "scope", "actual", "planned", "status"
        )
    )
    assert after == before


def test_an_incremental_run_rewrites_only_quarters_from_its_start(enterprise):
    services.snapshots_rebuild()
    old = Snapshot.objects.get(target__code="SH23-SF-BENCH", period=Q("2023Q4"), scope="city")
    designation_create(
        kind="smart_factory_benchmark", granted_on=dt.date(2024, 2, 1), enterprise=enterprise.uscc
    )

    services.snapshots_rebuild(from_period=Q("2024Q1"))

    kept = Snapshot.objects.get(target__code="SH23-SF-BENCH", period=Q("2023Q4"), scope="city")
    assert kept.computed_at == old.computed_at
    new = Snapshot.objects.get(target__code="SH23-SF-BENCH", period=Q("2024Q1"), scope="city")
    assert new.actual == 1
    assert Snapshot.objects.filter(target__code="SH23-SF-BENCH", period=Q("2024Q1")).count() == (
        Snapshot.objects.filter(target__code="SH23-SF-BENCH", period=Q("2023Q4")).count()
    )


def test_a_failing_run_is_marked_failed_with_its_error(monkeypatch):
    def boom(**kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(services.engine, "figures_compute", boom)
    run = RollupRun.objects.create(kind="full")

    services.rollup_run(run_id=run.pk)

    run.refresh_from_db()
    assert run.status == RollupRun.Status.FAILED
    assert "database went away" in run.error


def test_recording_a_designation_schedules_a_rollup_that_shows_it(
    enterprise, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        designation_create(
            kind="smart_factory_benchmark",
            granted_on=dt.date(2024, 2, 1),
            enterprise=enterprise.uscc,
        )

    run = RollupRun.objects.get()
    assert run.from_period == Q("2024Q1")
    assert run.status == RollupRun.Status.DONE
    figure = Snapshot.objects.get(target__code="SH23-SF-BENCH", period=Q("2024Q1"), scope="city")
    assert figure.actual == 1
