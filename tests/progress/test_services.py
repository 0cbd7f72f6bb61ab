"""Rollup runs: recorded requests become runs, one-transaction writes, idempotence, errors
kept per target, and the sweep that picks up what no worker took."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from enterprises.services import designation_create
from progress import services
from progress.models import RollupRun, Snapshot
from targets.changes import recompute_request
from targets.models import RecomputeRequest, Target
from targets.periods import last_ended_period, period_parse
from tests.factories import SubmissionFactory

pytestmark = pytest.mark.django_db

Q = period_parse


def snapshots() -> list[tuple[object, ...]]:
    return list(
        Snapshot.objects.order_by("target_id", "period", "scope").values_list(
            "target_id", "period", "scope", "actual", "planned", "status", "computed_at"
        )
    )


def test_an_officials_request_runs_after_commit_and_writes_every_figure(
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


def test_requests_recorded_in_a_burst_become_one_run_of_their_targets_from_the_earliest():
    recompute_request(targets=["SH23-AI-DRUG"], from_period=Q("2024Q3"), reason="a")
    recompute_request(targets=["AIC-CLOUD"], from_period=Q("2023Q2"), reason="b")
    recompute_request(targets=["SH23-AI-DRUG"], from_period=Q("2025Q1"), reason="c")

    run = services.rollup_dispatch()

    assert run is not None
    assert (run.kind, run.from_period, run.targets) == (
        RollupRun.Kind.INCREMENTAL,
        Q("2023Q2"),
        ["AIC-CLOUD", "SH23-AI-DRUG"],
    )
    assert set(RecomputeRequest.objects.values_list("run_id", flat=True)) == {run.pk}


def test_a_full_request_absorbs_the_incremental_ones_recorded_with_it():
    recompute_request(targets=["SH23-AI-DRUG"], from_period=Q("2024Q3"), reason="a")
    recompute_request(targets=None, from_period=None, reason="enterprise moved")

    run = services.rollup_dispatch()

    assert run is not None
    assert (run.kind, run.from_period, run.targets) == (RollupRun.Kind.FULL, None, None)


def test_requests_taken_by_a_run_are_not_taken_again():
    recompute_request(targets=["SH23-AI-DRUG"], from_period=Q("2024Q3"), reason="a")
    assert services.rollup_dispatch() is not None
    assert services.rollup_dispatch() is None
    assert RollupRun.objects.count() == 1


def test_a_change_that_feeds_no_target_records_nothing():
    assert recompute_request(targets=[], from_period=Q("2024Q1"), reason="nothing") is None
    assert not RecomputeRequest.objects.exists()


def test_a_retried_run_changes_nothing(enterprise):
    SubmissionFactory(
        enterprise=enterprise, period=Q("2023Q1"), metrics={"talent_high_end_new": 5}, approved=True
    )
    run = RollupRun.objects.create(kind="full")
    services.rollup_run(run_id=run.pk)
    before = snapshots()

    again = services.rollup_run(run_id=run.pk)

    assert again.status == RollupRun.Status.DONE
    # Not even recomputed: the figures keep the moment they were computed at.
    assert snapshots() == before


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
    def boom(**kwargs: object) -> None:
        raise RuntimeError("database went away")

    monkeypatch.setattr(services, "snapshots_rebuild", boom)
    run = RollupRun.objects.create(kind="full")

    services.rollup_run(run_id=run.pk)

    run.refresh_from_db()
    assert run.status == RollupRun.Status.FAILED
    assert "database went away" in run.error


def test_a_target_with_a_broken_rule_keeps_its_old_figures_and_the_others_are_computed(
    enterprise,
):
    services.snapshots_rebuild()
    park_before = Snapshot.objects.filter(target__code="SH23-PARK").count()
    Target.objects.filter(code="SH23-PARK").update(rule={"kind": "designation_cuont"})
    designation_create(
        kind="smart_factory_benchmark", granted_on=dt.date(2024, 2, 1), enterprise=enterprise.uscc
    )
    run = RollupRun.objects.create(kind="full")

    services.rollup_run(run_id=run.pk)

    run.refresh_from_db()
    assert run.status == RollupRun.Status.DONE
    assert run.error.startswith("SH23-PARK:")
    assert Snapshot.objects.filter(target__code="SH23-PARK").count() == park_before
    bench = Snapshot.objects.get(target__code="SH23-SF-BENCH", period=Q("2024Q1"), scope="city")
    assert bench.actual == 1


def test_recording_a_designation_runs_a_rollup_that_shows_it(
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


# --- the sweep ----------------------------------------------------------------------------


def test_the_sweep_runs_requests_no_worker_took_within_a_minute(enterprise):
    designation_create(
        kind="smart_factory_benchmark", granted_on=dt.date(2024, 2, 1), enterprise=enterprise.uscc
    )  # recorded; its dispatch never ran (the test transaction does not commit)

    assert services.rollup_sweep().runs == []  # too young: a worker may still take it
    later = timezone.now() + dt.timedelta(minutes=2)
    result = services.rollup_sweep(at=later)

    assert len(result.runs) == 1
    assert RollupRun.objects.get().status == RollupRun.Status.DONE
    figure = Snapshot.objects.get(target__code="SH23-SF-BENCH", period=Q("2024Q1"), scope="city")
    assert figure.actual == 1


def test_the_sweep_finishes_a_run_whose_worker_died():
    started = timezone.now() - dt.timedelta(minutes=30)
    run = RollupRun.objects.create(kind="full", status="running", started_at=started)

    services.rollup_sweep()

    run.refresh_from_db()
    assert run.status == RollupRun.Status.DONE
    assert Snapshot.objects.exists()


def test_the_sweep_runs_a_run_whose_task_was_lost():
    run = RollupRun.objects.create(kind="full")
    RollupRun.objects.filter(pk=run.pk).update(
        requested_at=timezone.now() - dt.timedelta(minutes=5)
    )

    services.rollup_sweep()

    run.refresh_from_db()
    assert run.status == RollupRun.Status.DONE
