"""The quarterly-report API as API.md describes it, including who may touch what."""

from __future__ import annotations

import pytest

from reporting.models import MetricValue, Submission
from tests import factories
from tests.conftest import client_for

from .helpers import ITEMS, METRICS, report_approved, report_create, report_submitted

pytestmark = pytest.mark.django_db
URL = "/api/v1/submissions/"


def body(enterprise, **overrides):
    return {
        "enterprise": enterprise.uscc,
        "period": "2024Q1",
        "metrics": METRICS,
        "items": ITEMS,
        **overrides,
    }


def test_post_creates_a_draft_and_answers_the_report(as_reporter, enterprise):
    response = as_reporter.post(URL, body(enterprise), format="json")
    assert response.status_code == 201, response.data
    data = response.json()
    assert set(data) >= {
        "id",
        "enterprise",
        "period",
        "metrics",
        "items",
        "status",
        "version",
        "submitted_at",
        "reviewed_at",
        "review_comment",
        "late",
    }
    assert data["enterprise"] == enterprise.uscc
    assert data["period"] == "2024Q1"
    assert data["status"] == "draft"
    assert data["version"] == 1
    assert data["metrics"] == {"digital_staff": 10, "revenue": 100.5, "cloud_adopted": True}
    assert data["items"][0]["identifier"] == "MES rollout"
    assert data["submitted_at"] is None
    assert data["late"] is False


def test_a_second_post_for_the_quarter_answers_409_with_the_existing_id(as_reporter, enterprise):
    first = as_reporter.post(URL, body(enterprise), format="json").json()
    response = as_reporter.post(URL, body(enterprise), format="json")
    assert response.status_code == 409
    assert response.json()["id"] == first["id"]
    assert "detail" in response.json()


def test_an_idempotent_retry_replays_the_first_answer_and_creates_nothing(as_reporter, enterprise):
    headers = {"HTTP_IDEMPOTENCY_KEY": "abc-1"}
    first = as_reporter.post(URL, body(enterprise), format="json", **headers)
    again = as_reporter.post(URL, body(enterprise), format="json", **headers)
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert Submission.objects.count() == 1
    assert Submission.history.count() == 1


def test_an_idempotent_retry_of_an_action_does_not_act_twice(as_reporter, enterprise):
    submission = report_create(enterprise=enterprise, by=enterprise.users.get())
    url = f"{URL}{submission.pk}/submit/"
    first = as_reporter.post(url, {}, format="json", HTTP_IDEMPOTENCY_KEY="k")
    again = as_reporter.post(url, {}, format="json", HTTP_IDEMPOTENCY_KEY="k")
    assert first.status_code == again.status_code == 200
    assert Submission.objects.get().version == 2


def test_validation_errors_are_field_level(as_reporter, enterprise):
    response = as_reporter.post(
        URL,
        body(
            enterprise,
            metrics={"digital_staff": 1.5, "nope": 1},
            items=[{**ITEMS[0], "date": "2024-05-01"}],
        ),
        format="json",
    )
    assert response.status_code == 400
    data = response.json()
    assert "whole number" in data["metrics.digital_staff"][0]
    assert data["metrics"] == ["Unknown metric code(s): nope."]
    assert "after the end of 2024Q1" in data["items[0].date"][0]
    assert not Submission.objects.exists()


def test_a_bad_or_open_quarter_is_a_period_error(as_reporter, enterprise):
    assert (
        "period" in as_reporter.post(URL, body(enterprise, period="2024Q5"), format="json").json()
    )
    response = as_reporter.post(URL, body(enterprise, period="2099Q1"), format="json")
    assert response.status_code == 400
    assert "has not ended" in response.json()["period"][0]


@pytest.mark.parametrize(
    "field",
    [
        "status",
        "version",
        "reviewed_at",
        "review_comment",
        "late",
        "submitted_at",
        "approved",
        "id",
    ],
)
def test_mass_assignment_of_workflow_fields_is_refused(as_reporter, enterprise, field):
    response = as_reporter.post(URL, {**body(enterprise), field: "approved"}, format="json")
    assert response.status_code == 400
    assert field in response.json()
    assert not Submission.objects.exists()


def test_a_reporter_cannot_create_for_another_enterprise_nor_learn_that_it_exists(
    as_reporter, other_enterprise
):
    response = as_reporter.post(URL, body(other_enterprise), format="json")
    unknown = as_reporter.post(
        URL, {**body(other_enterprise), "enterprise": "91310000MA1FL0000X"}, format="json"
    )
    assert response.status_code == unknown.status_code == 400
    assert list(response.json()) == list(unknown.json()) == ["enterprise"]
    assert not Submission.objects.exists()


def test_a_reporter_may_leave_out_their_own_enterprise(as_reporter, enterprise):
    data = body(enterprise)
    del data["enterprise"]
    assert as_reporter.post(URL, data, format="json").json()["enterprise"] == enterprise.uscc


def test_an_unknown_enterprise_is_a_field_error(as_official):
    response = as_official.post(URL, {"enterprise": "X", "period": "2024Q1"}, format="json")
    assert response.status_code == 400
    assert "enterprise" in response.json()


def test_an_official_creates_on_behalf_of_an_enterprise_and_is_recorded_as_its_author(
    as_official, official, enterprise
):
    response = as_official.post(URL, body(enterprise), format="json")
    assert response.status_code == 201
    assert response.json()["enterprise"] == enterprise.uscc
    created = Submission.objects.get(pk=response.json()["id"])
    assert (created.enterprise, created.created_by) == (enterprise, official)
    assert created.history.get().history_user == official


def test_a_report_with_more_items_than_the_cap_is_refused_whole(as_reporter, enterprise):
    item = {"kind": "scenario", "title": "", "date": "2024-02-01", "attributes": {}}
    items = [{**item, "identifier": f"S{n}"} for n in range(501)]
    response = as_reporter.post(URL, {**body(enterprise), "items": items}, format="json")
    assert response.status_code == 400
    assert "at most 500 items" in response.json()["items"][0]
    assert not Submission.objects.exists()


def test_a_form_encoded_body_is_refused_rather_than_read_as_an_empty_report(
    as_reporter, enterprise
):
    response = as_reporter.post(URL, {"period": "2024Q1", "metrics": "x"})
    assert response.status_code == 415
    assert not Submission.objects.exists()


@pytest.mark.parametrize("client_name", ["as_analyst", "as_park_manager"])
def test_read_only_roles_may_not_write(request, client_name, enterprise):
    client = request.getfixturevalue(client_name)
    assert client.post(URL, body(enterprise), format="json").status_code == 403


def test_anonymous_users_get_401(api):
    assert api.get(URL).status_code == 401


def test_list_is_scoped_filtered_and_paginated(
    as_reporter, as_park_manager, as_official, reporter, enterprise, other_enterprise, official
):
    report_create(enterprise=enterprise, by=reporter)
    report_create(enterprise=enterprise, by=reporter, period=2023 * 4 + 3, items=[])
    report_create(enterprise=other_enterprise, by=official)
    assert as_official.get(URL).json()["count"] == 3
    assert as_reporter.get(URL).json()["count"] == 2
    assert as_park_manager.get(URL).json()["count"] == 2
    page = as_official.get(URL, {"period": "2024Q1", "page_size": 1}).json()
    assert page["count"] == 2
    assert len(page["results"]) == 1
    assert page["next"]
    assert as_official.get(URL, {"enterprise": other_enterprise.uscc}).json()["count"] == 1
    assert as_official.get(URL, {"status": "submitted"}).json()["count"] == 0
    assert as_official.get(URL, {"park": "PARK-B"}).json()["count"] == 1
    assert as_official.get(URL, {"period": "bad"}).status_code == 400


def test_put_replaces_the_report_with_the_version_last_read(as_reporter, enterprise, reporter):
    submission = report_create(enterprise=enterprise, by=reporter)
    url = f"{URL}{submission.pk}/"
    current = as_reporter.get(url).json()
    response = as_reporter.put(
        url, {**current, "metrics": {"revenue": 5}, "items": []}, format="json"
    )
    assert response.status_code == 200, response.json()
    assert response.json()["version"] == 2
    assert response.json()["metrics"] == {"revenue": 5}
    stale = as_reporter.put(url, {**current, "metrics": {}}, format="json")
    assert stale.status_code == 409
    assert stale.json()["version"] == 2


def test_put_cannot_change_status_or_move_the_report(
    as_reporter, enterprise, reporter, other_enterprise
):
    submission = report_create(enterprise=enterprise, by=reporter)
    url = f"{URL}{submission.pk}/"
    current = as_reporter.get(url).json()
    assert "status" in as_reporter.put(url, {**current, "status": "approved"}, format="json").json()
    assert (
        "enterprise"
        in as_reporter.put(
            url, {**current, "enterprise": other_enterprise.uscc}, format="json"
        ).json()
    )
    assert "period" in as_reporter.put(url, {**current, "period": "2023Q4"}, format="json").json()
    assert Submission.objects.get().version == 1


def test_put_on_a_submitted_report_answers_409(as_reporter, enterprise, reporter):
    submission = report_submitted(enterprise=enterprise, by=reporter)
    response = as_reporter.put(
        f"{URL}{submission.pk}/",
        {"version": submission.version, "metrics": {}, "items": []},
        format="json",
    )
    assert response.status_code == 409


def test_the_workflow_over_the_api(as_reporter, as_official, enterprise):
    report_id = as_reporter.post(URL, body(enterprise), format="json").json()["id"]
    submitted = as_reporter.post(f"{URL}{report_id}/submit/", {}, format="json")
    assert submitted.json()["status"] == "submitted"
    assert submitted.json()["submitted_at"]
    assert as_reporter.post(f"{URL}{report_id}/approve/").status_code == 403
    no_comment = as_official.post(f"{URL}{report_id}/return/", {}, format="json")
    assert no_comment.status_code == 400
    assert "comment" in no_comment.json()
    returned = as_official.post(
        f"{URL}{report_id}/return/", {"comment": "Check revenue"}, format="json"
    ).json()
    assert (returned["status"], returned["review_comment"]) == ("returned", "Check revenue")
    as_reporter.post(f"{URL}{report_id}/submit/")
    approved = as_official.post(f"{URL}{report_id}/approve/").json()
    assert approved["status"] == "approved"
    assert approved["reviewed_at"]
    assert as_official.post(f"{URL}{report_id}/approve/").status_code == 409
    reopened = as_official.post(
        f"{URL}{report_id}/reopen/", {"comment": "Duplicate"}, format="json"
    ).json()
    assert reopened["status"] == "returned"
    history = as_reporter.get(f"{URL}{report_id}/history/").json()
    assert [e["action"] for e in history] == [
        "create",
        "submit",
        "return",
        "submit",
        "approve",
        "reopen",
    ]
    assert history[2]["by"] == "official"
    assert history[2]["comment"] == "Check revenue"


def test_another_enterprises_report_is_404_for_every_verb(as_reporter, other_enterprise, official):
    submission = report_submitted(enterprise=other_enterprise, by=official)
    url = f"{URL}{submission.pk}/"
    assert as_reporter.get(url).status_code == 404
    assert as_reporter.put(url, {"version": 2}, format="json").status_code == 404
    for verb in ("submit", "approve", "return", "reopen", "history"):
        method = as_reporter.get if verb == "history" else as_reporter.post
        assert method(f"{url}{verb}/").status_code == 404, verb
    assert Submission.objects.get().version == 2


def test_a_park_manager_reads_their_parks_reports_only(
    as_park_manager, enterprise, other_enterprise, official
):
    own = report_create(enterprise=enterprise, by=official)
    other = report_create(enterprise=other_enterprise, by=official)
    assert as_park_manager.get(f"{URL}{own.pk}/").status_code == 200
    assert as_park_manager.get(f"{URL}{other.pk}/").status_code == 404
    assert as_park_manager.post(f"{URL}{own.pk}/submit/").status_code == 403


def test_approval_marks_the_rows_approved(as_official, enterprise, reporter):
    submission = report_submitted(enterprise=enterprise, by=reporter)
    as_official.post(
        f"{URL}{submission.pk}/approve/", {"version": submission.version}, format="json"
    )
    assert MetricValue.objects.filter(approved=True).count() == 3


def test_completeness_answers_the_figures(as_official, enterprise, reporter, official):
    report_approved(enterprise=enterprise, reporter=reporter, official=official)
    data = as_official.get("/api/v1/completeness/", {"period": "2024Q1", "scope": "city"}).json()
    assert data["period"] == "2024Q1"
    assert data["scope"] == "city"
    assert data["active"] == 1
    assert data["approved"] == 1
    assert data["submitted"] == 1
    assert data["missing"] == []


def test_completeness_scope_is_checked(as_official, as_park_manager, as_reporter):
    assert as_official.get("/api/v1/completeness/", {"scope": "mars"}).status_code == 400
    assert as_park_manager.get("/api/v1/completeness/").json()["scope"] == "park:PARK-A"
    assert as_park_manager.get("/api/v1/completeness/", {"scope": "city"}).status_code == 403
    assert as_reporter.get("/api/v1/completeness/").status_code == 403


def test_the_schema_documents_the_endpoints(as_official):
    response = as_official.get("/api/schema/")
    assert response.status_code == 200
    text = response.content.decode()
    assert "/api/v1/submissions/{id}/reopen/" in text
    assert "/api/v1/completeness/" in text


def test_many_reports_list_in_a_fixed_number_of_queries(
    as_official, official, django_assert_max_num_queries
):
    for _ in range(5):
        report_create(enterprise=factories.EnterpriseFactory(), by=official)
    with django_assert_max_num_queries(6):
        assert as_official.get(URL).json()["count"] == 5
    assert client_for(official).get(URL).status_code == 200


def test_review_aids_show_flags_and_the_previous_quarter(as_official, enterprise):
    from tests.factories import SubmissionFactory

    from .helpers import Q1_2024

    SubmissionFactory(
        enterprise=enterprise, period=Q1_2024 - 1, metrics={"revenue": 10}, approved=True
    )
    current = SubmissionFactory(
        enterprise=enterprise,
        period=Q1_2024,
        metrics={"revenue": 100, "cloud_adopted": True},
        submitted=True,
    )
    data = as_official.get(f"{URL}{current.pk}/review/").json()
    assert data["previous_period"] == "2023Q4"
    assert [(f["metric"], f["rule"]) for f in data["flags"]] == [("revenue", "history")]
    revenue = next(row for row in data["metrics"] if row["code"] == "revenue")
    assert (revenue["previous"], revenue["current"], revenue["delta"]) == (10, 100, 90)
    assert as_official.get(URL, {"period": "2024Q1"}).json()["count"] == 1
