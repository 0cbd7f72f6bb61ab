"""The reporter's pages: the quarter list and the quarterly form."""

from __future__ import annotations

from typing import cast

import pytest
from django.urls import reverse

from reporting import services
from reporting.models import Item, MetricValue, Submission
from targets.periods import last_ended_period, period_format
from tests import factories

pytestmark = pytest.mark.django_db

Q1_2024 = 2024 * 4


def form_data(**overrides: object) -> dict[str, object]:
    data: dict[str, object] = {
        "items-TOTAL_FORMS": "0",
        "items-INITIAL_FORMS": "0",
        "items-MIN_NUM_FORMS": "0",
        "items-MAX_NUM_FORMS": "1000",
        "metric_digital_staff": "12",
        "metric_revenue": "3500.5",
        "metric_cloud_adopted": "yes",
        "metric_dcmm_level": "3",
        "action": "save",
    }
    data.update(overrides)
    return data


def item(index: int, **fields: str) -> dict[str, str]:
    return {f"items-{index}-{name}": value for name, value in fields.items()}


@pytest.fixture
def client_reporter(client, reporter):
    client.force_login(reporter)
    return client


def test_my_reports_lists_every_quarter_from_2022_with_overdue_first(client_reporter, enterprise):
    services.submission_create(
        enterprise=enterprise, period=Q1_2024, metrics={}, items=[], by=enterprise.users.get()
    )
    response = client_reporter.get(reverse("reporting:my-reports"))
    assert response.status_code == 200
    rows = response.context["rows"]
    assert len(rows) == last_ended_period() - 2022 * 4 + 1
    assert all(row.overdue for row in rows)  # nothing was ever handed in
    assert rows[0].period == last_ended_period()
    draft = next(row for row in rows if row.period == Q1_2024)
    assert draft.status == "draft"
    assert draft.url == reverse("reporting:report-detail", args=[draft.submission.pk])


def test_my_reports_starts_at_the_enterprise_active_from_quarter(client, db):
    reporter = factories.ReporterFactory(
        enterprise=factories.EnterpriseFactory(active_from="2025-05-10")
    )
    client.force_login(reporter)
    rows = client.get(reverse("reporting:my-reports")).context["rows"]
    assert min(row.period for row in rows) == 2025 * 4 + 1


def test_my_reports_puts_handed_in_quarters_after_the_overdue_ones(client_reporter, reporter):
    submission = services.submission_create(
        enterprise=reporter.enterprise, period=Q1_2024, metrics={}, items=[], by=reporter
    )
    services.submission_submit(submission=submission, by=reporter)
    rows = client_reporter.get(reverse("reporting:my-reports")).context["rows"]
    assert rows[-1].period < Q1_2024 or not rows[-1].overdue
    handed_in = next(row for row in rows if row.period == Q1_2024)
    assert not handed_in.overdue
    assert rows.index(handed_in) == len([r for r in rows if r.overdue])


def test_my_reports_refuses_other_roles(client, official):
    client.force_login(official)
    assert client.get(reverse("reporting:my-reports")).status_code == 403


def test_the_form_groups_metrics_in_catalogue_order_with_units_and_ranges(client_reporter):
    response = client_reporter.get(reverse("reporting:report-new", args=["2024Q1"]))
    assert response.status_code == 200
    groups = response.context["form"].groups()
    assert [label for label, _fields in groups][:2] == ["Talent", "Investment and revenue"]
    html = response.content.decode()
    assert 'name="metric_cloud_adopted" value="yes"' in html
    assert '<select name="metric_dcmm_level"' in html
    assert "Allowed: 0 to 10000 people" in html
    assert 'id="item-row-template"' in html


def test_saving_a_draft_creates_the_report_with_values_and_items(client_reporter, reporter):
    data = form_data(
        **{"items-TOTAL_FORMS": "1"},
        **item(
            0,
            kind="scenario",
            identifier="智能排产",
            title="APS",
            date="2024-02-01",
            attr_domain="production",
            evidence_url="https://example.com/a",
        ),
    )
    response = client_reporter.post(reverse("reporting:report-new", args=["2024Q1"]), data)
    submission = Submission.objects.get(enterprise=reporter.enterprise, period=Q1_2024)
    assert response.status_code == 302
    assert response["Location"] == reverse("reporting:report-detail", args=[submission.pk])
    assert submission.status == Submission.Status.DRAFT
    assert submission.metrics_data["digital_staff"] == "12"
    assert submission.metrics_data["cloud_adopted"] is True
    assert submission.items_data[0]["attributes"] == {"domain": "production"}
    assert Item.objects.get(submission=submission).evidence_url == "https://example.com/a"


def test_submit_saves_and_submits_in_one_step(client_reporter, reporter):
    client_reporter.post(
        reverse("reporting:report-new", args=["2024Q1"]), form_data(action="submit")
    )
    submission = Submission.objects.get(enterprise=reporter.enterprise, period=Q1_2024)
    assert submission.status == Submission.Status.SUBMITTED


def test_invalid_values_show_field_errors_and_save_nothing(client_reporter):
    data = form_data(
        metric_digital_staff="1.5",
        metric_revenue="-3",
        **{"items-TOTAL_FORMS": "1"},
        **item(0, kind="standard", identifier="T/SH 1", date="2024-05-01"),
    )
    response = client_reporter.post(reverse("reporting:report-new", args=["2024Q1"]), data)
    assert response.status_code == 400
    form = response.context["form"]
    assert "whole number" in form.errors["metric_digital_staff"][0]
    assert "metric_revenue" in form.errors
    item_form = response.context["items"].forms[0]
    assert "2024Q1" in item_form.errors["date"][0]
    assert 'data-testid="error-metric_digital_staff"' in response.content.decode()
    assert not Submission.objects.exists()
    assert not MetricValue.objects.exists()


def test_errors_follow_the_users_language(client_reporter):
    client_reporter.cookies["django_language"] = "zh-hans"
    response = client_reporter.post(
        reverse("reporting:report-new", args=["2024Q1"]), form_data(metric_digital_staff="x")
    )
    assert response.status_code == 400
    assert response.context["LANGUAGE_CODE"] == "zh-hans"


def test_removed_item_rows_are_not_saved(client_reporter, reporter):
    data = form_data(
        **{"items-TOTAL_FORMS": "2"},
        **item(0, kind="standard", identifier="T/SH 1", date="2024-03-01", attr_level="group"),
        **item(1, kind="standard", identifier="", date="", DELETE="on"),
    )
    client_reporter.post(reverse("reporting:report-new", args=["2024Q1"]), data)
    submission = Submission.objects.get(enterprise=reporter.enterprise)
    assert [i["identifier"] for i in submission.items_data] == ["T/SH 1"]


def test_a_new_report_prefills_stocks_and_flags_but_not_flows(client_reporter, reporter):
    services.submission_create(
        enterprise=reporter.enterprise,
        period=Q1_2024,
        metrics={"digital_staff": 40, "revenue": 900, "cloud_adopted": True, "dcmm_level": 2},
        items=[],
        by=reporter,
    )
    response = client_reporter.get(reverse("reporting:report-new", args=["2024Q2"]))
    initial = response.context["form"].initial
    assert initial["metric_digital_staff"] == "40"
    assert initial["metric_cloud_adopted"] == "yes"
    assert initial["metric_dcmm_level"] == "2"
    assert "metric_revenue" not in initial


def test_a_returned_report_shows_the_review_comment_beside_the_form(
    client_reporter, reporter, official
):
    submission = services.submission_create(
        enterprise=reporter.enterprise, period=Q1_2024, metrics={}, items=[], by=reporter
    )
    services.submission_submit(submission=submission, by=reporter)
    services.submission_return(submission=submission, by=official, comment="请补充营业收入")
    response = client_reporter.get(reverse("reporting:report-detail", args=[submission.pk]))
    assert response.templates[0].name == "reporting/report_form.html"
    html = response.content.decode()
    assert 'data-testid="review-comment"' in html
    assert "请补充营业收入" in html


def test_editing_a_returned_report_and_resubmitting(client_reporter, reporter, official):
    submission = services.submission_create(
        enterprise=reporter.enterprise, period=Q1_2024, metrics={}, items=[], by=reporter
    )
    submission = services.submission_submit(submission=submission, by=reporter)
    submission = services.submission_return(submission=submission, by=official, comment="fix")
    client_reporter.post(
        reverse("reporting:report-detail", args=[submission.pk]),
        form_data(version=str(submission.version), action="submit"),
    )
    submission.refresh_from_db()
    assert submission.status == Submission.Status.SUBMITTED
    assert submission.metrics_data["revenue"] == "3500.5"


def test_a_stale_version_is_refused_with_a_message(client_reporter, reporter):
    submission = services.submission_create(
        enterprise=reporter.enterprise, period=Q1_2024, metrics={}, items=[], by=reporter
    )
    response = client_reporter.post(
        reverse("reporting:report-detail", args=[submission.pk]),
        form_data(version="99"),
        follow=True,
    )
    assert "changed by someone else" in response.content.decode()
    submission.refresh_from_db()
    assert submission.metrics_data == {}


def test_submitted_and_approved_reports_are_read_only(client_reporter, reporter):
    submission = services.submission_create(
        enterprise=reporter.enterprise, period=Q1_2024, metrics={}, items=[], by=reporter
    )
    services.submission_submit(submission=submission, by=reporter)
    url = reverse("reporting:report-detail", args=[submission.pk])
    response = client_reporter.get(url)
    assert response.templates[0].name == "reporting/report_detail.html"
    assert 'data-testid="report-form"' not in response.content.decode()
    assert client_reporter.post(url, form_data()).status_code == 403


def test_a_reporter_gets_404_for_another_enterprises_report(client_reporter, other_enterprise):
    other = cast(Submission, factories.SubmissionFactory(enterprise=other_enterprise))
    response = client_reporter.get(reverse("reporting:report-detail", args=[other.pk]))
    assert response.status_code == 404


def test_a_quarter_that_has_not_ended_cannot_be_opened(client_reporter):
    future = period_format(last_ended_period() + 1)
    assert client_reporter.get(reverse("reporting:report-new", args=[future])).status_code == 404
    assert client_reporter.get(reverse("reporting:report-new", args=["2024Q9"])).status_code == 404


def test_opening_a_quarter_that_has_a_report_goes_to_it(client_reporter, reporter):
    submission = services.submission_create(
        enterprise=reporter.enterprise, period=Q1_2024, metrics={}, items=[], by=reporter
    )
    response = client_reporter.get(reverse("reporting:report-new", args=["2024Q1"]))
    assert response["Location"] == reverse("reporting:report-detail", args=[submission.pk])


def test_anonymous_users_are_sent_to_the_login(client):
    response = client.get(reverse("reporting:report-new", args=["2024Q1"]))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_an_approved_quarter_is_never_overdue(client_reporter, reporter):
    factories.SubmissionFactory(enterprise=reporter.enterprise, period=Q1_2024, approved=True)
    rows = client_reporter.get(reverse("reporting:my-reports")).context["rows"]
    approved = next(row for row in rows if row.period == Q1_2024)
    assert not approved.overdue
    assert not approved.editable
