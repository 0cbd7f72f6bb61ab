"""Officials' review queue and a report's review page; read access of the other roles."""

from __future__ import annotations

from typing import cast

import pytest
from django.urls import reverse

from accounts.models import User
from reporting import services
from reporting.models import Submission
from tests import factories
from tests.factories import SubmissionFactory

pytestmark = pytest.mark.django_db

Q1_2024 = 2024 * 4


def submitted(enterprise, *, period=Q1_2024, metrics=None):
    reporter = cast(User, factories.ReporterFactory(enterprise=enterprise))
    submission = services.submission_create(
        enterprise=enterprise, period=period, metrics=metrics or {}, items=[], by=reporter
    )
    return services.submission_submit(submission=submission, by=reporter)


@pytest.fixture
def client_official(client, official):
    client.force_login(official)
    return client


def test_the_queue_lists_submitted_reports_by_default(
    client_official, enterprise, other_enterprise
):
    waiting = submitted(enterprise)
    factories.SubmissionFactory(enterprise=other_enterprise)  # a draft: not for review
    response = client_official.get(reverse("reporting:review-queue"))
    assert response.status_code == 200
    assert [row["submission"] for row in response.context["rows"]] == [waiting]


def test_the_queue_filters_by_quarter_park_district_status_and_late(
    client_official, enterprise, other_enterprise
):
    first = submitted(enterprise)
    second = submitted(other_enterprise, period=Q1_2024 + 1)
    url = reverse("reporting:review-queue")

    def shown(**params: str) -> list[Submission]:
        response = client_official.get(url, params)
        return [row["submission"] for row in response.context["rows"]]

    assert shown(period="2024Q2") == [second]
    assert shown(park=enterprise.park.code) == [first]
    assert shown(district=enterprise.district.code) == [first, second]
    assert shown(status="approved") == []
    assert shown(late="yes") == [first, second]  # submitted long after their due dates
    assert shown(late="no") == []


def test_the_queue_query_count_does_not_grow_with_rows(
    client_official, django_assert_max_num_queries
):
    park = factories.ParkFactory()
    for _ in range(3):
        submitted(factories.EnterpriseFactory(park=park))
    with django_assert_max_num_queries(12) as few:
        client_official.get(reverse("reporting:review-queue"))
    for _ in range(12):
        submitted(factories.EnterpriseFactory(park=park))
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client_official.get(reverse("reporting:review-queue"))
    assert len(response.context["rows"]) == 15


@pytest.mark.parametrize("role", ["analyst", "reporter"])
def test_the_queue_refuses_everyone_but_officials_and_park_managers(client, request, role):
    client.force_login(request.getfixturevalue(role))
    assert client.get(reverse("reporting:review-queue")).status_code == 403


def test_the_review_page_shows_values_beside_the_previous_approved_quarter(
    client_official, enterprise
):
    SubmissionFactory(
        enterprise=enterprise, period=Q1_2024 - 2, metrics={"digital_staff": 10}, approved=True
    )
    submission = submitted(enterprise, metrics={"digital_staff": 14})
    response = client_official.get(reverse("reporting:report-detail", args=[submission.pk]))
    assert response.status_code == 200
    assert response.context["previous_label"] == "2023Q3"
    rows = {row["code"]: row for _label, rows in response.context["value_groups"] for row in rows}
    assert rows["digital_staff"]["value"] == "14"
    assert rows["digital_staff"]["previous"] == "10"
    assert rows["digital_staff"]["change"] == "+4"
    assert rows["digital_staff"]["direction"] == "up"
    assert 'data-testid="approve"' in response.content.decode()


def test_the_review_page_flags_outliers(client_official, enterprise):
    SubmissionFactory(
        enterprise=enterprise, period=Q1_2024 - 1, metrics={"revenue": 100}, approved=True
    )
    submission = submitted(enterprise, metrics={"revenue": 5000})
    response = client_official.get(reverse("reporting:report-detail", args=[submission.pk]))
    rows = {row["code"]: row for _label, rows in response.context["value_groups"] for row in rows}
    assert rows["revenue"]["flags"]
    assert 'data-testid="flags"' in response.content.decode()


def test_the_review_page_shows_the_audit_trail(client_official, official, enterprise):
    submission = submitted(enterprise, metrics={"digital_staff": 3})
    services.submission_return(submission=submission, by=official, comment="请核对人数")
    response = client_official.get(reverse("reporting:report-detail", args=[submission.pk]))
    history = response.context["history"]
    assert [entry["action_label"] for entry in history] == ["Returned", "Submitted", "Created"]
    assert history[0]["who"] == "official"
    assert history[0]["comment"] == "请核对人数"
    assert {"field": "Status", "old": "Submitted", "new": "Returned"} in history[0]["changes"]


def test_an_official_approves_a_submitted_report(client_official, enterprise):
    submission = submitted(enterprise)
    response = client_official.post(
        reverse("reporting:report-approve", args=[submission.pk]),
        {"version": submission.version},
    )
    assert response["Location"] == reverse("reporting:report-detail", args=[submission.pk])
    submission.refresh_from_db()
    assert submission.status == Submission.Status.APPROVED


def test_returning_needs_a_comment(client_official, enterprise):
    submission = submitted(enterprise)
    url = reverse("reporting:report-return", args=[submission.pk])
    response = client_official.post(url, {"comment": " "})
    assert response.status_code == 400
    submission.refresh_from_db()
    assert submission.status == Submission.Status.SUBMITTED
    client_official.post(url, {"comment": "营业收入单位应为万元"})
    submission.refresh_from_db()
    assert submission.status == Submission.Status.RETURNED
    assert submission.review_comment == "营业收入单位应为万元"


def test_an_official_reopens_an_approved_report_with_a_comment(
    client_official, official, enterprise
):
    submission = services.submission_approve(submission=submitted(enterprise), by=official)
    client_official.post(
        reverse("reporting:report-reopen", args=[submission.pk]), {"comment": "数据有误"}
    )
    submission.refresh_from_db()
    assert submission.status == Submission.Status.RETURNED


def test_an_action_on_a_stale_version_is_refused(client_official, enterprise):
    submission = submitted(enterprise)
    response = client_official.post(
        reverse("reporting:report-approve", args=[submission.pk]), {"version": 1}, follow=True
    )
    assert "changed by someone else" in response.content.decode()
    submission.refresh_from_db()
    assert submission.status == Submission.Status.SUBMITTED


def test_bulk_approve_approves_only_reports_without_flags(client_official, enterprise):
    SubmissionFactory(
        enterprise=enterprise, period=Q1_2024 - 1, metrics={"revenue": 100}, approved=True
    )
    flagged = submitted(enterprise, metrics={"revenue": 5000})
    clean = submitted(factories.EnterpriseFactory())
    response = client_official.post(
        reverse("reporting:bulk-approve"),
        {"submissions": [flagged.pk, clean.pk], "next": "/reports/review/?status=submitted"},
    )
    assert response["Location"] == "/reports/review/?status=submitted"
    flagged.refresh_from_db()
    clean.refresh_from_db()
    assert clean.status == Submission.Status.APPROVED
    assert flagged.status == Submission.Status.SUBMITTED


def test_the_queue_offers_bulk_approval_only_for_unflagged_reports(client_official, enterprise):
    SubmissionFactory(
        enterprise=enterprise, period=Q1_2024 - 1, metrics={"revenue": 100}, approved=True
    )
    flagged = submitted(enterprise, metrics={"revenue": 5000})
    response = client_official.get(reverse("reporting:review-queue"))
    row = response.context["rows"][0]
    assert row["submission"] == flagged
    assert row["flags"]
    assert not row["bulk_ok"]


@pytest.mark.parametrize(
    "action", ["report-approve", "report-return", "report-reopen", "report-pre-approve"]
)
@pytest.mark.parametrize("role", ["analyst", "park_manager", "reporter"])
def test_review_actions_are_for_officials_only_where_the_park_does_not_pre_review(
    client, request, enterprise, role, action
):
    submission = submitted(enterprise)
    client.force_login(request.getfixturevalue(role))
    response = client.post(reverse(f"reporting:{action}", args=[submission.pk]), {"comment": "x"})
    assert response.status_code == 403
    submission.refresh_from_db()
    assert submission.status == Submission.Status.SUBMITTED


def test_bulk_approve_is_for_officials_only(client, analyst, enterprise):
    submission = submitted(enterprise)
    client.force_login(analyst)
    response = client.post(reverse("reporting:bulk-approve"), {"submissions": [submission.pk]})
    assert response.status_code == 403


def test_a_park_manager_reads_the_reports_of_the_park_without_review_buttons(
    client, park_manager, enterprise, other_enterprise
):
    own = submitted(enterprise)
    foreign = submitted(other_enterprise)
    client.force_login(park_manager)
    response = client.get(reverse("reporting:report-detail", args=[own.pk]))
    assert response.status_code == 200
    assert 'data-testid="review-actions"' not in response.content.decode()
    assert client.get(reverse("reporting:report-detail", args=[foreign.pk])).status_code == 404


def test_an_analyst_reads_every_report_read_only(client, analyst, other_enterprise):
    submission = submitted(other_enterprise)
    client.force_login(analyst)
    url = reverse("reporting:report-detail", args=[submission.pk])
    response = client.get(url)
    assert response.status_code == 200
    assert 'data-testid="review-actions"' not in response.content.decode()
    assert client.post(url, {}).status_code == 403


def test_a_park_manager_lists_only_the_reports_of_the_park(
    client, park_manager, enterprise, other_enterprise
):
    own = submitted(enterprise)
    submitted(other_enterprise)
    client.force_login(park_manager)
    response = client.get(reverse("reporting:report-list"))
    assert response.status_code == 200
    assert response.context["rows"] == [own]


def test_an_analyst_lists_every_report_and_filters_them(
    client, analyst, enterprise, other_enterprise
):
    first = submitted(enterprise)
    second = submitted(other_enterprise, period=Q1_2024 + 1)
    client.force_login(analyst)
    response = client.get(reverse("reporting:report-list"))
    assert response.context["rows"] == [second, first]
    response = client.get(reverse("reporting:report-list"), {"period": "2024Q1"})
    assert response.context["rows"] == [first]


def test_reporters_do_not_get_the_report_list(client, reporter):
    client.force_login(reporter)
    assert client.get(reverse("reporting:report-list")).status_code == 403


def test_the_audit_trail_speaks_the_readers_language(client_official, official, enterprise):
    submission = submitted(enterprise, metrics={"digital_staff": 3})
    services.submission_return(submission=submission, by=official, comment="请核对人数")
    url = reverse("reporting:report-detail", args=[submission.pk])
    chinese = client_official.get(url, HTTP_ACCEPT_LANGUAGE="zh-CN").context["history"]
    english = client_official.get(url, HTTP_ACCEPT_LANGUAGE="en").context["history"]
    assert chinese[0]["action_label"] == "已退回"
    assert english[0]["action_label"] == "Returned"


@pytest.mark.parametrize("action", ["approve", "return", "reopen"])
def test_a_review_action_with_a_malformed_version_is_refused_and_changes_nothing(
    client_official, enterprise, action
):
    submission = submitted(enterprise)
    url = reverse(f"reporting:report-{action}", args=[submission.pk])
    response = client_official.post(url, {"version": "abc", "comment": "Check revenue"})
    assert response.status_code == 400
    submission.refresh_from_db()
    assert submission.status == Submission.Status.SUBMITTED


def test_outlier_scores_are_shown_to_officials_and_not_to_the_enterprise(
    client, client_official, enterprise, reporter
):
    for value in (10, 11, 12, 13):
        submitted(factories.EnterpriseFactory(), metrics={"revenue": value})
    odd = submitted(enterprise, metrics={"revenue": 5000})
    url = reverse("reporting:report-detail", args=[odd.pk])

    assert "z-score" in client_official.get(url).content.decode()
    client.force_login(reporter)
    page = client.get(url).content.decode()
    assert "z-score" not in page
    assert 'data-testid="flags"' not in page
    aids = client.get(f"/api/v1/submissions/{odd.pk}/review/").json()
    assert aids["flags"] == []
