"""Acceptance: a programme history entered only through the public API (API.md) must give
exactly the figures DOMAIN.md defines ("How each target is computed").

Every expected figure below was computed by hand from DOMAIN.md and catalog.json, never
from the product's engine; the arithmetic is written beside each assertion.

Conventions used in the hand computations:
- quarter number q = year × 4 + quarter − 1 (2022Q1 = 8088, 2023Q1 = 8092, 2024Q1 = 8096,
  2025Q1 = 8100, 2026Q1 = 8104, 2030Q4 = 8123, 2040Q4 = 8163);
- planned = straight line between baseline and milestones by days, read at end(P);
- projection = least squares over the last up-to-4 quarters (in the window) up to P;
- rounding half away from zero; planned/projections 2 decimals, percentages/shares 1.

The history (three districts, three parks, enterprises E1..E9 plus never-reporting
above-scale "fillers" F1..F10) is built once per module through the API, with real
commits (so the product's own on-commit rollups fire as they would in production), and
wiped with ``flush`` afterwards. "Today" is frozen at 2026-11-22 (last ended quarter
2026Q3).
"""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any
from unittest import mock

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from rest_framework.test import APIClient

from enterprises.uscc import uscc_check_character

pytestmark = pytest.mark.django_db

FROZEN_NOW = dt.datetime(2026, 11, 22, 10, 0, tzinfo=dt.UTC)
PASSWORD = "acceptance-Pw-2026!"

PUDONG, XUHUI, HUANGPU = "310115", "310104", "310101"
P1, P2, P3 = "ACC-P1", "ACC-P2", "ACC-P3"  # P1, P2 in Pudong; P3 in Xuhui

FIGURE_FIELDS = {
    "target",
    "period",
    "scope",
    "actual",
    "planned",
    "target_value",
    "percent_of_target",
    "status",
    "projected_at_deadline",
    "projected_attainment",
    "share_of_city",
    "computed_at",
}

_serial = itertools.count(1)


def uscc(n: int) -> str:
    first17 = f"91310000MA1{n:06d}"
    return first17 + uscc_check_character(first17)


# Enterprises: (district, park, segment, is_key, above_scale, active_from, active_until)
ENTERPRISES: dict[str, tuple[str, str | None, str, bool, bool, str, str | None]] = {
    "E1": (PUDONG, P1, "chemical", True, True, "2020-01-01", None),
    "E2": (PUDONG, P1, "biologics", True, True, "2020-01-01", None),
    "E3": (PUDONG, P2, "devices", True, True, "2020-01-01", None),
    "E4": (XUHUI, P3, "cxo", True, True, "2020-01-01", None),
    "E5": (XUHUI, P3, "tcm", False, True, "2025-08-01", None),  # active mid-2025Q3
    "E6": (HUANGPU, None, "distribution", False, True, "2020-01-01", None),  # never reports
    "E7": (HUANGPU, None, "other", True, False, "2020-01-01", None),
    "E8": (XUHUI, None, "chemical", False, False, "2020-01-01", None),
    "E9": (PUDONG, P1, "biologics", False, True, "2020-01-01", None),
    # Above-scale fillers in Huangpu that never report (count as "no" in CN25-COVERAGE).
    "F1": (HUANGPU, None, "other", False, True, "2020-01-01", None),
    "F2": (HUANGPU, None, "other", False, True, "2020-01-01", None),
    **{f"F{n}": (HUANGPU, None, "other", False, True, "2025-02-15", None) for n in range(3, 10)},
    "F10": (HUANGPU, None, "other", False, True, "2025-02-15", "2025-11-30"),
}
USCC = {name: uscc(100 + i) for i, name in enumerate(ENTERPRISES)}
PROVIDER_USCC = uscc(900)


def login(username: str) -> APIClient:
    client = APIClient()
    response = client.post(
        "/api/v1/auth/token/", {"username": username, "password": PASSWORD}, format="json"
    )
    assert response.status_code == 200, response.content
    client.credentials(HTTP_AUTHORIZATION="Token " + response.json()["token"])
    return client


def metrics(
    talent: int = 0, cloud: bool = False, self_up: bool = False, dx: bool = False
) -> dict[str, Any]:
    """Every report states the four metrics the targets below read, explicitly."""
    return {
        "talent_high_end_new": talent,
        "cloud_adopted": cloud,
        "self_upgrade": self_up,
        "dx_transformed": dx,
    }


# The item kinds the catalogue submits only with an evidence file (API.md "Evidence files").
EVIDENCE_REQUIRED = {"ai_drug_clinical", "smart_device_approval"}


def item(kind: str, identifier: str, date: str, **attributes: str) -> dict[str, Any]:
    return {
        "kind": kind,
        "identifier": identifier,
        "title": f"{kind} {identifier}",
        "date": date,
        "attributes": attributes,
    }


class History:
    def __init__(self) -> None:
        call_command("add_user", "acc_official", "--role", "official", "--password", PASSWORD)
        self.official = login("acc_official")
        self.reporters: dict[str, APIClient] = {}
        self.reports: dict[tuple[str, str], dict[str, Any]] = {}
        self.stage_a: dict[tuple[str, str, str], dict[str, Any]] = {}

    # -- reference data -------------------------------------------------------------
    def post(self, url: str, body: dict[str, Any], expect: int = 201) -> dict[str, Any]:
        response = self.official.post(url, body, format="json")
        assert response.status_code == expect, (url, body, response.content)
        return response.json()

    def reference_data(self) -> None:
        for code, district in ((P1, PUDONG), (P2, PUDONG), (P3, XUHUI)):
            self.post(
                "/api/v1/parks/",
                {"code": code, "name": f"园区{code}", "name_en": code, "district": district},
            )
        for name, (district, park, segment, key, above, since, until) in ENTERPRISES.items():
            self.post(
                "/api/v1/enterprises/",
                {
                    "uscc": USCC[name],
                    "name": f"验收企业{name}",
                    "name_en": f"Acceptance {name}",
                    "district": district,
                    "park": park,
                    "segment": segment,
                    "is_key": key,
                    "above_scale": above,
                    "active_from": since,
                    "active_until": until,
                },
            )
        self.post(
            "/api/v1/providers/",
            {
                "uscc": PROVIDER_USCC,
                "name": "验收服务商",
                "district": XUHUI,
                "services": ["cloud"],
            },
        )
        for name in ("E1", "E2", "E3", "E4", "E5", "E7", "E8", "E9"):
            username = f"acc_{name.lower()}"
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

    def designate(self, kind: str, granted_on: str, **subject: str) -> int:
        body: dict[str, Any] = {
            "kind": kind,
            "name": f"{kind} #{next(_serial)}",
            "reference": "沪经信〔2023〕1号",
            "granted_on": granted_on,
        }
        if "enterprise" in subject:
            body["enterprise"] = USCC[subject["enterprise"]]
        if "park" in subject:
            body["park"] = subject["park"]
        if "provider" in subject:
            body["provider"] = subject["provider"]
        return int(self.post("/api/v1/designations/", body)["id"])

    def revoke(self, designation_id: int, revoked_on: str) -> None:
        response = self.official.patch(
            f"/api/v1/designations/{designation_id}/", {"revoked_on": revoked_on}, format="json"
        )
        assert response.status_code == 200, response.content
        assert response.json()["revoked_on"] == revoked_on

    def designations(self) -> None:
        # SH23-SF-BENCH (counts_from 2023-01-01)
        self.designate("smart_factory_benchmark", "2022-12-31", enterprise="E1")  # too early
        self.designate("smart_factory_benchmark", "2023-03-31", enterprise="E2")  # on Q1 end
        bench_e4 = self.designate("smart_factory_benchmark", "2023-05-10", enterprise="E4")
        self.revoke(bench_e4, "2024-06-30")  # revoked exactly on 2024Q2's end
        self.designate("smart_factory_benchmark", "2024-01-15", enterprise="E3")
        # SH23-PARK: a park designation; one before counts_from
        self.designate("demo_park", "2024-02-01", park=P1)
        self.designate("demo_park", "2022-06-01", park=P3)  # before counts_from
        # SH23-PROVIDER: a provider in Xuhui
        self.designate("excellent_provider", "2023-08-01", provider=PROVIDER_USCC)
        # SH23-IIP: one provider (Xuhui), one enterprise (E1, Pudong, P1)
        self.designate("industrial_internet_platform", "2024-05-05", provider=PROVIDER_USCC)
        self.designate("industrial_internet_platform", "2024-06-30", enterprise="E1")
        # SH23-REG-PLATFORM: the programme itself
        self.designate("regulatory_platform", "2023-11-11")
        # AIC-PILOT (counts_from 2022-01-01)
        pilot = [
            ("E1", "2021-12-31"),  # before counts_from: never counted
            ("E1", "2022-01-15"),
            ("E2", "2022-03-31"),
            ("E3", "2022-04-01"),
            ("E4", "2022-05-20"),
            ("E7", "2022-06-30"),
            ("E8", "2022-07-01"),
            ("E9", "2022-09-30"),
            ("E1", "2022-12-31"),
            ("E2", "2023-01-01"),
            ("E3", "2023-02-14"),
            ("E4", "2023-03-01"),
            ("E7", "2023-03-31"),
            ("E8", "2023-06-30"),
            ("E9", "2023-07-01"),
            ("E1", "2023-08-08"),
            ("E2", "2023-09-09"),
            ("E3", "2023-09-29"),
        ]
        for name, granted in pilot:
            self.designate("pilot_project", granted, enterprise=name)
        last = self.designate("pilot_project", "2023-09-30", enterprise="E4")
        self.revoke(last, "2024-03-31")  # gone from 2024Q1 on

    # -- reports ----------------------------------------------------------------------
    def report(
        self,
        name: str,
        period: str,
        body_metrics: dict[str, Any],
        items: list[dict[str, Any]] | None = None,
        then: str = "approve",
    ) -> dict[str, Any]:
        client = self.reporters[name]
        body = {
            "enterprise": USCC[name],
            "period": period,
            "metrics": body_metrics,
            "items": items or [],
        }
        response = client.post("/api/v1/submissions/", body, format="json")
        assert response.status_code == 201, (name, period, response.content)
        created = response.json()
        assert created["status"] == "draft"
        report_id = created["id"]
        # Drugs in clinic and devices approved are submitted with their certificate.
        for position, entry in enumerate(items or []):
            if entry["kind"] in EVIDENCE_REQUIRED:
                certificate = SimpleUploadedFile(
                    f"{entry['identifier']}.pdf", b"%PDF-1.7\n%%EOF\n", "application/pdf"
                )
                response = client.post(
                    f"/api/v1/submissions/{report_id}/items/{position}/files/",
                    {"file": certificate},
                    format="multipart",
                )
                assert response.status_code == 201, response.content
        response = client.post(f"/api/v1/submissions/{report_id}/submit/", {}, format="json")
        assert response.status_code == 200, response.content
        assert response.json()["status"] == "submitted"
        if then == "approve":
            response = self.official.post(
                f"/api/v1/submissions/{report_id}/approve/", {}, format="json"
            )
            assert response.status_code == 200, response.content
            assert response.json()["status"] == "approved"
        elif then == "return":
            response = self.official.post(
                f"/api/v1/submissions/{report_id}/return/",
                {"comment": "请核实数据"},
                format="json",
            )
            assert response.status_code == 200, response.content
            assert response.json()["status"] == "returned"
        else:
            assert then == "submit"
        saved = response.json()
        self.reports[(name, period)] = {"id": report_id, "body": body, "saved": saved}
        return saved

    def reports_stage_a(self) -> None:
        r = self.report
        # E7: one report only, before every counts_from: cloud + self-upgrade on.
        r("E7", "2021Q4", metrics(cloud=True, self_up=True))
        # E1
        r("E1", "2022Q1", metrics(cloud=True, self_up=True))
        r("E1", "2022Q3", metrics(cloud=False))  # switches cloud off
        r("E1", "2022Q4", metrics(talent=5))  # talent before SH23's counts_from
        r(
            "E1",
            "2023Q1",
            metrics(talent=4),
            [item("scenario", "AI质检", "2023-02-01", domain="production")],
        )
        r(
            "E1",
            "2023Q2",
            metrics(),
            [
                item("ai_drug_clinical", "CXHL2300123", "2023-06-30"),  # on the quarter end
                item("scenario", "AI质检", "2023-05-01", domain="production"),  # again
                item("scenario", "智能排产", "2023-06-15", domain="production"),
            ],
        )
        r(
            "E1",
            "2024Q4",
            metrics(dx=True),
            [item("standard", "GB/T 12345-2024", "2024-12-31", level="national")],
        )
        # E2
        r("E2", "2022Q2", metrics(cloud=True, self_up=True), then="return")  # never fixed
        r(
            "E2",
            "2023Q1",
            metrics(talent=100),
            [item("ai_drug_clinical", "CXHL2200002", "2022-12-15")],  # dated before 2023
            then="return",
        )
        r(
            "E2",
            "2023Q2",
            metrics(),
            [item("scenario", "AI质检", "2023-04-20", domain="production")],
        )
        r(
            "E2",
            "2023Q3",
            metrics(),
            [item("scenario", " ai质检 ", "2023-08-01", domain="production")],
        )
        r(
            "E2",
            "2025Q1",
            metrics(),
            [item("standard", "T/SHPA 001-2025", "2025-03-31", level="group")],
        )
        r("E2", "2025Q2", metrics(dx=True))
        # E3
        r("E3", "2022Q1", metrics())
        r("E3", "2022Q2", metrics(cloud=True))
        r("E3", "2022Q3", metrics(cloud=False), then="submit")  # never approved
        r(
            "E3",
            "2023Q2",
            metrics(talent=7, cloud=True),
            [item("scenario", "数字孪生", "2023-05-05", domain="production")],
        )  # reopened in stage B
        r(
            "E3",
            "2023Q3",
            metrics(cloud=True),
            [item("ai_drug_clinical", "CXHL2300999", "2023-09-01")],
        )
        r(
            "E3",
            "2025Q1",
            metrics(cloud=True),
            [item("standard", "YY/T 0001-2025", "2025-02-01", level="industry")],
        )
        # E4
        r("E4", "2022Q3", metrics(cloud=True, self_up=True))
        r("E4", "2023Q2", metrics(talent=3, cloud=True))
        r(
            "E4",
            "2023Q3",
            metrics(cloud=True),
            # the same drug as E1's, full-width, lower case, an ideographic space inside
            [item("ai_drug_clinical", "ｃｘｈｌ２３００\u3000１２３", "2023-07-15")],
        )
        r(
            "E4",
            "2025Q2",
            metrics(cloud=False),  # switches cloud off
            [item("standard", "gb/t 12345-2024", "2025-04-10", level="national")],
        )
        # E5 (active from 2025-08-01)
        r(
            "E5",
            "2025Q3",
            metrics(talent=2, dx=True),
            [item("standard", "DB31/T 999-2025", "2025-08-20", level="local")],
        )
        # E8 (not key, not above scale)
        r("E8", "2022Q1", metrics(cloud=True, self_up=True))
        r("E8", "2023Q3", metrics(talent=50), then="submit")  # never approved
        r(
            "E8",
            "2024Q1",
            metrics(),
            # a device approved in 2023Q4, reported with the 2024Q1 report
            [item("smart_device_approval", "国械注准20243210001", "2023-12-20")],
        )
        # E9
        r("E9", "2025Q2", metrics())
        # E7 again in 2025Q3: cloud still yes (its latest stays "yes"), one talent.
        r("E7", "2025Q3", metrics(talent=1, cloud=True))

    def reports_stage_b(self) -> None:
        # E2 corrects its returned 2023Q1 report (PUT with version), resubmits, approved.
        entry = self.reports[("E2", "2023Q1")]
        client = self.reporters["E2"]
        current = client.get(f"/api/v1/submissions/{entry['id']}/").json()
        assert current["status"] == "returned"
        body = {**entry["body"], "metrics": metrics(talent=6), "version": current["version"]}
        response = client.put(f"/api/v1/submissions/{entry['id']}/", body, format="json")
        assert response.status_code == 200, response.content
        response = client.post(f"/api/v1/submissions/{entry['id']}/submit/", {}, format="json")
        assert response.status_code == 200, response.content
        response = self.official.post(
            f"/api/v1/submissions/{entry['id']}/approve/", {}, format="json"
        )
        assert response.status_code == 200, response.content
        assert response.json()["metrics"]["talent_high_end_new"] == 6
        # An official reopens E3's approved 2023Q2 report: it stops counting.
        report_id = self.reports[("E3", "2023Q2")]["id"]
        response = self.official.post(
            f"/api/v1/submissions/{report_id}/reopen/", {"comment": "请补充证明"}, format="json"
        )
        assert response.status_code == 200, response.content
        assert response.json()["status"] == "returned"

    # -- rollups and figures ------------------------------------------------------------
    def rollup(self) -> None:
        response = self.official.post("/api/v1/rollups/", {}, format="json")
        assert response.status_code == 202, response.content
        run_id = response.json()["id"]
        for _ in range(100):
            run = self.official.get(f"/api/v1/rollups/{run_id}/").json()
            if run["status"] in ("done", "failed"):
                break
        assert run["status"] == "done", run

    def figures(self, target: str, period: str, scope: str = "city") -> list[dict[str, Any]]:
        response = self.official.get(
            "/api/v1/progress/", {"period": period, "target": target, "scope": scope}
        )
        assert response.status_code == 200, response.content
        return response.json()["results"]

    def figure(self, target: str, period: str, scope: str = "city") -> dict[str, Any]:
        results = self.figures(target, period, scope)
        assert len(results) == 1, (target, period, scope, results)
        row = results[0]
        assert row["target"] == target
        assert row["period"] == period
        assert row["scope"] == scope
        return row

    def build(self) -> None:
        self.reference_data()
        self.designations()
        self.reports_stage_a()
        self.rollup()
        for target, period in (
            ("SH23-TALENT-HIGH", "2023Q1"),
            ("SH23-TALENT-HIGH", "2023Q2"),
            ("SH23-SCENARIO", "2023Q2"),
        ):
            self.stage_a[(target, period, "city")] = self.figure(target, period)
        self.reports_stage_b()
        self.rollup()
        self.stage_c()

    def stage_c(self) -> None:
        """Changes after the last requested rollup: approving and designation changes must
        schedule their own rollups (API.md), so no POST /rollups/ here."""
        self.report(
            "E9", "2025Q3", {**metrics(), "talent_backbone_new": 7}
        )  # SH23-TALENT-CORE only
        self.designate("smart_factory_demo", "2025-05-05", enterprise="E9")
        demo = self.designate("smart_factory_demo", "2025-04-01", enterprise="E8")
        self.revoke(demo, "2025-07-01")  # the day after 2025Q2's end: gone in 2025Q3


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
            # The history was committed for real; leave the database as migrate left it.
            call_command("flush", interactive=False, verbosity=0)


def expect(row: dict[str, Any], **expected: Any) -> None:
    """Compare the named fields exactly; report every mismatch at once."""
    wrong = {
        name: (value, row.get(name)) for name, value in expected.items() if row.get(name) != value
    }
    assert not wrong, f"{row['target']} {row['period']} {row['scope']}: (expected, got) {wrong}"


NO_PLAN = {
    "planned": None,
    "target_value": None,
    "percent_of_target": None,
    "status": None,
    "projected_at_deadline": None,
    "projected_attainment": None,
}


# ---------------------------------------------------------------------------------------
# designation_count
# ---------------------------------------------------------------------------------------
def test_sf_bench_city_series(history):
    f = history.figure
    # No figure before the quarter containing counts_from (2023-01-01 → 2023Q1).
    assert history.figures("SH23-SF-BENCH", "2022Q4") == []
    # 2023Q1: E2 granted 2023-03-31 (≤ end(2023Q1)); E1's 2022-12-31 < counts_from → 1.
    # planned = 10 × 90/1096 = 0.8212 → 0.82; 1/0.8212 = 1.22 ≥ 1 → on_track;
    # percent = 100 × 1/10 = 10.0; one quarter in window → no projection.
    expect(
        f("SH23-SF-BENCH", "2023Q1"),
        actual=1,
        planned=0.82,
        target_value=10,
        percent_of_target=10.0,
        status="on_track",
        projected_at_deadline=None,
        projected_attainment=None,
        share_of_city=None,
    )
    # 2023Q2: + E4 (2023-05-10) → 2. 2023Q3, 2023Q4: 2.
    expect(f("SH23-SF-BENCH", "2023Q2"), actual=2)
    expect(f("SH23-SF-BENCH", "2023Q4"), actual=2)
    # 2024Q1: + E3 (2024-01-15) → 3. planned = 10 × 456/1096 = 4.1606 → 4.16;
    # 3/4.1606 = 0.72 < 0.85 → off_track; percent 30.0.
    # Projection: (8093,2) (8094,2) (8095,2) (8096,3): x̄ 8094.5, ȳ 2.25, Sxy 1.5, Sxx 5,
    # slope 0.3; at 2025Q4 (8103): 2.25 + 0.3 × 8.5 = 4.80 (≥ actual 3).
    # Attainment (≥ 10): 2.25 + 0.3 (q − 8094.5) ≥ 10 ⇔ q ≥ 8120.33 → 8121 = 2030Q2.
    expect(
        f("SH23-SF-BENCH", "2024Q1"),
        actual=3,
        planned=4.16,
        percent_of_target=30.0,
        status="off_track",
        projected_at_deadline=4.8,
        projected_attainment="2030Q2",
    )
    # 2024Q2: E4's designation revoked on 2024-06-30 = end(2024Q2) → 2.
    expect(f("SH23-SF-BENCH", "2024Q2"), actual=2)
    # 2025Q4: end = deadline, 2 < 10 → missed; planned = 10.00; no projection in the
    # deadline's quarter.
    expect(
        f("SH23-SF-BENCH", "2025Q4"),
        actual=2,
        planned=10.0,
        percent_of_target=20.0,
        status="missed",
        projected_at_deadline=None,
        projected_attainment=None,
    )
    # 2026Q3: after the last milestone planned stays 10; still missed.
    expect(f("SH23-SF-BENCH", "2026Q3"), actual=2, planned=10.0, status="missed")


def test_sf_bench_districts_and_parks(history):
    f = history.figure
    # 2024Q1 city 3 (E2 P1 Pudong, E4 P3 Xuhui, E3 P2 Pudong).
    # Pudong: E2 + E3 = 2 → 100 × 2/3 = 66.67 → 66.7. Xuhui: 1 → 33.3.
    expect(f("SH23-SF-BENCH", "2024Q1", f"district:{PUDONG}"), actual=2, share_of_city=66.7)
    expect(
        f("SH23-SF-BENCH", "2024Q1", f"district:{XUHUI}"), actual=1, share_of_city=33.3, **NO_PLAN
    )
    expect(f("SH23-SF-BENCH", "2024Q1", f"park:{P1}"), actual=1, share_of_city=33.3, **NO_PLAN)
    expect(f("SH23-SF-BENCH", "2024Q1", f"park:{P2}"), actual=1, share_of_city=33.3)
    expect(f("SH23-SF-BENCH", "2024Q1", f"park:{P3}"), actual=1, share_of_city=33.3)
    # 2024Q2: E4's revoked → Xuhui 0 (0.0 % of city 2), Pudong 2 → 100.0.
    expect(f("SH23-SF-BENCH", "2024Q2", f"district:{XUHUI}"), actual=0, share_of_city=0.0)
    expect(f("SH23-SF-BENCH", "2024Q2", f"district:{PUDONG}"), actual=2, share_of_city=100.0)


def test_park_designation_counts_in_park_district_and_city(history):
    f = history.figure
    # P1 granted 2024-02-01; P3's 2022-06-01 is before counts_from.
    expect(f("SH23-PARK", "2023Q4"), actual=0)
    # planned 2024Q1 = 3 × 456/1096 = 1.2482 → 1.25; 1/1.2482 = 0.80 → off_track;
    # percent 100 × 1/3 = 33.3.
    expect(
        f("SH23-PARK", "2024Q1"),
        actual=1,
        planned=1.25,
        percent_of_target=33.3,
        status="off_track",
    )
    expect(f("SH23-PARK", "2024Q1", f"district:{PUDONG}"), actual=1, share_of_city=100.0)
    expect(f("SH23-PARK", "2024Q1", f"park:{P1}"), actual=1, share_of_city=100.0)
    expect(f("SH23-PARK", "2024Q1", f"park:{P2}"), actual=0, share_of_city=0.0)
    expect(f("SH23-PARK", "2024Q1", f"park:{P3}"), actual=0, share_of_city=0.0)
    expect(f("SH23-PARK", "2024Q1", f"district:{XUHUI}"), actual=0, share_of_city=0.0)
    # City actual 0 in 2023Q4 → share_of_city does not apply (null).
    expect(f("SH23-PARK", "2023Q4", f"district:{PUDONG}"), actual=0, share_of_city=None)
    expect(f("SH23-PARK", "2023Q4", f"park:{P1}"), actual=0, share_of_city=None)


def test_provider_designations_count_in_the_providers_district(history):
    f = history.figure
    # excellent_provider granted 2023-08-01 to a Xuhui provider.
    expect(f("SH23-PROVIDER", "2023Q2"), actual=0)
    expect(f("SH23-PROVIDER", "2023Q3"), actual=1)
    expect(f("SH23-PROVIDER", "2023Q3", f"district:{XUHUI}"), actual=1, share_of_city=100.0)
    expect(f("SH23-PROVIDER", "2023Q3", f"district:{PUDONG}"), actual=0, share_of_city=0.0)
    # SH23-IIP 2024Q2: provider (Xuhui, 2024-05-05) + E1 (Pudong/P1, 2024-06-30) = 2.
    expect(f("SH23-IIP", "2024Q1"), actual=0)
    expect(f("SH23-IIP", "2024Q2"), actual=2)
    expect(f("SH23-IIP", "2024Q2", f"district:{XUHUI}"), actual=1, share_of_city=50.0)
    expect(f("SH23-IIP", "2024Q2", f"district:{PUDONG}"), actual=1, share_of_city=50.0)
    expect(f("SH23-IIP", "2024Q2", f"park:{P1}"), actual=1, share_of_city=50.0)


def test_programme_designation_counts_in_the_city_only(history):
    f = history.figure
    # regulatory_platform granted 2023-11-11 → 2023Q4 city 1 ≥ 1 → achieved; 100.0 %.
    # Projection: (8092,0) (8093,0) (8094,0) (8095,1): slope 0.3, ȳ 0.25, x̄ 8093.5;
    # at 8103: 0.25 + 0.3 × 9.5 = 3.10. Already achieved → no attainment quarter.
    expect(
        f("SH23-REG-PLATFORM", "2023Q4"),
        actual=1,
        percent_of_target=100.0,
        status="achieved",
        projected_at_deadline=3.1,
        projected_attainment=None,
    )
    expect(f("SH23-REG-PLATFORM", "2023Q3"), actual=0)
    # Not in any district or park.
    for scope in (f"district:{HUANGPU}", f"district:{PUDONG}", f"park:{P1}"):
        for row in history.figures("SH23-REG-PLATFORM", "2023Q4", scope):
            assert row["actual"] == 0, row


def test_aic_pilot_planned_status_and_projection(history):
    f = history.figure
    # Cumulative pilot designations (the 2021-12-31 one never counts):
    # 2022Q1 2, Q2 5, Q3 7, Q4 8, 2023Q1 12, Q2 13, Q3 18, Q4 18, 2024Q1 17 (revoked
    # 2024-03-31 = end(2024Q1)). Threshold "approximately 20" → 90 % = 18.
    # 2022Q1: planned 10 × 90/365 = 2.4658 → 2.47; 2/2.4658 = 0.81 → off_track.
    expect(
        f("AIC-PILOT", "2022Q1"),
        actual=2,
        planned=2.47,
        target_value=20,
        percent_of_target=10.0,
        status="off_track",
        projected_at_deadline=None,
        projected_attainment=None,
    )
    # 2022Q2: planned 10 × 181/365 = 4.9589 → 4.96; 5/4.9589 = 1.008 → on_track; 25.0 %.
    # Projection (8088,2) (8089,5): slope 3; at 2023Q4 (8095): 5 + 3 × 6 = 23.00.
    # Attainment ≥ 18: 5 + 3k ≥ 18 → k = 5 → 8094 = 2023Q3.
    expect(
        f("AIC-PILOT", "2022Q2"),
        actual=5,
        planned=4.96,
        percent_of_target=25.0,
        status="on_track",
        projected_at_deadline=23.0,
        projected_attainment="2023Q3",
    )
    # 2022Q3: planned 10 × 273/365 = 7.4795 → 7.48; 7/7.4795 = 0.936 → at_risk.
    expect(f("AIC-PILOT", "2022Q3"), actual=7, planned=7.48, status="at_risk")
    # 2022Q4: planned = milestone 10.00; 8/10 = 0.8 → off_track.
    expect(f("AIC-PILOT", "2022Q4"), actual=8, planned=10.0, status="off_track")
    # 2023Q1: planned 10 + 10 × 90/365 = 12.4658 → 12.47; 12/12.4658 = 0.963 → at_risk.
    expect(f("AIC-PILOT", "2023Q1"), actual=12, planned=12.47, status="at_risk")
    # 2023Q2: planned 14.9589 → 14.96; 13/14.9589 = 0.869 → at_risk; 65.0 %.
    # Projection (8090,7) (8091,8) (8092,12) (8093,13): x̄ 8091.5, ȳ 10, Sxy 11, Sxx 5,
    # slope 2.2; at 8095: 10 + 2.2 × 3.5 = 17.70. Attainment ≥ 18 (not 20):
    # 10 + 2.2 (q − 8091.5) ≥ 18 ⇔ q ≥ 8095.14 → 8096 = 2024Q1 (with 20 it'd be 2024Q2).
    expect(
        f("AIC-PILOT", "2023Q2"),
        actual=13,
        planned=14.96,
        percent_of_target=65.0,
        status="at_risk",
        projected_at_deadline=17.7,
        projected_attainment="2024Q1",
    )
    # 2023Q3: 18 ≥ 18 → achieved (before the deadline); 90.0 %; planned 17.4795 → 17.48.
    # Projection (8091,8) (8092,12) (8093,13) (8094,18): x̄ 8092.5, ȳ 12.75, Sxy 15.5,
    # slope 3.1; at 8095: 12.75 + 3.1 × 2.5 = 20.50; achieved → attainment null.
    expect(
        f("AIC-PILOT", "2023Q3"),
        actual=18,
        planned=17.48,
        percent_of_target=90.0,
        status="achieved",
        projected_at_deadline=20.5,
        projected_attainment=None,
    )
    # 2023Q4 = deadline quarter: achieved (checked before missed), no projection.
    expect(
        f("AIC-PILOT", "2023Q4"),
        actual=18,
        planned=20.0,
        status="achieved",
        projected_at_deadline=None,
        projected_attainment=None,
    )
    # 2024Q1: one revoked on 2024-03-31 → 17 < 18 and end(P) ≥ deadline → missed; 85.0 %.
    expect(
        f("AIC-PILOT", "2024Q1"),
        actual=17,
        planned=20.0,
        percent_of_target=85.0,
        status="missed",
        projected_at_deadline=None,
    )
    # Shares 2023Q3 (18): Pudong E1,E2,E3,E9 = 11 → 61.1; Xuhui E4,E8 = 5 → 27.8;
    # Huangpu E7 = 2 → 11.1; park P1 (E1,E2,E9) = 8 → 44.4.
    expect(f("AIC-PILOT", "2023Q3", f"district:{PUDONG}"), actual=11, share_of_city=61.1)
    expect(f("AIC-PILOT", "2023Q3", f"district:{XUHUI}"), actual=5, share_of_city=27.8)
    expect(f("AIC-PILOT", "2023Q3", f"district:{HUANGPU}"), actual=2, share_of_city=11.1)
    expect(f("AIC-PILOT", "2023Q3", f"park:{P1}"), actual=8, share_of_city=44.4)


# ---------------------------------------------------------------------------------------
# item_distinct
# ---------------------------------------------------------------------------------------
def test_ai_drug_shared_identifier_counts_once_per_scope(history):
    f = history.figure
    # 2023Q1: E2's item dated 2022-12-15 < counts_from → 0 (its report is 2023Q1).
    expect(f("SH23-AI-DRUG", "2023Q1"), actual=0)
    # 2023Q2: E1's CXHL2300123 dated 2023-06-30 = end(2023Q2) → 1.
    expect(f("SH23-AI-DRUG", "2023Q2"), actual=1)
    # 2023Q3: E4's "ｃｘｈｌ２３００　１２３" normalises to CXHL2300123 (same drug) +
    # E3's CXHL2300999 → 2. planned 5 × 273/1096 = 1.2454 → 1.25; 2/1.2454 → on_track;
    # 40.0 %. Projection (8092,0) (8093,1) (8094,2): slope 1, ȳ 1 at 8093;
    # at 8103: 1 + 10 = 11.00; attainment ≥ 5: 1 + (q − 8093) ≥ 5 → 8097 = 2024Q2.
    expect(
        f("SH23-AI-DRUG", "2023Q3"),
        actual=2,
        planned=1.25,
        percent_of_target=40.0,
        status="on_track",
        projected_at_deadline=11.0,
        projected_attainment="2024Q2",
    )
    # Within scopes: P1 (E1) 1, P2 (E3) 1, P3 (E4) 1 → parks add up to 3 ≠ city 2.
    expect(f("SH23-AI-DRUG", "2023Q3", f"park:{P1}"), actual=1, share_of_city=50.0)
    expect(f("SH23-AI-DRUG", "2023Q3", f"park:{P2}"), actual=1, share_of_city=50.0)
    expect(f("SH23-AI-DRUG", "2023Q3", f"park:{P3}"), actual=1, share_of_city=50.0)
    # Pudong: E1's + E3's = 2 → 100.0; Xuhui: E4's = 1 → 50.0.
    expect(f("SH23-AI-DRUG", "2023Q3", f"district:{PUDONG}"), actual=2, share_of_city=100.0)
    expect(f("SH23-AI-DRUG", "2023Q3", f"district:{XUHUI}"), actual=1, share_of_city=50.0)


def test_scenarios_are_distinct_per_enterprise(history):
    f = history.figure
    # 2023Q1: E1 "AI质检" → 1.
    expect(f("SH23-SCENARIO", "2023Q1"), actual=1)
    # 2023Q2: E1 "AI质检" again (same key) + E1 "智能排产" + E2 "AI质检" (other
    # enterprise → own key); E3's "数字孪生" was reopened → 3.
    # planned 100 × 181/1096 = 16.5146 → 16.51; 3/16.51 → off_track; 3.0 %.
    expect(
        f("SH23-SCENARIO", "2023Q2"),
        actual=3,
        planned=16.51,
        percent_of_target=3.0,
        status="off_track",
    )
    # 2023Q3: E2's " ai质检 " = "AI质检" again → still 3.
    expect(f("SH23-SCENARIO", "2023Q3"), actual=3)
    expect(f("SH23-SCENARIO", "2023Q3", f"park:{P1}"), actual=3, share_of_city=100.0)
    expect(f("SH23-SCENARIO", "2023Q3", f"park:{P2}"), actual=0, share_of_city=0.0)


def test_scenarios_stage_a_counted_the_then_approved_report(history):
    # Before the reopen, E3's 2023Q2 report (with "数字孪生") was approved → 3 + 1 = 4.
    expect(history.stage_a[("SH23-SCENARIO", "2023Q2", "city")], actual=4)


def test_item_counts_by_its_own_date_not_its_reports_quarter(history):
    f = history.figure
    # E8's 2024Q1 report holds a device approved 2023-12-20: item date ≤ end(2023Q4).
    expect(f("SH23-DEVICE", "2023Q3"), actual=0)
    expect(f("SH23-DEVICE", "2023Q4"), actual=1)
    expect(f("SH23-DEVICE", "2024Q1"), actual=1)
    expect(f("SH23-DEVICE", "2023Q4", f"district:{XUHUI}"), actual=1, share_of_city=100.0)


def test_standards_with_and_without_the_level_filter(history):
    f = history.figure
    # SH23-STANDARD (all levels, from 2023-01-01):
    # 2024Q4: E1 GB/T12345-2024 → 1. 2025Q1: + E2 T/SHPA001-2025 (group) + E3
    # YY/T0001-2025 → 3. 2025Q2: E4 "gb/t 12345-2024" = E1's → 3. 2025Q3: + E5
    # DB31/T999-2025 → 4. 2025Q4 = deadline, 4 < 10 → missed.
    expect(f("SH23-STANDARD", "2024Q3"), actual=0)
    expect(f("SH23-STANDARD", "2024Q4"), actual=1)
    expect(f("SH23-STANDARD", "2025Q1"), actual=3)
    expect(f("SH23-STANDARD", "2025Q2"), actual=3)
    expect(f("SH23-STANDARD", "2025Q3"), actual=4)
    expect(f("SH23-STANDARD", "2025Q4"), actual=4, status="missed")
    # 2025Q2 scopes: Pudong (E1,E2,E3) 3 → 100.0; Xuhui E4 1 → 33.3; P1 (E1,E2) 2 → 66.7;
    # P3 (E4) 1 → 33.3.
    expect(f("SH23-STANDARD", "2025Q2", f"district:{PUDONG}"), actual=3, share_of_city=100.0)
    expect(f("SH23-STANDARD", "2025Q2", f"district:{XUHUI}"), actual=1, share_of_city=33.3)
    expect(f("SH23-STANDARD", "2025Q2", f"park:{P1}"), actual=2, share_of_city=66.7)
    expect(f("SH23-STANDARD", "2025Q2", f"park:{P3}"), actual=1, share_of_city=33.3)


def test_cn25_standard_where_filter_and_counts_from(history):
    f = history.figure
    # counts_from 2025-01-01: no figure for 2024Q4.
    assert history.figures("CN25-STANDARD", "2024Q4") == []
    # 2025Q1: national/industry only, dated ≥ 2025-01-01: E3 YY/T (industry) → 1
    # (E1's GB/T dated 2024-12-31 < counts_from; E2's is "group").
    # planned 30 × 90/2191 = 1.2323 → 1.23; 1/1.2323 = 0.81 → off_track; 100/30 = 3.3 %.
    expect(
        f("CN25-STANDARD", "2025Q1"),
        actual=1,
        planned=1.23,
        target_value=30,
        percent_of_target=3.3,
        status="off_track",
        projected_at_deadline=None,
        projected_attainment=None,
    )
    # 2025Q2: E4's "gb/t 12345-2024" (national) is dated 2025-04-10 ≥ counts_from: each
    # item is judged by its own date, so the key counts now → 2.
    # planned 30 × 181/2191 = 2.4783 → 2.48; 2/2.4783 = 0.807 → off_track; 6.7 %.
    expect(
        f("CN25-STANDARD", "2025Q2"),
        actual=2,
        planned=2.48,
        percent_of_target=6.7,
        status="off_track",
    )
    # 2025Q3: E5's DB31/T (local) filtered out → 2. planned 30 × 273/2191 = 3.7380 → 3.74.
    # Projection (8100,1) (8101,2) (8102,2): x̄ 8101, ȳ 5/3, slope 0.5;
    # at 2030Q4 (8123): 5/3 + 0.5 × 22 = 12.667 → 12.67.
    # Attainment ≥ 30: 5/3 + 0.5 (q − 8101) ≥ 30 ⇔ q ≥ 8157.67 → 8158 = 2039Q3.
    expect(
        f("CN25-STANDARD", "2025Q3"),
        actual=2,
        planned=3.74,
        status="off_track",
        projected_at_deadline=12.67,
        projected_attainment="2039Q3",
    )
    # 2026Q3: last four quarters all 2 → slope 0 → line 2.00; no attainment.
    # planned 30 × 638/2191 = 8.7357 → 8.74.
    expect(
        f("CN25-STANDARD", "2026Q3"),
        actual=2,
        planned=8.74,
        projected_at_deadline=2.0,
        projected_attainment=None,
    )
    expect(f("CN25-STANDARD", "2025Q2", f"district:{PUDONG}"), actual=1, share_of_city=50.0)
    expect(f("CN25-STANDARD", "2025Q2", f"district:{XUHUI}"), actual=1, share_of_city=50.0)
    expect(f("CN25-STANDARD", "2025Q2", f"park:{P1}"), actual=0, share_of_city=0.0)


# ---------------------------------------------------------------------------------------
# flow_sum
# ---------------------------------------------------------------------------------------
def test_talent_flow_while_returned_and_approved(history):
    # Stage A: E2's 2023Q1 report (100) returned → only E1's 4; E1's 2022Q4 5 is before
    # counts_from. 2023Q2: + E3 7 (still approved then) + E4 3 → 14.
    expect(history.stage_a[("SH23-TALENT-HIGH", "2023Q1", "city")], actual=4)
    expect(history.stage_a[("SH23-TALENT-HIGH", "2023Q2", "city")], actual=14)


def test_talent_flow_after_correction_and_reopen(history):
    f = history.figure
    assert history.figures("SH23-TALENT-HIGH", "2022Q4") == []
    # Stage B: E2 corrected to 6 and approved → 2023Q1: 4 + 6 = 10.
    # planned 30 × 90/1096 = 2.4635 → 2.46; on_track; 33.3 %; one point → no projection.
    expect(
        f("SH23-TALENT-HIGH", "2023Q1"),
        actual=10,
        planned=2.46,
        percent_of_target=33.3,
        status="on_track",
        projected_at_deadline=None,
    )
    # 2023Q2: E3's 7 reopened (not counting) → 10 + 3 = 13. planned 30 × 181/1096 = 4.9544
    # → 4.95; on_track; 43.3 %. Projection (8092,10) (8093,13): slope 3; at 8103:
    # 13 + 30 = 43.00; attainment ≥ 30: 13 + 3k ≥ 30 → k = 6 → 8099 = 2024Q4.
    expect(
        f("SH23-TALENT-HIGH", "2023Q2"),
        actual=13,
        planned=4.95,
        percent_of_target=43.3,
        status="on_track",
        projected_at_deadline=43.0,
        projected_attainment="2024Q4",
    )
    # 2023Q3: E8's 50 only submitted → 13.
    expect(f("SH23-TALENT-HIGH", "2023Q3"), actual=13)
    # 2025Q3: + E5 2 + E7 1 → 16. 2025Q4: 16 < 30 at the deadline → missed.
    expect(f("SH23-TALENT-HIGH", "2025Q3"), actual=16)
    expect(f("SH23-TALENT-HIGH", "2025Q4"), actual=16, status="missed")
    # share_of_city ties, half away from zero: Huangpu (E7) 100 × 1/16 = 6.25 → 6.3;
    # Xuhui (E4 3 + E5 2) 100 × 5/16 = 31.25 → 31.3; Pudong (E1 4 + E2 6) 10/16 = 62.5.
    expect(f("SH23-TALENT-HIGH", "2025Q3", f"district:{HUANGPU}"), actual=1, share_of_city=6.3)
    expect(f("SH23-TALENT-HIGH", "2025Q3", f"district:{XUHUI}"), actual=5, share_of_city=31.3)
    expect(f("SH23-TALENT-HIGH", "2025Q3", f"district:{PUDONG}"), actual=10, share_of_city=62.5)
    # 2024Q4: 13; projection over (8096..8099, all 13): slope 0 → 13.00, no attainment.
    expect(
        f("SH23-TALENT-HIGH", "2024Q4"),
        actual=13,
        projected_at_deadline=13.0,
        projected_attainment=None,
    )
    # Scopes 2023Q2: Pudong E1 4 + E2 6 = 10 → 76.9; Xuhui E4 3 → 23.1; P2 (E3) 0 → 0.0.
    expect(f("SH23-TALENT-HIGH", "2023Q2", f"district:{PUDONG}"), actual=10, share_of_city=76.9)
    expect(f("SH23-TALENT-HIGH", "2023Q2", f"district:{XUHUI}"), actual=3, share_of_city=23.1)
    expect(f("SH23-TALENT-HIGH", "2023Q2", f"park:{P2}"), actual=0, share_of_city=0.0)
    expect(f("SH23-TALENT-HIGH", "2023Q2", f"park:{P1}"), actual=10, share_of_city=76.9, **NO_PLAN)


# ---------------------------------------------------------------------------------------
# flag_ever_count
# ---------------------------------------------------------------------------------------
def test_self_upgrade_ever(history):
    f = history.figure
    # Approved self_upgrade = yes from 2022Q1 on: E1 2022Q1, E8 2022Q1, E4 2022Q3.
    # E7's 2021Q4 is before counts_from; E2's 2022Q2 was returned.
    # 2022Q1: 2. planned 50 × 90/365 = 12.3288 → 12.33; 2/12.33 → off_track; 2.0 %.
    expect(
        f("AIC-SELF", "2022Q1"),
        actual=2,
        planned=12.33,
        target_value=100,
        percent_of_target=2.0,
        status="off_track",
    )
    # 2022Q2: E1 still counted (ever) though no yes since → 2.
    expect(f("AIC-SELF", "2022Q2"), actual=2)
    # 2022Q3: + E4 → 3 (E1's 2022Q3 "no" does not remove it). planned 50 × 273/365 =
    # 37.3973 → 37.40. Projection (8088,2) (8089,2) (8090,3): slope 0.5, ȳ 7/3 at 8089;
    # at 2023Q4 (8095): 7/3 + 3 = 5.333 → 5.33. Attainment ≥ 90 (approximately 100):
    # q ≥ 8264.3 → 2066Q2 > 2040Q4 → null.
    expect(
        f("AIC-SELF", "2022Q3"),
        actual=3,
        planned=37.4,
        percent_of_target=3.0,
        status="off_track",
        projected_at_deadline=5.33,
        projected_attainment=None,
    )
    expect(f("AIC-SELF", "2023Q4"), actual=3, status="missed", planned=100.0)
    # Scopes 2022Q3: Xuhui E4 + E8 = 2 → 66.7; Pudong E1 → 33.3; Huangpu (E7) 0 → 0.0.
    expect(f("AIC-SELF", "2022Q3", f"district:{XUHUI}"), actual=2, share_of_city=66.7)
    expect(f("AIC-SELF", "2022Q3", f"district:{PUDONG}"), actual=1, share_of_city=33.3)
    expect(f("AIC-SELF", "2022Q3", f"district:{HUANGPU}"), actual=0, share_of_city=0.0)


# ---------------------------------------------------------------------------------------
# flag_latest_count
# ---------------------------------------------------------------------------------------
def test_cloud_latest_count_key_enterprises(history):
    f = history.figure
    # Key: E1, E2, E3, E4, E7 (E8's yes does not count: not key).
    # E7's only report is 2021Q4 (yes): its latest at every P → counts.
    # 2022Q1: E7 + E1 → 2. planned 350 × 90/1461 = 21.5606 → 21.56; off_track; 0.6 %.
    expect(
        f("AIC-CLOUD", "2022Q1"),
        actual=2,
        planned=21.56,
        target_value=350,
        percent_of_target=0.6,
        status="off_track",
    )
    # 2022Q2: + E3 (2022Q2 yes) → 3 (E1's latest is still 2022Q1; E2's yes was returned).
    expect(f("AIC-CLOUD", "2022Q2"), actual=3)
    # 2022Q3: E1 switched off; E4 on; E3's unapproved 2022Q3 "no" is ignored → E7, E3, E4.
    # planned 350 × 273/1461 = 65.4004 → 65.40.
    expect(f("AIC-CLOUD", "2022Q3"), actual=3, planned=65.4)
    # 2023Q2: E3's 2023Q2 was reopened; its latest approved (2022Q2) is yes → still 3.
    expect(f("AIC-CLOUD", "2023Q2"), actual=3)
    expect(f("AIC-CLOUD", "2025Q1"), actual=3)
    # 2025Q2: E4 switches off → E7, E3 → 2.
    expect(f("AIC-CLOUD", "2025Q2"), actual=2)
    # 2025Q3: 2. planned 350 × 1369/1461 = 327.9603 → 327.96; 0.6 %.
    # Projection (8099,3) (8100,3) (8101,2) (8102,2): x̄ 8100.5, ȳ 2.5, Sxy −2, Sxx 5,
    # slope −0.4; at 8103: 2.5 − 0.4 × 2.5 = 1.50 — not floored at the actual (2) since
    # flag_latest_count is not cumulative. Line falls → no attainment.
    expect(
        f("AIC-CLOUD", "2025Q3"),
        actual=2,
        planned=327.96,
        percent_of_target=0.6,
        status="off_track",
        projected_at_deadline=1.5,
        projected_attainment=None,
    )
    # Scopes 2022Q3 (city 3): Pudong E3 → 33.3; Xuhui E4 → 33.3; Huangpu E7 → 33.3;
    # P1 (E1 switched off) 0 → 0.0; 2022Q1 Pudong E1 of city 2 → 50.0.
    expect(f("AIC-CLOUD", "2022Q3", f"district:{PUDONG}"), actual=1, share_of_city=33.3)
    expect(f("AIC-CLOUD", "2022Q3", f"district:{HUANGPU}"), actual=1, share_of_city=33.3)
    expect(f("AIC-CLOUD", "2022Q3", f"park:{P1}"), actual=0, share_of_city=0.0)
    expect(f("AIC-CLOUD", "2022Q1", f"district:{PUDONG}"), actual=1, share_of_city=50.0)
    expect(f("AIC-CLOUD", "2022Q1", f"district:{XUHUI}"), actual=0, share_of_city=0.0)


# ---------------------------------------------------------------------------------------
# flag_latest_share
# ---------------------------------------------------------------------------------------
def test_coverage_share_city(history):
    f = history.figure
    # Above-scale active at end(P): 2024Q4: E1 E2 E3 E4 E6 E9 F1 F2 = 8;
    # 2025Q1, Q2: + F3..F10 (from 2025-02-15) = 16; 2025Q3: + E5 (from 2025-08-01) = 17;
    # 2025Q4 on: F10 left (until 2025-11-30) = 16.
    # Latest approved dx yes: E1 (2024Q4 report, before counts_from, still its latest),
    # E2 from 2025Q2, E5 from 2025Q3.
    # Baseline "actual" = city 2024Q4 = 100 × 1/8 = 12.5; no 2024Q4 figure is shown.
    assert history.figures("CN25-COVERAGE", "2024Q4") == []
    # 2025Q1: 100 × 1/16 = 6.25 → 6.3 (half away from zero). planned = 12.5 + 87.5 ×
    # 90/2191 = 16.0942 → 16.09; 6.3/16.09 = 0.39 → off_track; percent 6.3.
    expect(
        f("CN25-COVERAGE", "2025Q1"),
        actual=6.3,
        planned=16.09,
        target_value=100,
        percent_of_target=6.3,
        status="off_track",
        projected_at_deadline=None,
        projected_attainment=None,
        share_of_city=None,
    )
    # 2025Q2: 2/16 = 12.5. planned 12.5 + 87.5 × 181/2191 = 19.7284 → 19.73.
    expect(f("CN25-COVERAGE", "2025Q2"), actual=12.5, planned=19.73, status="off_track")
    # 2025Q3: 3/17 = 17.647 → 17.6. planned 12.5 + 87.5 × 273/2191 = 23.4026 → 23.40.
    # Projection on the rounded shares (8100,6.3) (8101,12.5) (8102,17.6): slope 5.65,
    # ȳ 12.133 at 8101; at 8123: 12.133 + 5.65 × 22 = 136.43 → capped at 100.00.
    # Attainment ≥ 100: 12.133 + 5.65 (q − 8101) ≥ 100 ⇔ q ≥ 8116.55 → 8117 = 2029Q2.
    expect(
        f("CN25-COVERAGE", "2025Q3"),
        actual=17.6,
        planned=23.4,
        status="off_track",
        projected_at_deadline=100.0,
        projected_attainment="2029Q2",
    )
    # 2025Q4: 3/16 = 18.75 → 18.8.
    expect(f("CN25-COVERAGE", "2025Q4"), actual=18.8)
    # 2026Q3: 18.8; planned 12.5 + 87.5 × 638/2191 = 37.9792 → 37.98; flat → 18.80, none.
    expect(
        f("CN25-COVERAGE", "2026Q3"),
        actual=18.8,
        planned=37.98,
        projected_at_deadline=18.8,
        projected_attainment=None,
    )


def test_coverage_share_in_parks_and_districts(history):
    f = history.figure
    # P1 (E1, E2, E9, all above scale): 2025Q1 E1 → 1/3 = 33.3; 2025Q2 E1 + E2 → 66.7.
    # share_of_city never applies to flag_latest_share.
    expect(f("CN25-COVERAGE", "2025Q1", f"park:{P1}"), actual=33.3, share_of_city=None)
    expect(f("CN25-COVERAGE", "2025Q2", f"park:{P1}"), actual=66.7, share_of_city=None, **NO_PLAN)
    # Pudong (E1 E2 E3 E9) 2025Q2: 2/4 = 50.0.
    expect(f("CN25-COVERAGE", "2025Q2", f"district:{PUDONG}"), actual=50.0, share_of_city=None)
    # Xuhui (E4; E5 from 2025-08-01): 2025Q2 0/1 = 0.0; 2025Q3 E5 → 1/2 = 50.0.
    expect(f("CN25-COVERAGE", "2025Q2", f"district:{XUHUI}"), actual=0.0, share_of_city=None)
    expect(f("CN25-COVERAGE", "2025Q3", f"district:{XUHUI}"), actual=50.0, share_of_city=None)
    # Huangpu (E6 + F1..F10 above scale, none reported) 2025Q1: 0/11 = 0.0.
    expect(f("CN25-COVERAGE", "2025Q1", f"district:{HUANGPU}"), actual=0.0)


def test_approvals_and_designation_changes_schedule_their_own_rollups(history):
    f = history.figure
    # Stage C, after the last requested rollup: E9's approved 2025Q3 report with 7 backbone
    # talents → SH23-TALENT-CORE 2025Q3 = 7 (and still 7 in 2026Q3).
    expect(f("SH23-TALENT-CORE", "2025Q2"), actual=0)
    expect(f("SH23-TALENT-CORE", "2025Q3"), actual=7)
    expect(f("SH23-TALENT-CORE", "2026Q3"), actual=7)
    # SH23-SF-DEMO: E8 2025-04-01 (revoked 2025-07-01, after 2025Q2's end) + E9 2025-05-05
    # → 2025Q2 2; 2025Q3 1. planned 2025Q2 = 30 × 912/1096 = 24.9635 → 24.96.
    expect(f("SH23-SF-DEMO", "2025Q1"), actual=0)
    expect(f("SH23-SF-DEMO", "2025Q2"), actual=2, planned=24.96, status="off_track")
    expect(f("SH23-SF-DEMO", "2025Q3"), actual=1)


# ---------------------------------------------------------------------------------------
# API contract
# ---------------------------------------------------------------------------------------
def test_figure_shape_and_default_period(history):
    row = history.figure("SH23-SF-BENCH", "2024Q1")
    assert set(row) >= FIGURE_FIELDS
    assert isinstance(row["computed_at"], str)
    assert row["computed_at"]
    district = history.figure("SH23-SF-BENCH", "2024Q1", f"district:{PUDONG}")
    expect(district, **NO_PLAN)
    # Without a period: the latest quarter with figures (today 2026-11-22 → 2026Q3).
    response = history.official.get("/api/v1/progress/", {"target": "SH23-PARK"})
    assert response.status_code == 200
    periods = {row["period"] for row in response.json()["results"]}
    assert periods == {"2026Q3"}, periods
    # No figures for a quarter that has not ended.
    assert history.figures("SH23-PARK", "2026Q4") == []


def _errors_are_field_lists(body: Any) -> None:
    assert isinstance(body, dict)
    assert body
    for messages in body.values():
        assert isinstance(messages, list), body
        assert all(isinstance(message, str) and message for message in messages), body


def _reports_of(history, name: str, period: str) -> list[dict[str, Any]]:
    response = history.official.get(
        "/api/v1/submissions/", {"enterprise": USCC[name], "period": period}
    )
    assert response.status_code == 200
    body = response.json()
    return body["results"] if isinstance(body, dict) else body


def test_duplicate_quarter_answers_409_with_the_existing_id(history):
    existing = history.reports[("E1", "2023Q1")]["id"]
    response = history.reporters["E1"].post(
        "/api/v1/submissions/",
        {"enterprise": USCC["E1"], "period": "2023Q1", "metrics": metrics()},
        format="json",
    )
    assert response.status_code == 409
    assert response.json()["id"] == existing


def test_stale_version_answers_409(history):
    client = history.reporters["E9"]
    created = client.post(
        "/api/v1/submissions/",
        {"enterprise": USCC["E9"], "period": "2026Q1", "metrics": metrics(talent=1)},
        format="json",
    ).json()
    body = {"enterprise": USCC["E9"], "period": "2026Q1", "items": []}
    first = client.put(
        f"/api/v1/submissions/{created['id']}/",
        {**body, "metrics": metrics(talent=2), "version": created["version"]},
        format="json",
    )
    assert first.status_code == 200, first.content
    stale = client.put(
        f"/api/v1/submissions/{created['id']}/",
        {**body, "metrics": metrics(talent=3), "version": created["version"]},
        format="json",
    )
    assert stale.status_code == 409
    now = client.get(f"/api/v1/submissions/{created['id']}/").json()
    assert now["metrics"]["talent_high_end_new"] == 2


def test_idempotency_key_replay_creates_nothing_twice(history):
    client = history.reporters["E9"]
    body = {"enterprise": USCC["E9"], "period": "2026Q2", "metrics": metrics(talent=1)}
    first = client.post("/api/v1/submissions/", body, format="json", HTTP_IDEMPOTENCY_KEY="acc-1")
    again = client.post("/api/v1/submissions/", body, format="json", HTTP_IDEMPOTENCY_KEY="acc-1")
    assert first.status_code == 201
    assert again.status_code == first.status_code
    assert again.json() == first.json()
    assert len(_reports_of(history, "E9", "2026Q2")) == 1
    # The same for a designation.
    designation = {
        "kind": "pioneer_enterprise",
        "enterprise": USCC["E9"],
        "name": "先锋",
        "reference": "x",
        "granted_on": "2026-03-01",
    }
    one = history.official.post(
        "/api/v1/designations/", designation, format="json", HTTP_IDEMPOTENCY_KEY="acc-2"
    )
    two = history.official.post(
        "/api/v1/designations/", designation, format="json", HTTP_IDEMPOTENCY_KEY="acc-2"
    )
    assert one.status_code == 201
    assert two.json() == one.json()
    listed = history.official.get(
        "/api/v1/designations/", {"kind": "pioneer_enterprise", "enterprise": USCC["E9"]}
    ).json()
    rows = listed["results"] if isinstance(listed, dict) else listed
    assert len(rows) == 1


def test_roles_on_progress(history):
    anonymous = APIClient()
    assert anonymous.get("/api/v1/progress/", {"period": "2024Q1"}).status_code == 401
    assert anonymous.post("/api/v1/rollups/", {}, format="json").status_code == 401
    reporter = history.reporters["E1"]
    assert reporter.get("/api/v1/progress/", {"period": "2024Q1"}).status_code == 403
    assert reporter.post("/api/v1/rollups/", {}, format="json").status_code == 403


def test_another_enterprises_report_is_404(history):
    report_id = history.reports[("E1", "2023Q1")]["id"]
    assert history.reporters["E2"].get(f"/api/v1/submissions/{report_id}/").status_code == 404
    assert history.reporters["E1"].get(f"/api/v1/submissions/{report_id}/").status_code == 200


@pytest.mark.parametrize(
    ("period", "body_metrics", "items", "field"),
    [
        # a decimal for an integer metric
        ("2026Q1", {"talent_high_end_new": 1.5}, [], "metrics"),
        # above the catalogue's max (10000)
        ("2026Q1", {"talent_high_end_new": 10001}, [], "metrics"),
        # an unknown metric code
        ("2026Q1", {"no_such_metric": 1}, [], "metrics"),
        # an item dated after its quarter's end
        (
            "2026Q1",
            {},
            [item("ai_drug_clinical", "CXHL2600001", "2026-04-01")],
            "items",
        ),
        # a quarter that has not ended (today 2026-11-22)
        ("2026Q4", {}, [], "period"),
        ("2027Q1", {}, [], "period"),
    ],
)
def test_invalid_reports_are_refused_per_field_and_save_nothing(
    history, period, body_metrics, items, field
):
    with mock.patch("django.utils.timezone.now", return_value=FROZEN_NOW):
        response = history.reporters["E8"].post(
            "/api/v1/submissions/",
            {"enterprise": USCC["E8"], "period": period, "metrics": body_metrics, "items": items},
            format="json",
        )
    assert response.status_code == 400, response.content
    body = response.json()
    _errors_are_field_lists(body)
    assert any(key.startswith(field) or field in key for key in body), body
    assert _reports_of(history, "E8", period) == []
