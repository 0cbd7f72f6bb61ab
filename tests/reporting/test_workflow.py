"""The report workflow: who may do what in which state, versions, rows and the audit trail."""

from __future__ import annotations

import datetime as dt
from unittest import mock

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from reporting import selectors, services
from reporting.models import Item, MetricValue, Submission
from targets.models import RecomputeRequest
from tests import factories

from .evidence_helpers import attach
from .helpers import Q1_2024, new_official, report_approved, report_create, report_submitted

pytestmark = pytest.mark.django_db
Status = Submission.Status


def test_a_reporter_creates_a_draft_with_rows_for_values_and_items(reporter, enterprise):
    submission = report_create(enterprise=enterprise, by=reporter)
    assert (submission.status, submission.version) == (Status.DRAFT, 1)
    assert submission.created_by == reporter
    assert MetricValue.objects.filter(submission=submission, approved=False).count() == 3
    item = Item.objects.get(submission=submission)
    assert (item.identifier_key, item.enterprise, item.period) == (
        "MESROLLOUT",
        enterprise,
        Q1_2024,
    )


def test_an_official_may_create_on_behalf_of_an_enterprise(official, enterprise):
    assert report_create(enterprise=enterprise, by=official).created_by == official


@pytest.mark.parametrize("role", ["analyst", "park_manager", "other_reporter"])
def test_other_roles_may_not_create(role, enterprise, analyst, park_manager, other_enterprise):
    user = {
        "analyst": analyst,
        "park_manager": park_manager,
        "other_reporter": factories.ReporterFactory(enterprise=other_enterprise),
    }[role]
    with pytest.raises(PermissionDenied):
        report_create(enterprise=enterprise, by=user)
    assert not Submission.objects.exists()


def test_a_second_report_for_the_same_quarter_raises_with_the_existing_id(reporter, enterprise):
    first = report_create(enterprise=enterprise, by=reporter)
    with pytest.raises(services.SubmissionExists) as caught:
        report_create(enterprise=enterprise, by=reporter)
    assert caught.value.existing_id == first.pk


def test_the_database_refuses_two_reports_for_one_enterprise_and_quarter(enterprise):
    factories.SubmissionFactory(enterprise=enterprise, period=Q1_2024)
    with pytest.raises(IntegrityError), transaction.atomic():
        factories.SubmissionFactory(enterprise=enterprise, period=Q1_2024)


def test_invalid_values_save_nothing(reporter, enterprise):
    with pytest.raises(ValidationError):
        report_create(enterprise=enterprise, by=reporter, metrics={"digital_staff": -1})
    assert not Submission.objects.exists()
    assert not MetricValue.objects.exists()


def test_an_edit_replaces_values_and_items_and_bumps_the_version(reporter, enterprise):
    submission = report_create(enterprise=enterprise, by=reporter)
    edited = services.submission_update(
        submission=submission, version=1, metrics={"revenue": 7}, items=[], by=reporter
    )
    assert edited.version == 2
    assert edited.metrics_data == {"revenue": "7"}
    assert list(MetricValue.objects.values_list("metric__code", flat=True)) == ["revenue"]
    assert not Item.objects.exists()


def test_a_stale_version_is_refused_and_changes_nothing(reporter, enterprise):
    submission = report_create(enterprise=enterprise, by=reporter)
    services.submission_update(submission=submission, version=1, metrics={}, items=[], by=reporter)
    with pytest.raises(services.StaleVersion) as caught:
        services.submission_update(
            submission=submission, version=1, metrics={"revenue": 1}, items=[], by=reporter
        )
    assert caught.value.current_version == 2
    with pytest.raises(services.StaleVersion):
        services.submission_submit(submission=submission, by=reporter, version=1)
    assert Submission.objects.get().status == Status.DRAFT


def test_a_submitted_report_cannot_be_edited(reporter, enterprise):
    submission = report_submitted(enterprise=enterprise, by=reporter)
    with pytest.raises(services.TransitionNotAllowed, match="Only a draft or returned report"):
        services.submission_update(
            submission=submission, version=None, metrics={}, items=[], by=reporter
        )


def test_submitting_on_time_is_not_late(reporter, enterprise):
    with mock.patch("django.utils.timezone.localdate", return_value=dt.date(2024, 4, 15)):
        submission = report_submitted(enterprise=enterprise, by=reporter)
    assert submission.status == Status.SUBMITTED
    assert submission.submitted_by == reporter
    assert submission.submitted_at is not None
    assert submission.late is False


def test_submitting_after_the_due_date_is_late(reporter, enterprise):
    submission = report_submitted(enterprise=enterprise, by=reporter)  # today is long after
    assert submission.late is True


@pytest.mark.parametrize("role", ["analyst", "park_manager", "other_reporter"])
def test_only_the_enterprise_or_an_official_may_submit(
    role, reporter, enterprise, analyst, park_manager, other_enterprise
):
    user = {
        "analyst": analyst,
        "park_manager": park_manager,
        "other_reporter": factories.ReporterFactory(enterprise=other_enterprise),
    }[role]
    submission = report_create(enterprise=enterprise, by=reporter)
    with pytest.raises(PermissionDenied):
        services.submission_submit(submission=submission, by=user)


def test_an_official_approves_a_submitted_report_and_its_rows_count(reporter, official, enterprise):
    submission = report_submitted(enterprise=enterprise, by=reporter)
    approved = services.submission_approve(submission=submission, by=official, version=2)
    assert (approved.status, approved.version) == (Status.APPROVED, 3)
    assert (approved.reviewed_by, approved.review_comment) == (official, "")
    assert MetricValue.objects.filter(approved=True).count() == 3
    assert Item.objects.filter(approved=True).count() == 1


def test_approving_records_in_its_transaction_which_figures_to_recompute(
    reporter, official, enterprise
):
    submission = report_submitted(enterprise=enterprise, by=reporter)
    services.submission_approve(submission=submission, by=official)
    request = RecomputeRequest.objects.get()
    # Only the targets its cloud flag and its scenario feed, from its quarter.
    assert (request.targets, request.from_period) == (["AIC-CLOUD", "SH23-SCENARIO"], Q1_2024)
    assert (request.requested_by, request.run_id) == (official, None)


def test_an_item_dated_before_the_reports_quarter_widens_the_recompute_to_its_quarter(
    reporter, official, enterprise
):
    item = {"kind": "ai_drug_clinical", "identifier": "CTR1", "date": "2023-11-30"}
    submission = report_create(enterprise=enterprise, by=reporter, period=Q1_2024 + 1, items=[item])
    attach(submission, reporter)  # the clinical-trial approval notice
    submission = services.submission_submit(submission=submission, by=reporter)
    services.submission_approve(submission=submission, by=official)
    request = RecomputeRequest.objects.get()
    assert request.from_period == 2023 * 4 + 3  # 2023Q4
    assert "SH23-AI-DRUG" in (request.targets or [])


def test_a_refused_approval_records_nothing(reporter, official, enterprise):
    submission = report_create(enterprise=enterprise, by=reporter)  # a draft
    with pytest.raises(services.TransitionNotAllowed):
        services.submission_approve(submission=submission, by=official)
    assert not RecomputeRequest.objects.exists()


@pytest.mark.parametrize("role", ["reporter", "analyst", "park_manager"])
def test_only_officials_review(role, reporter, enterprise, analyst, park_manager):
    user = {"reporter": reporter, "analyst": analyst, "park_manager": park_manager}[role]
    submission = report_submitted(enterprise=enterprise, by=reporter)
    for review in (services.submission_approve,):
        with pytest.raises(PermissionDenied):
            review(submission=submission, by=user)
    with pytest.raises(PermissionDenied):
        services.submission_return(submission=submission, by=user, comment="no")
    approved = services.submission_approve(submission=submission, by=new_official())
    with pytest.raises(PermissionDenied):
        services.submission_reopen(submission=approved, by=user, comment="no")


@pytest.mark.parametrize(
    ("state", "action"),
    [
        ("draft", "approve"),
        ("draft", "return"),
        ("draft", "reopen"),
        ("submitted", "submit"),
        ("submitted", "reopen"),
        ("approved", "submit"),
        ("approved", "approve"),
        ("approved", "return"),
        ("returned", "approve"),
        ("returned", "return"),
        ("returned", "reopen"),
    ],
)
def test_actions_that_do_not_apply_to_the_state_are_refused(
    state, action, reporter, official, enterprise
):
    submission = report_create(enterprise=enterprise, by=reporter)
    if state != "draft":
        submission = services.submission_submit(submission=submission, by=reporter)
    if state == "approved":
        submission = services.submission_approve(submission=submission, by=official)
    if state == "returned":
        submission = services.submission_return(submission=submission, by=official, comment="Fix")
    calls = {
        "submit": lambda: services.submission_submit(submission=submission, by=reporter),
        "approve": lambda: services.submission_approve(submission=submission, by=official),
        "return": lambda: services.submission_return(
            submission=submission, by=official, comment="x"
        ),
        "reopen": lambda: services.submission_reopen(
            submission=submission, by=official, comment="x"
        ),
    }
    version = Submission.objects.get().version
    with pytest.raises(services.TransitionNotAllowed):
        calls[action]()
    assert Submission.objects.get().version == version


def test_return_and_reopen_need_a_comment(reporter, official, enterprise):
    submission = report_submitted(enterprise=enterprise, by=reporter)
    with pytest.raises(ValidationError) as caught:
        services.submission_return(submission=submission, by=official, comment="  ")
    assert "comment" in caught.value.message_dict
    approved = services.submission_approve(submission=submission, by=official)
    with pytest.raises(ValidationError):
        services.submission_reopen(submission=approved, by=official, comment="")


def test_a_returned_report_can_be_edited_and_submitted_again(reporter, official, enterprise):
    submission = report_submitted(enterprise=enterprise, by=reporter)
    returned = services.submission_return(
        submission=submission, by=official, comment="Revenue looks wrong"
    )
    assert (returned.status, returned.review_comment) == (Status.RETURNED, "Revenue looks wrong")
    edited = services.submission_update(
        submission=returned,
        version=returned.version,
        metrics={"revenue": 90},
        items=[],
        by=reporter,
    )
    again = services.submission_submit(submission=edited, by=reporter)
    assert again.status == Status.SUBMITTED


def test_reopening_takes_an_approved_report_out_of_the_counts(reporter, official, enterprise):
    approved = report_approved(enterprise=enterprise, reporter=reporter, official=official)
    reopened = services.submission_reopen(
        submission=approved, by=official, comment="Duplicate scenario"
    )
    assert reopened.status == Status.RETURNED
    assert not MetricValue.objects.filter(approved=True).exists()
    assert not Item.objects.filter(approved=True).exists()
    reopening = RecomputeRequest.objects.order_by("pk").last()
    assert reopening is not None
    assert (reopening.targets, reopening.from_period) == (["AIC-CLOUD", "SH23-SCENARIO"], Q1_2024)


def test_the_audit_trail_after_return_edit_and_approve(reporter, official, enterprise):
    submission = report_submitted(enterprise=enterprise, by=reporter)
    submission = services.submission_return(
        submission=submission, by=official, comment="Revenue looks wrong"
    )
    submission = services.submission_update(
        submission=submission,
        version=submission.version,
        metrics={"digital_staff": 10, "revenue": "90", "cloud_adopted": True},
        items=[],
        by=reporter,
    )
    submission = services.submission_submit(submission=submission, by=reporter)
    services.submission_approve(submission=submission, by=official)

    trail = selectors.submission_history(submission=submission)
    assert [(e["action"], e["by"]) for e in trail] == [
        ("create", "reporter"),
        ("submit", "reporter"),
        ("return", "official"),
        ("edit", "reporter"),
        ("submit", "reporter"),
        ("approve", "official"),
    ]
    returned = trail[2]
    assert returned["comment"] == "Revenue looks wrong"
    assert {"field": "status", "old": "submitted", "new": "returned"} in returned["changes"]
    edit = trail[3]["changes"]
    assert {"field": "metrics.revenue", "old": "100.5", "new": "90"} in edit
    assert any(
        c["field"] == "items" and c["new"] is None and c["old"]["identifier"] == "MES rollout"
        for c in edit
    )
    assert {"field": "status", "old": "submitted", "new": "approved"} in trail[5]["changes"]
    assert [e["version"] for e in trail] == [1, 2, 3, 4, 5, 6]


def test_bulk_approve_skips_flagged_reports(official):
    reporters = [factories.ReporterFactory() for _ in range(6)]
    submitted = [
        report_submitted(enterprise=r.enterprise, by=r, metrics={"revenue": v}, items=[])
        for r, v in zip(reporters, [100, 101, 99, 100, 102, 100000], strict=True)
    ]
    result = services.submission_bulk_approve(submissions=submitted, by=official)
    assert result.skipped_flagged == [submitted[-1].pk]
    assert len(result.approved) == 5
    assert Submission.objects.filter(status=Status.APPROVED).count() == 5


def test_save_and_submit_saves_nothing_when_the_submission_is_refused(reporter, enterprise):
    refused = services.TransitionNotAllowed("refused")
    with (
        mock.patch("reporting.services.submission_submit", side_effect=refused),
        pytest.raises(services.TransitionNotAllowed),
    ):
        services.submission_save(
            submission=None,
            enterprise=enterprise,
            period=Q1_2024,
            metrics={"digital_staff": 3},
            items=[],
            by=reporter,
            submit=True,
        )
    assert not Submission.objects.exists()
