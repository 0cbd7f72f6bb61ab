"""What an incremental rollup recomputes after an approval or a designation change."""

from typing import cast
from unittest import mock

import pytest

from enterprises.models import Enterprise
from progress import services
from progress.models import RollupRun
from progress.selectors import targets_fed_by
from reporting.models import Submission
from tests.factories import EnterpriseFactory

pytestmark = pytest.mark.django_db

Q = {"2023Q4": 2023 * 4 + 3, "2024Q1": 2024 * 4, "2024Q2": 2024 * 4 + 1}


def test_a_reports_metrics_and_item_kinds_name_the_targets_they_feed():
    codes = targets_fed_by(metrics={"talent_high_end_new", "revenue"}, item_kinds={"standard"})
    assert codes == ["SH23-TALENT-HIGH", "SH23-STANDARD", "CN25-STANDARD"]


def test_designation_changes_feed_every_designation_target():
    codes = targets_fed_by(designations=True)
    assert len(codes) == 8
    assert "SH23-PARK" in codes
    assert "SH23-SCENARIO" not in codes


def test_an_item_dated_before_the_reports_quarter_widens_the_rollup_to_its_own_quarter(
    django_capture_on_commit_callbacks,
):
    enterprise = cast(Enterprise, EnterpriseFactory())
    report = Submission(
        enterprise=enterprise,
        period=Q["2024Q2"],
        metrics_data={"cloud_adopted": True},
        items_data=[{"kind": "ai_drug_clinical", "identifier": "CTR1", "date": "2023-11-30"}],
    )
    with (
        mock.patch("progress.services.rollup_request") as rollup,
        django_capture_on_commit_callbacks(execute=True),
    ):
        services.rollup_request_for_report(submission=report)
    rollup.assert_called_once_with(from_period=Q["2023Q4"], targets=["SH23-AI-DRUG", "AIC-CLOUD"])


def test_pending_requests_merge_their_targets_and_the_earliest_quarter(
    django_capture_on_commit_callbacks,
):
    with mock.patch("progress.services._run_enqueue"):
        first = services.rollup_request(from_period=Q["2024Q2"], targets=["SH23-AI-DRUG"])
        second = services.rollup_request(from_period=Q["2024Q1"], targets=["AIC-CLOUD"])
    assert second.pk == first.pk
    run = RollupRun.objects.get()
    assert (run.from_period, run.targets, run.kind) == (
        Q["2024Q1"],
        ["AIC-CLOUD", "SH23-AI-DRUG"],
        RollupRun.Kind.INCREMENTAL,
    )


def test_a_full_request_absorbs_a_pending_incremental_one():
    with mock.patch("progress.services._run_enqueue"):
        services.rollup_request(from_period=Q["2024Q2"], targets=["SH23-AI-DRUG"])
        services.rollup_request()
    run = RollupRun.objects.get()
    assert (run.from_period, run.targets, run.kind) == (None, None, RollupRun.Kind.FULL)


def test_a_report_that_feeds_no_target_schedules_nothing():
    with mock.patch("progress.services._run_enqueue") as enqueue:
        services.rollup_request(from_period=Q["2024Q1"], targets=[])
    assert not RollupRun.objects.exists()
    enqueue.assert_not_called()


def test_a_rollup_runs_with_debug_on_as_under_make_run(settings):
    """DEBUG logs each query with its parameters interpolated; the raw SQL must allow it."""
    from tests.factories import approved_report

    settings.DEBUG = True
    enterprise = cast(Enterprise, EnterpriseFactory())
    approved_report(
        enterprise=enterprise,
        period=Q["2024Q1"],
        items=[{"kind": "scenario", "identifier": "MES", "date": "2024-02-01"}],
    )
    assert services.snapshots_rebuild(targets=["SH23-SCENARIO"]) > 0
