"""Acceptance: allocations of city targets to districts and parks, entered only through the
public API (API.md, "Programme levels"), must give exactly the figures DOMAIN.md defines
("Allocations": the city's rules read against the allocation).

Every expected figure below was computed by hand from DOMAIN.md and catalog.json, never
from the product's engine; the arithmetic is written beside each assertion. Conventions:
quarter number q = year × 4 + quarter − 1 (2022Q1 = 8088, 2023Q4 = 8095, 2025Q1 = 8100,
2025Q4 = 8103, 2026Q3 = 8106, 2030Q4 = 8123); planned = straight lines by days between the
baseline and the milestones, read at end(P); projection = least squares over the last up to
4 quarters in the window up to P; rounding half away from zero.

The history (parks A1, A2 in Pudong and A3 in Xuhui; enterprises E1..E5) is built once per
module through the API with real commits, so that the product's own on-commit rollups fire,
and wiped with ``flush`` afterwards. "Today" is frozen at 2026-11-22 (last ended quarter
2026Q3).
"""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any
from unittest import mock

import pytest
from django.core.management import call_command
from rest_framework.test import APIClient

from enterprises.uscc import uscc_check_character

pytestmark = pytest.mark.django_db

FROZEN_NOW = dt.datetime(2026, 11, 22, 10, 0, tzinfo=dt.UTC)
PASSWORD = "acceptance-Pw-2026!"
PUDONG, XUHUI = "310115", "310104"
A1, A2, A3 = "ALC-A1", "ALC-A2", "ALC-A3"  # A1, A2 in Pudong; A3 in Xuhui
URL = "/api/v1/allocations/"

NO_PLAN = {
    "planned": None,
    "target_value": None,
    "percent_of_target": None,
    "status": None,
    "projected_at_deadline": None,
    "projected_attainment": None,
}

# name: (district, park, above_scale)
ENTERPRISES = {
    "E1": (PUDONG, A1, True),
    "E2": (PUDONG, A2, False),
    "E3": (XUHUI, A3, True),
    "E4": (PUDONG, None, False),
    "E5": (PUDONG, A1, True),  # never reports
}
_serial = itertools.count(1)


def uscc(n: int) -> str:
    first17 = f"91310000MB2{n:06d}"
    return first17 + uscc_check_character(first17)


USCC = {name: uscc(300 + i) for i, name in enumerate(ENTERPRISES)}


def login(username: str) -> APIClient:
    client = APIClient()
    response = client.post(
        "/api/v1/auth/token/", {"username": username, "password": PASSWORD}, format="json"
    )
    assert response.status_code == 200, response.content
    client.credentials(HTTP_AUTHORIZATION="Token " + response.json()["token"])
    return client


class History:
    def __init__(self) -> None:
        call_command("add_user", "alc_official", "--role", "official", "--password", PASSWORD)
        self.official = login("alc_official")
        self.reporters: dict[str, APIClient] = {}
        self.allocations: dict[str, dict[str, Any]] = {}
        self.before_delete: dict[str, Any] = {}

    def post(self, url: str, body: dict[str, Any], expect: int = 201) -> dict[str, Any]:
        response = self.official.post(url, body, format="json")
        assert response.status_code == expect, (url, body, response.content)
        return response.json()

    def reference_data(self) -> None:
        for code, district in ((A1, PUDONG), (A2, PUDONG), (A3, XUHUI)):
            self.post(
                "/api/v1/parks/",
                {"code": code, "name": f"园区{code}", "name_en": code, "district": district},
            )
        for name, (district, park, above) in ENTERPRISES.items():
            self.post(
                "/api/v1/enterprises/",
                {
                    "uscc": USCC[name],
                    "name": f"分解验收企业{name}",
                    "district": district,
                    "park": park,
                    "segment": "chemical",
                    "is_key": True,
                    "above_scale": above,
                    "active_from": "2020-01-01",
                },
            )
        for name in ("E1", "E2", "E3", "E4"):
            username = f"alc_{name.lower()}"
            call_command(
                "add_user",
                username,
                "--role",
                "enterprise",
                "--enterprise",
                USCC[name],
                "--password",
                PASSWORD,
            )
            self.reporters[name] = login(username)
        call_command(
            "add_user", "alc_park", "--role", "park_manager", "--park", A1, "--password", PASSWORD
        )
        self.park_manager = login("alc_park")

    def designations(self) -> None:
        # AIC-PILOT (about 20 by 2023-12-31): E1 (A1) and E2 (A2).
        for granted, times in (
            ("2022-02-01", 2),
            ("2022-05-01", 1),
            ("2022-11-01", 2),
            ("2023-02-01", 1),
            ("2023-05-01", 1),
            ("2023-08-01", 1),
        ):
            for _ in range(times):
                self.designate("E1", granted)
        for _ in range(9):
            self.designate("E2", "2023-04-10")

    def designate(self, name: str, granted: str) -> None:
        self.post(
            "/api/v1/designations/",
            {
                "kind": "pilot_project",
                "enterprise": USCC[name],
                "name": f"试点 #{next(_serial)}",
                "reference": "沪经信〔2022〕1号",
                "granted_on": granted,
            },
        )

    def report(self, name: str, period: str, metrics: dict[str, Any]) -> None:
        client = self.reporters[name]
        body = {"enterprise": USCC[name], "period": period, "metrics": metrics, "items": []}
        response = client.post("/api/v1/submissions/", body, format="json")
        assert response.status_code == 201, (name, period, response.content)
        report_id = response.json()["id"]
        response = client.post(f"/api/v1/submissions/{report_id}/submit/", {}, format="json")
        assert response.status_code == 200, response.content
        response = self.official.post(
            f"/api/v1/submissions/{report_id}/approve/", {}, format="json"
        )
        assert response.status_code == 200, response.content
        assert response.json()["status"] == "approved"

    def reports(self) -> None:
        # SH23-TALENT-HIGH (flow_sum) and CN25-COVERAGE (share of above-scale, dx_transformed).
        self.report("E1", "2023Q1", {"talent_high_end_new": 3})
        self.report("E3", "2023Q2", {"talent_high_end_new": 7, "dx_transformed": False})
        self.report("E4", "2023Q4", {"talent_high_end_new": 1})
        self.report("E1", "2024Q2", {"talent_high_end_new": 2, "dx_transformed": True})
        self.report("E1", "2025Q3", {"talent_high_end_new": 4, "dx_transformed": True})

    def allocate(self, target: str, scope: str, value: Any, milestones=None) -> dict[str, Any]:
        body: dict[str, Any] = {"target": target, "scope": scope, "value": value}
        if milestones is not None:
            body["milestones"] = milestones
        created = self.post(URL, body)
        assert (created["target"], created["scope"]) == (target, scope)
        return created

    def allocate_all(self) -> None:
        # AIC-PILOT to A1: 12 first, then corrected to 10 (PATCH); the city's milestones
        # scaled. To A2: 10 with its own milestones.
        first = self.allocate("AIC-PILOT", f"park:{A1}", 12)
        response = self.official.patch(f"{URL}{first['id']}/", {"value": 10}, format="json")
        assert response.status_code == 200, response.content
        self.allocations["pilot-A1"] = response.json()
        self.allocations["pilot-A2"] = self.allocate(
            "AIC-PILOT",
            f"park:{A2}",
            10,
            [{"date": "2022-12-31", "value": 2}, {"date": "2023-06-30", "value": 9}],
        )
        # SH23-TALENT-HIGH to Pudong: 12.5 with its own milestone.
        self.allocations["talent-Pudong"] = self.allocate(
            "SH23-TALENT-HIGH", f"district:{PUDONG}", 12.5, [{"date": "2024-12-31", "value": 5}]
        )
        # CN25-COVERAGE to A1: 80, the city's milestone scaled, baseline "actual".
        self.allocations["coverage-A1"] = self.allocate("CN25-COVERAGE", f"park:{A1}", 80)
        # SH23-SF-BENCH to A3: deleted again after the last rollup.
        self.allocations["bench-A3"] = self.allocate("SH23-SF-BENCH", f"park:{A3}", 2)

    def rollup(self) -> None:
        response = self.official.post("/api/v1/rollups/", {}, format="json")
        assert response.status_code == 202, response.content
        run = self.official.get(f"/api/v1/rollups/{response.json()['id']}/").json()
        assert run["status"] == "done", run

    def figure(self, target: str, period: str, scope: str) -> dict[str, Any]:
        response = self.official.get(
            "/api/v1/progress/", {"period": period, "target": target, "scope": scope}
        )
        assert response.status_code == 200, response.content
        results = response.json()["results"]
        assert len(results) == 1, (target, period, scope, results)
        return results[0]

    def build(self) -> None:
        self.reference_data()
        self.allocate_all()  # before the data: the data's own rollups read them
        self.designations()
        self.reports()
        self.rollup()
        # A change after the last requested rollup recomputes the target by itself.
        self.before_delete = self.figure("SH23-SF-BENCH", "2026Q3", f"park:{A3}")
        response = self.official.delete(f"{URL}{self.allocations['bench-A3']['id']}/")
        assert response.status_code == 204


@pytest.fixture(scope="module")
def history(django_db_setup, django_db_blocker):
    with (
        mock.patch("django.utils.timezone.now", return_value=FROZEN_NOW),
        django_db_blocker.unblock(),
    ):
        try:
            built = History()
            built.build()
            yield built
        finally:
            call_command("flush", interactive=False, verbosity=0)


def expect(row: dict[str, Any], **expected: Any) -> None:
    wrong = {
        name: (value, row.get(name)) for name, value in expected.items() if row.get(name) != value
    }
    assert not wrong, f"{row['target']} {row['period']} {row['scope']}: (expected, got) {wrong}"


# --- the allocations themselves ------------------------------------------------------------


def test_the_allocations_read_back_as_entered(history):
    rows = history.official.get(URL, {"target": "AIC-PILOT"}).json()["results"]

    assert [(r["scope"], r["value"], r["milestones"]) for r in rows] == [
        (f"park:{A1}", 10, []),
        (
            f"park:{A2}",
            10,
            [{"date": "2022-12-31", "value": 2}, {"date": "2023-06-30", "value": 9}],
        ),
    ]
    talent = history.official.get(f"{URL}{history.allocations['talent-Pudong']['id']}/").json()
    assert talent == {
        "id": history.allocations["talent-Pudong"]["id"],
        "target": "SH23-TALENT-HIGH",
        "scope": f"district:{PUDONG}",
        "value": 12.5,
        "milestones": [{"date": "2024-12-31", "value": 5}],
    }


def test_a_second_allocation_conflicts_and_the_city_or_an_unknown_scope_is_refused(history):
    response = history.official.post(
        URL, {"target": "AIC-PILOT", "scope": f"park:{A1}", "value": 3}, format="json"
    )
    assert response.status_code == 409
    assert response.json()["id"] == history.allocations["pilot-A1"]["id"]
    for scope in ("city", "park:NO-SUCH-PARK", "district:999999"):
        response = history.official.post(
            URL, {"target": "AIC-PILOT", "scope": scope, "value": 3}, format="json"
        )
        assert response.status_code == 400, scope
        assert "scope" in response.json()


def test_a_park_manager_reads_their_parks_allocations_only(history):
    rows = history.park_manager.get(URL).json()["results"]

    assert sorted((r["target"], r["scope"]) for r in rows) == [
        ("AIC-PILOT", f"park:{A1}"),
        ("CN25-COVERAGE", f"park:{A1}"),
    ]
    other = history.allocations["pilot-A2"]["id"]
    assert history.park_manager.get(f"{URL}{other}/").status_code == 404
    response = history.park_manager.post(
        URL, {"target": "SH23-PIONEER", "scope": f"park:{A1}", "value": 1}, format="json"
    )
    assert response.status_code == 403


# --- AIC-PILOT: the city's milestones scaled (A1), its own milestones (A2) ------------------


def test_pilot_park_a1_scaled_milestones(history):
    f = history.figure
    # A1 = E1: 2 (2022Q1), 3, 3, 5 | 6, 7, 8, 8 (2023Q4). Allocated 10 of the city's 20:
    # milestones 10 → 5 (2022-12-31), 20 → 10 (2023-12-31); baseline 0 (2021-12-31);
    # "about": achieved at 90 % of 10 = 9.
    # 2022Q1: planned 5 × 90/365 = 1.2329 → 1.23; 2 ÷ 1.23 ≥ 1 on track; 100 × 2/10 = 20.0;
    # one quarter in the window: no line. City 2 (E2 has none yet) → share 100.0.
    expect(
        f("AIC-PILOT", "2022Q1", f"park:{A1}"),
        actual=2,
        planned=1.23,
        target_value=10,
        percent_of_target=20.0,
        status="on_track",
        projected_at_deadline=None,
        projected_attainment=None,
        share_of_city=100.0,
    )
    # 2022Q2: 5 × 181/365 = 2.4795 → 2.48; 3 ÷ 2.48 on track. Line (8088, 2), (8089, 3):
    # slope 1; at 2023Q4 (8095): 2.5 + 6.5 = 9.00; reaches 9 at 8088.5 + 6.5 = 8095 (2023Q4).
    expect(
        f("AIC-PILOT", "2022Q2", f"park:{A1}"),
        actual=3,
        planned=2.48,
        status="on_track",
        projected_at_deadline=9.0,
        projected_attainment="2023Q4",
    )
    # 2022Q3: 5 × 273/365 = 3.7397 → 3.74; 3 ÷ 3.7397 = 0.80 → off track.
    # Line through 2, 3, 3 (8088-8090): x̄ 8089, ȳ 8/3, Sxy 1, Sxx 2, slope 1/2;
    # at 8095: 8/3 + 3 = 5.667 → 5.67; reaches 9 at 8089 + (9 − 8/3) × 2 = 8101.67 → 8102.
    expect(
        f("AIC-PILOT", "2022Q3", f"park:{A1}"),
        actual=3,
        planned=3.74,
        percent_of_target=30.0,
        status="off_track",
        projected_at_deadline=5.67,
        projected_attainment="2025Q3",
    )
    # 2023Q1: 5 + 5 × 90/365 = 6.2329 → 6.23; 6 ÷ 6.2329 = 0.963 → at risk.
    expect(f("AIC-PILOT", "2023Q1", f"park:{A1}"), actual=6, planned=6.23, status="at_risk")
    # 2023Q3: 5 + 5 × 273/365 = 8.7397 → 8.74; 8 ÷ 8.74 = 0.915 → at risk; 80.0 %.
    # Line 5, 6, 7, 8 (8091-8094): slope 1; at 8095: 6.5 + 2.5 = 9.00, reaching 9 in 2023Q4.
    expect(
        f("AIC-PILOT", "2023Q3", f"park:{A1}"),
        actual=8,
        planned=8.74,
        percent_of_target=80.0,
        status="at_risk",
        projected_at_deadline=9.0,
        projected_attainment="2023Q4",
    )
    # 2023Q4: the deadline, 8 < 9 → missed; no projection from the deadline's quarter.
    expect(
        f("AIC-PILOT", "2023Q4", f"park:{A1}"),
        actual=8,
        planned=10.0,
        status="missed",
        projected_at_deadline=None,
        projected_attainment=None,
    )
    expect(f("AIC-PILOT", "2026Q3", f"park:{A1}"), actual=8, planned=10.0, status="missed")


def test_pilot_park_a2_own_milestones(history):
    f = history.figure
    # A2 = E2: 9 designations on 2023-04-10. Own milestones 2 (2022-12-31), 9 (2023-06-30);
    # the baseline 0 (2021-12-31) as it is.
    # 2022Q4: planned 2.00; 0 ÷ 2 → off track; 0.0 %.
    expect(
        f("AIC-PILOT", "2022Q4", f"park:{A2}"),
        actual=0,
        planned=2.0,
        target_value=10,
        percent_of_target=0.0,
        status="off_track",
    )
    # 2023Q1: 2 + 7 × 90/181 = 5.4807 → 5.48; still 0 → off track; the line through
    # 0, 0, 0, 0 is flat: 0.00 at the deadline, never reaching 9.
    expect(
        f("AIC-PILOT", "2023Q1", f"park:{A2}"),
        actual=0,
        planned=5.48,
        status="off_track",
        projected_at_deadline=0.0,
        projected_attainment=None,
    )
    # 2023Q2: 9 ≥ 9 → achieved, 90.0 %; planned 9.00 (the last own milestone).
    # Line 0, 0, 0, 9 (8090-8093): x̄ 8091.5, ȳ 2.25, Sxy 13.5, Sxx 5, slope 2.7;
    # at 8095: 2.25 + 2.7 × 3.5 = 11.70; achieved: no attainment quarter.
    # City 2023Q2: A1 7 + A2 9 = 16 → share 100 × 9/16 = 56.25 → 56.3.
    expect(
        f("AIC-PILOT", "2023Q2", f"park:{A2}"),
        actual=9,
        planned=9.0,
        percent_of_target=90.0,
        status="achieved",
        projected_at_deadline=11.7,
        projected_attainment=None,
        share_of_city=56.3,
    )
    # After the last own milestone the planned value stays at 9, not the allocated 10.
    expect(f("AIC-PILOT", "2023Q3", f"park:{A2}"), planned=9.0, status="achieved")
    expect(f("AIC-PILOT", "2026Q3", f"park:{A2}"), status="achieved")


def test_pilot_unallocated_scopes_and_the_city_are_as_before(history):
    f = history.figure
    # Pudong (A1 + A2) has no allocation of its own: actual only.
    expect(
        f("AIC-PILOT", "2023Q2", f"district:{PUDONG}"), actual=16, share_of_city=100.0, **NO_PLAN
    )
    expect(f("AIC-PILOT", "2023Q2", f"park:{A3}"), actual=0, share_of_city=0.0, **NO_PLAN)
    # The city: 16 of about 20; planned 10 + 10 × 181/365 = 14.9589 → 14.96; on track.
    expect(
        f("AIC-PILOT", "2023Q2", "city"),
        actual=16,
        planned=14.96,
        target_value=20,
        percent_of_target=80.0,
        status="on_track",
    )


# --- SH23-TALENT-HIGH: a district with its own milestone and a decimal value ---------------


def test_talent_pudong_own_milestone(history):
    f = history.figure
    scope = f"district:{PUDONG}"
    # Pudong: E1 3 (2023Q1), E4 1 (2023Q4), E1 2 (2024Q2), E1 4 (2025Q3) → 3, 3, 3, 4 |
    # 4, 6, 6, 6 | 6, 6, 10, 10 | 10 ... Own milestone 5 (2024-12-31) from the baseline 0
    # (2022-12-31): 731 days; allocated 12.5.
    # 2023Q1: 5 × 90/731 = 0.6156 → 0.62; on track; 100 × 3/12.5 = 24.0. City 3 → 100.0.
    expect(
        f("SH23-TALENT-HIGH", "2023Q1", scope),
        actual=3,
        planned=0.62,
        target_value=12.5,
        percent_of_target=24.0,
        status="on_track",
        share_of_city=100.0,
    )
    # 2024Q2: 5 × 547/731 = 3.7415 → 3.74; 6 → on track; 48.0 %.
    # Line 3, 4, 4, 6 (8094-8097): x̄ 8095.5, ȳ 4.25, Sxy 4.5, Sxx 5, slope 0.9;
    # at 2025Q4 (8103): 4.25 + 0.9 × 7.5 = 11.00; reaches 12.5 at 8095.5 + 8.25/0.9
    # = 8104.67 → 8105 = 2026Q2.
    expect(
        f("SH23-TALENT-HIGH", "2024Q2", scope),
        actual=6,
        planned=3.74,
        percent_of_target=48.0,
        status="on_track",
        projected_at_deadline=11.0,
        projected_attainment="2026Q2",
    )
    # 2025Q3: planned 5.00 after the milestone; 10 → on track, 80.0 %.
    # Line 6, 6, 6, 10 (8099-8102): x̄ 8100.5, ȳ 7, Sxy 6, Sxx 5, slope 1.2;
    # at 8103: 7 + 3 = 10.00; reaches 12.5 at 8100.5 + 5.5/1.2 = 8105.08 → 8106 = 2026Q3.
    # City: Pudong 10 + E3 (Xuhui) 7 = 17 → share 58.82 → 58.8.
    expect(
        f("SH23-TALENT-HIGH", "2025Q3", scope),
        actual=10,
        planned=5.0,
        percent_of_target=80.0,
        status="on_track",
        projected_at_deadline=10.0,
        projected_attainment="2026Q3",
        share_of_city=58.8,
    )
    # 2025Q4: the deadline, 10 < 12.5 → missed.
    expect(f("SH23-TALENT-HIGH", "2025Q4", scope), actual=10, status="missed")
    expect(f("SH23-TALENT-HIGH", "2025Q3", f"district:{XUHUI}"), actual=7, **NO_PLAN)


# --- CN25-COVERAGE: the city's milestone scaled, a baseline "actual" of the park's own ------


def test_coverage_park_a1_scaled_from_its_own_baseline(history):
    f = history.figure
    scope = f"park:{A1}"
    # Above-scale: E1, E5 (A1), E3 (Xuhui). E1's latest approved report from 2024Q2 on says
    # transformed; E3's says no; E5 never reports.
    # Baseline 2024-12-31 "actual": A1's own 2024Q4 share, 1 of 2 = 50.0 (the city's 33.3
    # is not used). Milestone 100 (2030-12-31) scaled by 80/100 → 80. 2191 days.
    # 2025Q1: 50 + 30 × 90/2191 = 51.2323 → 51.23; 50.0 ÷ 51.2323 = 0.976 → at risk;
    # 100 × 50/80 = 62.5; one quarter in the window: no line. Shares have no share of city.
    expect(
        f("CN25-COVERAGE", "2025Q1", scope),
        actual=50.0,
        planned=51.23,
        target_value=80,
        percent_of_target=62.5,
        status="at_risk",
        projected_at_deadline=None,
        projected_attainment=None,
        share_of_city=None,
    )
    # 2025Q2: 50 + 30 × 181/2191 = 52.4783 → 52.48; at risk; flat line: 50.00, never 80.
    expect(
        f("CN25-COVERAGE", "2025Q2", scope),
        planned=52.48,
        status="at_risk",
        projected_at_deadline=50.0,
        projected_attainment=None,
    )
    # 2026Q3: day 638: 50 + 30 × 638/2191 = 58.7357 → 58.74; 50 ÷ 58.7357 = 0.851 → at risk.
    expect(f("CN25-COVERAGE", "2026Q3", scope), actual=50.0, planned=58.74, status="at_risk")
    # The city keeps its own baseline: 33.3 + 66.7 × 90/2191 = 36.0398 → 36.04, against 100.
    expect(f("CN25-COVERAGE", "2025Q1", "city"), actual=33.3, planned=36.04, target_value=100)


# --- a deleted allocation ------------------------------------------------------------------


def test_a_deleted_allocation_turns_the_fields_back_to_null(history):
    # Before the deletion: A3 (no designations) against 2: 0.0 %, missed after 2025-12-31.
    expect(
        history.before_delete,
        actual=0,
        planned=2.0,
        target_value=2,
        percent_of_target=0.0,
        status="missed",
    )
    # The deletion recomputed the target by itself (no rollup was requested after it).
    expect(history.figure("SH23-SF-BENCH", "2026Q3", f"park:{A3}"), actual=0, **NO_PLAN)
    assert history.official.get(URL, {"scope": f"park:{A3}"}).json()["results"] == []
