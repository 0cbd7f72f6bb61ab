"""Park pre-review (DOMAIN.md, "Multi-level review"): a park that pre-reviews has its
enterprises' reports pre-approved or returned by its park manager before an official
approves them; an official may still approve a submitted one directly, and the audit trail
says so. Only approved reports count."""

from __future__ import annotations

import datetime as dt
from typing import cast

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from parks.services import park_update
from progress.models import Snapshot
from progress.services import snapshots_rebuild
from reporting import selectors, services
from reporting.models import Submission
from tests import factories
from tests.conftest import client_for

pytestmark = pytest.mark.django_db

Status = Submission.Status
Q1_2024 = 2024 * 4


def submitted(enterprise, *, period=Q1_2024, metrics=None):
    reporter = cast(User, factories.ReporterFactory(enterprise=enterprise))
    report = services.submission_create(
        enterprise=enterprise, period=period, metrics=metrics or {}, items=[], by=reporter
    )
    return services.submission_submit(submission=report, by=reporter)


@pytest.fixture
def prereviewing(park):
    return park_update(park=park, prereview=True)


def actions(client, report) -> list[str]:
    history = client.get(f"/api/v1/submissions/{report.pk}/history/").json()
    return [entry["action"] for entry in history]


# --- the park manager ----------------------------------------------------------------


def test_the_park_manager_pre_approves_a_report_of_their_pre_reviewing_park(
    prereviewing, enterprise, as_park_manager, park_manager, as_official
):
    report = submitted(enterprise)

    response = as_park_manager.post(f"/api/v1/submissions/{report.pk}/pre_approve/")

    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "pre_approved"
    report.refresh_from_db()
    assert (report.prereviewed_by, report.reviewed_by) == (park_manager, None)
    assert actions(as_official, report)[-1] == "pre_approve"


def test_pre_approval_needs_the_park_to_pre_review(enterprise, as_park_manager):
    report = submitted(enterprise)

    response = as_park_manager.post(f"/api/v1/submissions/{report.pk}/pre_approve/")

    assert response.status_code == 403
    report.refresh_from_db()
    assert report.status == Status.SUBMITTED


def test_another_parks_manager_cannot_see_or_pre_approve_the_report(
    prereviewing, enterprise, other_park
):
    report = submitted(enterprise)
    stranger = client_for(factories.ParkManagerFactory(park=other_park))

    assert stranger.post(f"/api/v1/submissions/{report.pk}/pre_approve/").status_code == 404


@pytest.mark.parametrize("client_name", ["as_official", "as_analyst"])
def test_only_the_park_manager_pre_approves(prereviewing, enterprise, request, client_name):
    report = submitted(enterprise)
    client = request.getfixturevalue(client_name)

    assert client.post(f"/api/v1/submissions/{report.pk}/pre_approve/").status_code == 403
    report.refresh_from_db()
    assert report.status == Status.SUBMITTED


def test_the_reporter_cannot_pre_approve_its_own_report(prereviewing, enterprise):
    report = submitted(enterprise)
    reporter = client_for(factories.ReporterFactory(enterprise=enterprise))

    assert reporter.post(f"/api/v1/submissions/{report.pk}/pre_approve/").status_code == 403


def test_only_a_submitted_report_can_be_pre_approved(prereviewing, enterprise, park_manager):
    report = factories.SubmissionFactory(enterprise=enterprise, approved=True)

    response = client_for(park_manager).post(f"/api/v1/submissions/{report.pk}/pre_approve/")

    assert response.status_code == 409


def test_the_park_manager_returns_a_submitted_report_with_a_comment(
    prereviewing, enterprise, as_park_manager
):
    report = submitted(enterprise)

    response = as_park_manager.post(
        f"/api/v1/submissions/{report.pk}/return/", {"comment": "营收口径不一致"}, format="json"
    )

    assert response.status_code == 200
    assert response.json()["status"] == "returned"
    assert response.json()["review_comment"] == "营收口径不一致"


def test_the_park_manager_cannot_return_what_they_pre_approved(
    prereviewing, enterprise, as_park_manager
):
    report = submitted(enterprise)
    as_park_manager.post(f"/api/v1/submissions/{report.pk}/pre_approve/")

    response = as_park_manager.post(
        f"/api/v1/submissions/{report.pk}/return/", {"comment": "x"}, format="json"
    )

    assert response.status_code == 409


def test_a_park_manager_without_pre_review_cannot_return(enterprise, as_park_manager):
    report = submitted(enterprise)

    response = as_park_manager.post(
        f"/api/v1/submissions/{report.pk}/return/", {"comment": "x"}, format="json"
    )

    assert response.status_code == 403


# --- the official ----------------------------------------------------------------------


def test_an_official_approves_a_pre_approved_report(
    prereviewing, enterprise, as_park_manager, as_official
):
    report = submitted(enterprise)
    as_park_manager.post(f"/api/v1/submissions/{report.pk}/pre_approve/")

    response = as_official.post(f"/api/v1/submissions/{report.pk}/approve/")

    assert response.json()["status"] == "approved"
    assert actions(as_official, report)[-2:] == ["pre_approve", "approve"]


def test_an_officials_direct_approval_is_recorded_as_skipping_the_pre_review(
    prereviewing, enterprise, as_official
):
    report = submitted(enterprise)

    response = as_official.post(f"/api/v1/submissions/{report.pk}/approve/")

    assert response.json()["status"] == "approved"
    assert actions(as_official, report)[-1] == "approve_skipping_prereview"


def test_an_approval_where_the_park_does_not_pre_review_skips_nothing(enterprise, as_official):
    report = submitted(enterprise)
    as_official.post(f"/api/v1/submissions/{report.pk}/approve/")
    assert actions(as_official, report)[-1] == "approve"


def test_an_official_returns_a_pre_approved_report(
    prereviewing, enterprise, as_park_manager, as_official
):
    report = submitted(enterprise)
    as_park_manager.post(f"/api/v1/submissions/{report.pk}/pre_approve/")

    response = as_official.post(
        f"/api/v1/submissions/{report.pk}/return/", {"comment": "请补充"}, format="json"
    )

    assert response.json()["status"] == "returned"


def test_a_resubmitted_report_is_pre_reviewed_again(
    prereviewing, enterprise, park_manager, official
):
    report = submitted(enterprise)
    report = services.submission_pre_approve(submission=report, by=park_manager)
    report = services.submission_return(submission=report, by=official, comment="再看看")
    reporter = cast(User, factories.ReporterFactory(enterprise=enterprise))

    report = services.submission_submit(submission=report, by=reporter)

    assert (report.status, report.prereviewed_by, report.prereviewed_at) == (
        Status.SUBMITTED,
        None,
        None,
    )


def test_a_pre_approved_report_does_not_count_until_approved(
    prereviewing, enterprise, park_manager, official
):
    report = submitted(enterprise, metrics={"talent_high_end_new": 4})
    services.submission_pre_approve(submission=report, by=park_manager)
    snapshots_rebuild()
    figure = Snapshot.objects.get(target__code="SH23-TALENT-HIGH", period=Q1_2024, scope="city")
    assert figure.actual == 0

    services.submission_approve(submission=report, by=official)
    snapshots_rebuild()
    figure = Snapshot.objects.get(target__code="SH23-TALENT-HIGH", period=Q1_2024, scope="city")
    assert figure.actual == 4


# --- queues, completeness, digests ---------------------------------------------------


def test_officials_see_pre_approved_reports_first(
    prereviewing, enterprise, other_enterprise, park_manager, official
):
    plain = submitted(other_enterprise)
    waiting_for_park = submitted(enterprise, period=Q1_2024 + 1)
    passed_on = submitted(enterprise)
    services.submission_pre_approve(submission=passed_on, by=park_manager)

    queue = list(selectors.review_queue(user=official))

    assert queue == [passed_on, plain, waiting_for_park]


def test_a_park_managers_queue_holds_their_parks_submitted_reports(
    prereviewing, enterprise, other_enterprise, park_manager
):
    mine = submitted(enterprise)
    submitted(other_enterprise)

    assert list(selectors.review_queue(user=park_manager)) == [mine]


def test_the_park_managers_queue_page_offers_pre_review_not_bulk_approval(
    client, prereviewing, enterprise, park_manager
):
    mine = submitted(enterprise)
    client.force_login(park_manager)

    page = client.get(reverse("reporting:review-queue"))
    report = client.get(reverse("reporting:report-detail", args=[mine.pk]))

    assert [row["submission"] for row in page.context["rows"]] == [mine]
    assert 'data-testid="bulk-approve"' not in page.content.decode()
    assert 'data-testid="pre-approve"' in report.content.decode()


def test_the_pre_approve_button_posts_through_the_page(
    client, prereviewing, enterprise, park_manager
):
    mine = submitted(enterprise)
    client.force_login(park_manager)

    client.post(reverse("reporting:report-pre-approve", args=[mine.pk]), {"version": mine.version})

    mine.refresh_from_db()
    assert mine.status == Status.PRE_APPROVED


def test_completeness_counts_pre_approved_reports(
    prereviewing, enterprise, park_manager, as_official
):
    report = submitted(enterprise)
    services.submission_pre_approve(submission=report, by=park_manager)

    body = as_official.get("/api/v1/completeness/", {"period": "2024Q1"}).json()

    assert (body["submitted"], body["pre_approved"], body["approved"]) == (1, 1, 0)


def test_park_managers_get_a_digest_of_what_waits_for_their_pre_review(
    prereviewing, enterprise, park_manager, official
):
    park_manager.email = "park@example.com"
    park_manager.save(update_fields=["email"])
    official.email = "official@example.com"
    official.save(update_fields=["email"])
    submitted(enterprise)

    result = services.reminders_send(at=timezone.make_aware(dt.datetime(2024, 8, 5, 9)))

    assert result.park_managers == 1
    [to_park] = [m for m in mail.outbox if m.to == ["park@example.com"]]
    assert "pre-review" in to_park.subject
    # It waits for the park, not for the officials.
    assert not [m for m in mail.outbox if m.to == ["official@example.com"]]


# --- the park's setting --------------------------------------------------------------


def test_officials_switch_pre_review_on_through_the_api(park, as_official, as_park_manager):
    url = f"/api/v1/parks/{park.code}/"

    assert as_park_manager.patch(url, {"prereview": True}, format="json").status_code == 403
    response = as_official.patch(url, {"prereview": True}, format="json")

    assert response.status_code == 200
    assert response.json()["prereview"] is True
    park.refresh_from_db()
    assert park.prereview is True
    assert park.history.first().prereview is True
