"""A district official and the quarterly reports: they read the reports and the
completeness of every park and enterprise of their district, nothing outside it, and are
refused every write: creating, editing, submitting, approving, pre-approving, returning,
reopening, bulk approval and the review queue, through the API and the pages alike."""

from __future__ import annotations

import pytest
from django.urls import NoReverseMatch, reverse

from parks.models import Park
from reporting.models import Submission
from tests import factories
from tests.conftest import OUTSIDE_DISTRICT

from .helpers import ITEMS, METRICS, Q1_2024, report_approved, report_submitted

pytestmark = pytest.mark.django_db

Status = Submission.Status
DISTRICT = "310115"  # the district official's: ``park`` (PARK-A) and ``other_park`` (PARK-B)
URL = "/api/v1/submissions/"


@pytest.fixture
def reports(park, other_park, enterprise, other_enterprise, outside_enterprise, official):
    """A submitted report in each park of the district and outside it, an approved one from
    an enterprise of the district in no park; every park pre-reviews where parks can."""
    for place in (park, other_park):
        _pre_reviewing(place)
    loose = factories.EnterpriseFactory(park=None, district=park.district)
    made = {}
    for name, company in (
        ("A", enterprise),
        ("B", other_enterprise),
        ("outside", outside_enterprise),
        ("loose", loose),
    ):
        reporter = factories.ReporterFactory(enterprise=company)
        made[name] = report_submitted(enterprise=company, by=reporter)
    made["approved"] = report_approved(
        enterprise=loose,
        reporter=factories.ReporterFactory(enterprise=loose),
        official=official,
        period=Q1_2024 - 1,
        items=[],
    )
    return made


def _pre_reviewing(park: Park) -> None:
    """Parks pre-review (DOMAIN.md, "Multi-level review") once they know how to."""
    if any(field.name == "prereview" for field in Park._meta.get_fields()):
        Park.objects.filter(pk=park.pk).update(prereview=True)


def mine(reports) -> set[int]:
    return {reports[name].pk for name in ("A", "B", "loose", "approved")}


@pytest.fixture
def signed_in(client, district_official):
    client.force_login(district_official)
    return client


# --- reading ---------------------------------------------------------------------------------


def test_the_api_lists_the_reports_of_the_district_only(as_district_official, reports):
    body = as_district_official.get(URL, {"page_size": 100}).json()
    assert {row["id"] for row in body["results"]} == mine(reports)
    assert body["count"] == 4


def test_the_api_opens_a_report_of_the_district_with_its_review_aids_and_history(
    as_district_official, reports
):
    for name in ("B", "loose"):
        pk = reports[name].pk
        assert as_district_official.get(f"{URL}{pk}/").status_code == 200
        assert as_district_official.get(f"{URL}{pk}/review/").status_code == 200
        assert as_district_official.get(f"{URL}{pk}/history/").status_code == 200
    outside = reports["outside"].pk
    assert as_district_official.get(f"{URL}{outside}/").status_code == 404
    assert as_district_official.get(f"{URL}{outside}/history/").status_code == 404


def test_the_report_list_page_lists_the_district_and_offers_its_parks(signed_in, reports):
    response = signed_in.get(reverse("reporting:report-list"))
    assert response.status_code == 200
    assert {row.pk for row in response.context["rows"]} == mine(reports)
    assert "Reports of the enterprises in Pudong New Area and its parks, read-only." in (
        response.content.decode()
    )
    parks = response.context["filter_form"].fields["park"].queryset
    assert {park.code for park in parks} == {"PARK-A", "PARK-B"}


def test_a_report_of_the_district_opens_without_review_buttons(signed_in, reports):
    response = signed_in.get(reverse("reporting:report-detail", args=[reports["A"].pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-testid="review-actions"' not in html
    assert 'data-testid="approve"' not in html
    outside = reverse("reporting:report-detail", args=[reports["outside"].pk])
    assert signed_in.get(outside).status_code == 404


def test_the_completeness_page_shows_the_district_by_park(signed_in, reports):
    response = signed_in.get(reverse("reporting:completeness"), {"period": "2024Q1"})
    assert response.status_code == 200
    figures = response.context["figures"]
    assert figures.scope == f"district:{DISTRICT}"
    assert (figures.active, figures.submitted) == (3, 3)
    names = [row.name for row in response.context["status_rows"]]
    assert len(names) == 3  # PARK-A, PARK-B and "Not in a park"
    assert "Not in a park" in names
    scopes = [value for value, _ in response.context["filter_form"].fields["scope"].choices]
    assert scopes == [f"district:{DISTRICT}", "park:PARK-A", "park:PARK-B"]


def test_the_completeness_page_narrows_to_a_park_and_never_leaves_the_district(
    signed_in, reports, outside_enterprise
):
    url = reverse("reporting:completeness")
    park = signed_in.get(url, {"period": "2024Q1", "scope": "park:PARK-B"})
    assert park.context["figures"].scope == "park:PARK-B"
    for elsewhere in ("city", f"district:{OUTSIDE_DISTRICT}", "park:PARK-FX"):
        response = signed_in.get(url, {"period": "2024Q1", "scope": elsewhere})
        assert response.context["figures"].scope == f"district:{DISTRICT}", elsewhere
        assert outside_enterprise.name not in response.content.decode()


def test_the_completeness_api_answers_for_the_district_and_its_parks_only(
    as_district_official, reports
):
    api = as_district_official
    assert api.get("/api/v1/completeness/").json()["scope"] == f"district:{DISTRICT}"
    assert api.get("/api/v1/completeness/", {"scope": "park:PARK-A"}).status_code == 200
    for elsewhere in ("city", f"district:{OUTSIDE_DISTRICT}", "park:PARK-FX"):
        assert api.get("/api/v1/completeness/", {"scope": elsewhere}).status_code == 403


# --- writing: refused, whatever the report --------------------------------------------------


def _api_actions() -> list[str]:
    """The report actions of the API (pre-approval where the API has it)."""
    actions = ["submit", "approve", "return", "reopen"]
    try:
        reverse("submission-pre-approve", args=[1])
    except NoReverseMatch:
        return actions
    return [*actions, "pre_approve"]


def _page_actions() -> list[str]:
    actions = ["report-approve", "report-return", "report-reopen"]
    try:
        reverse("reporting:report-pre-approve", args=[1])
    except NoReverseMatch:
        return actions
    return [*actions, "report-pre-approve"]


def _unchanged(reports) -> None:
    for report in reports.values():
        before = (report.status, report.version)
        report.refresh_from_db()
        assert (report.status, report.version) == before, report.pk


def test_every_report_action_of_the_api_is_refused(as_district_official, reports):
    for name in ("A", "loose", "approved"):
        submission = reports[name]
        for action in _api_actions():
            response = as_district_official.post(
                f"{URL}{submission.pk}/{action}/",
                {"version": submission.version, "comment": "district says no"},
                format="json",
            )
            assert response.status_code == 403, (name, action)
    _unchanged(reports)


def test_the_api_refuses_a_district_official_a_new_or_changed_report(
    as_district_official, reports, enterprise
):
    body = {"enterprise": enterprise.uscc, "period": "2024Q2", "metrics": METRICS, "items": ITEMS}
    assert as_district_official.post(URL, body, format="json").status_code == 403
    own = reports["A"]
    changed = {**body, "period": "2024Q1", "version": own.version}
    assert as_district_official.put(f"{URL}{own.pk}/", changed, format="json").status_code == 403
    patch = {"metrics": {"digital_staff": 99}, "version": own.version}
    assert as_district_official.patch(f"{URL}{own.pk}/", patch, format="json").status_code == 403
    assert as_district_official.delete(f"{URL}{own.pk}/").status_code in (403, 405)
    assert Submission.objects.filter(period=2024 * 4 + 1).count() == 0
    _unchanged(reports)


def test_every_review_action_of_the_pages_is_refused(signed_in, reports):
    for name in ("A", "loose", "approved"):
        for action in _page_actions():
            url = reverse(f"reporting:{action}", args=[reports[name].pk])
            assert signed_in.post(url, {"comment": "district says no"}).status_code == 403, (
                name,
                action,
            )
    bulk = signed_in.post(
        reverse("reporting:bulk-approve"), {"submissions": [reports["A"].pk, reports["B"].pk]}
    )
    assert bulk.status_code == 403
    _unchanged(reports)


def test_a_district_official_has_no_review_queue_and_no_report_form(signed_in, reports):
    assert signed_in.get(reverse("reporting:review-queue")).status_code == 403
    assert signed_in.get(reverse("reporting:my-reports")).status_code == 403
    assert signed_in.get(reverse("reporting:report-new", args=["2024Q2"])).status_code == 403
    detail = reverse("reporting:report-detail", args=[reports["A"].pk])
    assert signed_in.post(detail, {"action": "submit"}).status_code == 403
    _unchanged(reports)
