"""The progress and rollup API: shapes, numbers, scopes and roles."""

from __future__ import annotations

import datetime as dt

import pytest

from enterprises.models import Designation
from progress import services
from progress.models import RollupRun
from targets.models import DesignationKind
from targets.periods import period_parse
from tests.factories import SubmissionFactory

pytestmark = pytest.mark.django_db

Q = period_parse


@pytest.fixture
def figures(enterprise, other_enterprise):
    kind = DesignationKind.objects.get(code="smart_factory_benchmark")
    for granted in ("2023-01-05", "2023-04-05"):
        Designation.objects.create(
            kind=kind, enterprise=enterprise, granted_on=dt.date.fromisoformat(granted)
        )
    SubmissionFactory(
        enterprise=enterprise,
        period=Q("2023Q1"),
        items=[
            {"kind": "ai_drug_clinical", "identifier": "ＣＴＲ２０２４ 0001", "date": "2023-02-01"}
        ],
        approved=True,
    )
    SubmissionFactory(
        enterprise=other_enterprise,
        period=Q("2023Q2"),
        items=[{"kind": "ai_drug_clinical", "identifier": "CTR20240001", "date": "2023-05-01"}],
        approved=True,
    )
    services.snapshots_rebuild()


def test_the_city_figure_has_every_field_as_json_numbers(as_official, figures):
    response = as_official.get("/api/v1/progress/", {"period": "2023Q2", "target": "SH23-SF-BENCH"})

    assert response.status_code == 200
    (row,) = response.json()["results"]
    computed_at = row.pop("computed_at")
    assert computed_at
    assert row == {
        "target": "SH23-SF-BENCH",
        "period": "2023Q2",
        "scope": "city",
        "actual": 2,
        "planned": 1.65,
        "target_value": 10,
        "percent_of_target": 20.0,
        "status": "on_track",
        "projected_at_deadline": 12.0,
        "projected_attainment": "2025Q2",
        "share_of_city": None,
    }


def test_without_a_period_each_target_shows_its_latest_quarter(as_analyst, figures):
    response = as_analyst.get("/api/v1/progress/")

    results = response.json()["results"]
    assert len(results) == 18
    assert {row["scope"] for row in results} == {"city"}
    assert len({row["period"] for row in results}) == 1


def test_a_park_figure_shows_its_share_of_the_city(as_official, figures):
    response = as_official.get(
        "/api/v1/progress/", {"period": "2023Q2", "target": "SH23-AI-DRUG", "scope": "park:PARK-B"}
    )

    (row,) = response.json()["results"]
    assert row["actual"] == 1
    assert row["share_of_city"] == 100.0
    assert row["planned"] is None
    assert row["status"] is None


def test_scope_all_lists_every_scope(as_official, figures):
    response = as_official.get(
        "/api/v1/progress/", {"period": "2023Q2", "target": "SH23-AI-DRUG", "scope": "all"}
    )

    scopes = {row["scope"] for row in response.json()["results"]}
    assert {"city", "district:310115", "park:PARK-A", "park:PARK-B"} <= scopes


def test_a_park_manager_sees_only_their_park(as_park_manager, figures):
    own = as_park_manager.get("/api/v1/progress/", {"period": "2023Q2"})
    assert own.status_code == 200
    assert {row["scope"] for row in own.json()["results"]} == {"park:PARK-A"}
    every = as_park_manager.get("/api/v1/progress/", {"period": "2023Q2", "scope": "all"})
    assert {row["scope"] for row in every.json()["results"]} == {"park:PARK-A"}
    assert as_park_manager.get("/api/v1/progress/", {"scope": "city"}).status_code == 403
    assert as_park_manager.get("/api/v1/progress/", {"scope": "park:PARK-B"}).status_code == 403
    assert (
        as_park_manager.get(
            "/api/v1/progress/SH23-AI-DRUG/evidence/", {"scope": "city", "period": "2023Q2"}
        ).status_code
        == 403
    )


def test_enterprise_users_see_no_progress(as_reporter, figures):
    assert as_reporter.get("/api/v1/progress/").status_code == 403
    assert as_reporter.get("/api/v1/progress/SH23-AI-DRUG/series/").status_code == 403


def test_anonymous_users_are_asked_to_log_in(api):
    assert api.get("/api/v1/progress/").status_code == 401


def test_bad_filters_answer_400_per_field(as_official):
    assert as_official.get("/api/v1/progress/", {"period": "2024Q5"}).json().keys() == {"period"}
    assert as_official.get("/api/v1/progress/", {"scope": "town:1"}).json().keys() == {"scope"}
    assert as_official.get("/api/v1/progress/", {"target": "NOPE"}).json().keys() == {"target"}
    assert as_official.get("/api/v1/progress/NOPE/series/").status_code == 404


def test_the_series_lists_every_quarter_for_charts(as_official, figures):
    response = as_official.get("/api/v1/progress/SH23-SF-BENCH/series/", {"scope": "city"})

    results = response.json()["results"]
    assert results[0]["period"] == "2023Q1"
    assert [r["actual"] for r in results[:3]] == [1, 2, 2]
    assert results[0]["planned"] == 0.82


def test_evidence_lists_every_report_claiming_a_shared_item(
    as_official, figures, enterprise, other_enterprise
):
    response = as_official.get("/api/v1/progress/SH23-AI-DRUG/evidence/", {"period": "2023Q2"})

    body = response.json()
    assert body["count"] == 1
    (item,) = body["items"]
    assert item["key"] == "CTR20240001"
    assert {c["enterprise"] for c in item["claims"]} == {enterprise.uscc, other_enterprise.uscc}


def test_evidence_of_designations_lists_those_counted(as_official, figures):
    body = as_official.get("/api/v1/progress/SH23-SF-BENCH/evidence/", {"period": "2023Q1"}).json()

    assert [d["granted_on"] for d in body["designations"]] == ["2023-01-05"]


def test_evidence_of_flags_and_flows_names_the_reports(as_official, enterprise):
    report = SubmissionFactory(
        enterprise=enterprise,
        period=Q("2023Q1"),
        metrics={"talent_high_end_new": 5, "cloud_adopted": True, "self_upgrade": True},
        approved=True,
    )
    enterprise.is_key = True
    enterprise.save()

    flow = as_official.get(
        "/api/v1/progress/SH23-TALENT-HIGH/evidence/", {"period": "2023Q2"}
    ).json()
    latest = as_official.get("/api/v1/progress/AIC-CLOUD/evidence/", {"period": "2023Q2"}).json()
    ever = as_official.get("/api/v1/progress/AIC-SELF/evidence/", {"period": "2023Q2"}).json()

    assert flow["total"] == 5
    assert flow["reports"][0]["submission"] == report.pk
    assert latest["enterprises"] == [
        {"enterprise": enterprise.uscc, "submission": report.pk, "period": "2023Q1"}
    ]
    assert ever["count"] == 1


def test_officials_schedule_a_full_rebuild_and_follow_it(
    as_official, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = as_official.post("/api/v1/rollups/", HTTP_IDEMPOTENCY_KEY="k-1")

    assert response.status_code == 202
    run_id = response.json()["id"]
    run = as_official.get(f"/api/v1/rollups/{run_id}/").json()
    assert run["status"] == "done"
    assert run["kind"] == "full"
    assert run["snapshots_written"] > 0
    assert set(run) == {
        "id",
        "status",
        "kind",
        "from_period",
        "requested_at",
        "started_at",
        "finished_at",
        "snapshots_written",
        "error",
    }
    replay = as_official.post("/api/v1/rollups/", HTTP_IDEMPOTENCY_KEY="k-1")
    assert replay.json() == {"id": run_id}
    assert RollupRun.objects.count() == 1


def test_only_officials_schedule_rollups(as_analyst, as_park_manager):
    assert as_analyst.post("/api/v1/rollups/").status_code == 403
    assert as_park_manager.post("/api/v1/rollups/").status_code == 403
    run = RollupRun.objects.create(kind="full")
    assert as_park_manager.get(f"/api/v1/rollups/{run.pk}/").status_code == 403
    assert as_analyst.get(f"/api/v1/rollups/{run.pk}/").status_code == 200
    assert as_analyst.get("/api/v1/rollups/999999/").status_code == 404


def test_the_schema_documents_the_progress_endpoints(as_official):
    schema = as_official.get("/api/schema/", HTTP_ACCEPT="application/json").content.decode()
    assert "/api/v1/progress/{code}/evidence/" in schema
    assert "/api/v1/rollups/" in schema
