"""Allocated districts and parks against hand-computed figures (DOMAIN.md, "Allocations"):
the city's rules read against the allocation, with its own milestones or the city's scaled
by value ÷ target value, a baseline "actual" being the scope's own actual.

Conventions of the hand computations: quarter number q = year × 4 + quarter − 1 (2022Q4 =
8091, 2023Q4 = 8095, 2025Q4 = 8103, 2026Q1 = 8104); planned values are straight lines by
days, read at the quarter's end; rounding half away from zero.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.db import transaction

from enterprises.models import Designation, Enterprise
from progress import services
from progress.models import Snapshot
from targets import services as target_services
from targets.models import Allocation, DesignationKind, RecomputeRequest, Target
from targets.periods import period_parse
from tests import factories
from tests.factories import SubmissionFactory
from tests.progress.helpers import figures_of

pytestmark = pytest.mark.django_db

D = Decimal
Q = period_parse
NULLS = {
    "planned": None,
    "target_value": None,
    "percent_of_target": None,
    "status": None,
    "projected_at_deadline": None,
    "projected_attainment": None,
}


def company(**fields: Any) -> Enterprise:
    return factories.EnterpriseFactory(**fields)  # type: ignore[return-value]


def designate(kind: str, granted: str, enterprise: Enterprise, times: int = 1) -> None:
    for _ in range(times):
        Designation.objects.create(
            kind=DesignationKind.objects.get(code=kind),
            granted_on=dt.date.fromisoformat(granted),
            enterprise=enterprise,
        )


def allocate(code: str, scope: str, value: str, milestones=()) -> Allocation:
    return target_services.allocation_create(
        target=Target.objects.get(code=code),
        scope=scope,
        value=D(value),
        milestones=[(dt.date.fromisoformat(day), D(v)) for day, v in milestones],
    )


def fields(figure, *names: str) -> dict[str, Any]:
    return {name: getattr(figure, name) for name in names}


# --- own milestones ---------------------------------------------------------------------


def test_a_park_with_its_own_milestones_is_read_against_them(enterprise, other_enterprise):
    # SH23-SF-BENCH: at least 10 by 2025-12-31, baseline 0 on 2022-12-31. PARK-A gets 4,
    # with its own milestones 1 by 2023-12-31 and 3 by 2024-12-31.
    allocate("SH23-SF-BENCH", "park:PARK-A", "4", [("2023-12-31", "1"), ("2024-12-31", "3")])
    designate("smart_factory_benchmark", "2023-02-10", enterprise)
    designate("smart_factory_benchmark", "2023-05-10", enterprise)
    designate("smart_factory_benchmark", "2024-10-01", enterprise)
    designate("smart_factory_benchmark", "2023-03-01", other_enterprise)  # PARK-B's

    park = figures_of("SH23-SF-BENCH", "park:PARK-A")

    # Actuals 1, 2, 2, 2 | 2, 2, 2, 3 | 3 ... in PARK-A.
    # 2023Q1: 0 → 1 over 365 days, 2023-03-31 is day 90: 90/365 = 0.2466 → 0.25;
    # 1 ÷ 0.2466 ≥ 1: on track; 100 × 1 ÷ 4 = 25.0 %.
    assert fields(
        park["2023Q1"], "actual", "planned", "target_value", "percent_of_target", "status"
    ) == {
        "actual": 1,
        "planned": D("0.25"),
        "target_value": 4,
        "percent_of_target": D("25.0"),
        "status": "on_track",
    }
    assert park["2023Q1"].share_of_city == D("50.0")  # 1 of the city's 2
    # One quarter in the window: no line yet.
    assert park["2023Q1"].projected_at_deadline is None
    # 2023Q2: 181/365 = 0.4959 → 0.50. Line through (8092, 1), (8093, 2): slope 1, read at
    # 2025Q4 (8103): 1.5 + 10.5 = 12.00; reaches 4 at 8092.5 + 2.5 = 8095 = 2023Q4.
    assert fields(
        park["2023Q2"], "planned", "status", "projected_at_deadline", "projected_attainment"
    ) == {
        "planned": D("0.50"),
        "status": "on_track",
        "projected_at_deadline": D("12.00"),
        "projected_attainment": Q("2023Q4"),
    }
    # 2023Q4 is the first own milestone: planned 1.00.
    assert park["2023Q4"].planned == D("1.00")
    # 2024Q3: 1 + 2 × 274/366 = 2.4973 → 2.50 (2024 has 366 days); 2 ÷ 2.4973 = 0.80 < 0.85:
    # off track. The last four quarters are 2, 2, 2, 2: flat, 2.00 at the deadline, never
    # reaching 4.
    assert fields(
        park["2024Q3"], "planned", "status", "projected_at_deadline", "projected_attainment"
    ) == {
        "planned": D("2.50"),
        "status": "off_track",
        "projected_at_deadline": D("2.00"),
        "projected_attainment": None,
    }
    # 2024Q4: planned 3.00 (the second milestone), actual 3 → on track, 75.0 %.
    # Line through 2, 2, 2, 3 (8096-8099): x̄ 8097.5, ȳ 2.25, slope 1.5 / 5 = 0.3;
    # at 8103: 2.25 + 0.3 × 5.5 = 3.90; reaches 4 at 8097.5 + 1.75 / 0.3 = 8103.33 → 8104.
    assert fields(
        park["2024Q4"],
        "planned",
        "status",
        "percent_of_target",
        "projected_at_deadline",
        "projected_attainment",
    ) == {
        "planned": D("3.00"),
        "status": "on_track",
        "percent_of_target": D("75.0"),
        "projected_at_deadline": D("3.90"),
        "projected_attainment": Q("2026Q1"),
    }
    # After the last own milestone the planned value stays at it (3), not the allocation.
    assert park["2025Q3"].planned == D("3.00")
    # At the deadline 3 < 4: missed, and no projection from the deadline's quarter on.
    assert fields(park["2025Q4"], "status", "projected_at_deadline") == {
        "status": "missed",
        "projected_at_deadline": None,
    }


def test_with_its_own_milestones_a_numeric_baseline_is_used_as_it_is(enterprise):
    target = Target.objects.get(code="SH23-SF-BENCH")
    target.baseline_value = D(2)
    target.save(update_fields=["baseline_value"])
    allocate("SH23-SF-BENCH", "park:PARK-A", "5", [("2025-12-31", "5")])
    allocate("SH23-SF-BENCH", "district:310115", "5")
    designate("smart_factory_benchmark", "2023-02-10", enterprise)

    # Own milestones: 2 on 2022-12-31 → 5 on 2025-12-31 (1096 days): 2 + 3 × 90/1096 = 2.2464.
    assert figures_of("SH23-SF-BENCH", "park:PARK-A")["2023Q1"].planned == D("2.25")
    # Scaled (5 of 10): baseline 1 → 5: 1 + 4 × 90/1096 = 1.3285.
    assert figures_of("SH23-SF-BENCH", "district:310115")["2023Q1"].planned == D("1.33")
    # The city keeps its own line: 2 → 10: 2 + 8 × 90/1096 = 2.6569.
    assert figures_of("SH23-SF-BENCH")["2023Q1"].planned == D("2.66")


# --- scaled milestones and a baseline "actual" -------------------------------------------


def test_scaled_milestones_start_from_the_scopes_own_actual_at_the_baseline():
    # CN25-COVERAGE: share of above-scale enterprises transformed, 100 by 2030-12-31,
    # baseline "actual" on 2024-12-31. PARK-A (Pudong) has a1..a4; Pudong also o1 (no park);
    # Xuhui x1. o1 and x1 never report.
    park = factories.ParkFactory(code="PARK-A")
    a1, a2, a3, _a4 = (company(above_scale=True, park=park) for _ in range(4))
    company(above_scale=True)  # o1: Pudong (310115), no park
    company(above_scale=True, district=factories.district("310104"))  # x1
    for who, quarter in ((a1, "2024Q4"), (a2, "2025Q1"), (a3, "2025Q2")):
        SubmissionFactory(
            enterprise=who, period=Q(quarter), metrics={"dx_transformed": True}, approved=True
        )
    allocate("CN25-COVERAGE", "park:PARK-A", "60")
    allocate("CN25-COVERAGE", "district:310115", "50")

    in_park = figures_of("CN25-COVERAGE", "park:PARK-A")
    in_district = figures_of("CN25-COVERAGE", "district:310115")
    city = figures_of("CN25-COVERAGE")

    # 2024Q4 (the baseline quarter): park 1/4 = 25.0, district 1/5 = 20.0, city 1/6 = 16.7.
    # The milestone 100 scaled by 60/100 = 60 (park) and 50/100 = 50 (district); 2191 days
    # from 2024-12-31 to 2030-12-31, 2025-03-31 is day 90.
    # Park: 25 + 35 × 90/2191 = 26.4377; 50.0 ÷ 26.44 ≥ 1; 100 × 50 ÷ 60 = 83.3 %.
    assert fields(
        in_park["2025Q1"], "actual", "planned", "target_value", "percent_of_target", "status"
    ) == {
        "actual": D("50.0"),
        "planned": D("26.44"),
        "target_value": 60,
        "percent_of_target": D("83.3"),
        "status": "on_track",
    }
    # District: 20 + 30 × 90/2191 = 21.2323; 40.0 of 50 = 80.0 %.
    assert fields(in_district["2025Q1"], "actual", "planned", "percent_of_target", "status") == {
        "actual": D("40.0"),
        "planned": D("21.23"),
        "percent_of_target": D("80.0"),
        "status": "on_track",
    }
    # The city: 16.7 + 83.3 × 90/2191 = 20.1217, against 100.
    assert fields(city["2025Q1"], "actual", "planned", "target_value") == {
        "actual": D("33.3"),
        "planned": D("20.12"),
        "target_value": 100,
    }
    # 2025Q2: the park's 75.0 ≥ 60: achieved (125.0 %). Its line through 50, 75 (slope 25)
    # read at 2030Q4 (8123) is 62.5 + 25 × 22.5 = 625, capped at 100 for a share; achieved,
    # so no attainment quarter.
    assert fields(
        in_park["2025Q2"],
        "status",
        "percent_of_target",
        "projected_at_deadline",
        "projected_attainment",
    ) == {
        "status": "achieved",
        "percent_of_target": D("125.0"),
        "projected_at_deadline": D("100.00"),
        "projected_attainment": None,
    }
    assert in_district["2025Q2"].status == "achieved"  # 60.0 ≥ 50
    # Shares are not a share of the city's.
    assert in_park["2025Q2"].share_of_city is None


# --- achieved, at risk, missed for an allocated park --------------------------------------


def test_an_allocated_park_is_achieved_at_risk_or_missed_by_the_citys_rules(
    enterprise, other_enterprise
):
    # AIC-PILOT: about 20 by 2023-12-31, milestones 10 (2022-12-31) and 20 (2023-12-31),
    # baseline 0 on 2021-12-31. Each park gets 10: milestones scaled to 5 and 10; "about"
    # means achieved at 90 % of 10 = 9.
    allocate("AIC-PILOT", "park:PARK-A", "10")
    allocate("AIC-PILOT", "park:PARK-B", "10")
    for granted, times in (
        ("2022-02-01", 2),
        ("2022-05-01", 1),
        ("2022-11-01", 2),
        ("2023-02-01", 1),
        ("2023-05-01", 1),
        ("2023-08-01", 1),
    ):
        designate("pilot_project", granted, enterprise, times)
    designate("pilot_project", "2023-04-10", other_enterprise, times=9)

    a = figures_of("AIC-PILOT", "park:PARK-A")
    b = figures_of("AIC-PILOT", "park:PARK-B")

    # PARK-A: actual 2, 3, 3, 5 | 6, 7, 8, 8 from 2022Q1. Planned 5 × 90/365 = 1.23,
    # 5 × 181/365 = 2.48, 5 × 273/365 = 3.74, 5.00 | 5 + 5 × 90/365 = 6.23, 7.48, 8.74, 10.
    planned = {p: a[p].planned for p in ("2022Q1", "2022Q2", "2022Q3", "2022Q4", "2023Q1")}
    assert planned == {
        "2022Q1": D("1.23"),
        "2022Q2": D("2.48"),
        "2022Q3": D("3.74"),
        "2022Q4": D("5.00"),
        "2023Q1": D("6.23"),
    }
    statuses = {p: a[p].status for p in a if p <= "2024Q1"}
    assert statuses == {
        "2022Q1": "on_track",  # 2 ÷ 1.23
        "2022Q2": "on_track",  # 3 ÷ 2.48
        "2022Q3": "off_track",  # 3 ÷ 3.74 = 0.80
        "2022Q4": "on_track",  # 5 ÷ 5
        "2023Q1": "at_risk",  # 6 ÷ 6.2329 = 0.963
        "2023Q2": "at_risk",  # 7 ÷ 7.4795 = 0.936
        "2023Q3": "at_risk",  # 8 ÷ 8.7397 = 0.915
        "2023Q4": "missed",  # 8 < 9 at the deadline
        "2024Q1": "missed",
    }
    # 2023Q3: line through 5, 6, 7, 8 (2022Q4-2023Q3): slope 1, read at 2023Q4 (8095):
    # 6.5 + 2.5 = 9.00; reaches 9 at 8092.5 + 2.5 = 8095 = 2023Q4.
    assert fields(a["2023Q3"], "percent_of_target", "projected_at_deadline") == {
        "percent_of_target": D("80.0"),
        "projected_at_deadline": D("9.00"),
    }
    assert a["2023Q3"].projected_attainment == Q("2023Q4")
    # PARK-B: nothing by 2023Q1 (0 ÷ 6.23: off track), 9 in 2023Q2: 9 ≥ 9, achieved with 90.0 %.
    assert b["2023Q1"].status == "off_track"
    assert fields(b["2023Q2"], "actual", "status", "percent_of_target") == {
        "actual": 9,
        "status": "achieved",
        "percent_of_target": D("90.0"),
    }
    assert b["2024Q1"].status == "achieved"
    # The city is unchanged by the allocations: 2 of 20's planned 10 × 90/365 = 2.47.
    assert figures_of("AIC-PILOT")["2022Q1"].planned == D("2.47")


def test_a_scope_without_an_allocation_keeps_its_planned_values_and_status_null(enterprise):
    designate("smart_factory_benchmark", "2023-02-10", enterprise)
    allocate("SH23-SF-BENCH", "park:PARK-A", "4")

    district = figures_of("SH23-SF-BENCH", "district:310115")["2023Q1"]

    assert district.actual == 1
    assert fields(district, *NULLS) == NULLS


def test_allocations_do_not_change_the_citys_figures(enterprise, other_enterprise):
    designate("smart_factory_benchmark", "2023-02-10", enterprise)
    designate("smart_factory_benchmark", "2023-08-10", other_enterprise)
    before = figures_of("SH23-SF-BENCH")

    allocate("SH23-SF-BENCH", "park:PARK-A", "4", [("2024-12-31", "2")])
    allocate("SH23-SF-BENCH", "district:310115", "7")

    assert figures_of("SH23-SF-BENCH") == before


# --- a deleted allocation ------------------------------------------------------------------


def test_a_deleted_allocation_turns_the_scopes_fields_back_to_null(enterprise):
    designate("smart_factory_benchmark", "2023-02-10", enterprise)
    allocation = allocate("SH23-SF-BENCH", "park:PARK-A", "4")
    services.snapshots_rebuild()

    def stored() -> Snapshot:
        return Snapshot.objects.get(
            target__code="SH23-SF-BENCH", period=Q("2023Q1"), scope="park:PARK-A"
        )

    # 0 → 4 (4 of 10, scaled) over 1096 days: 4 × 90/1096 = 0.3285; 1 ÷ 0.33: on track.
    assert fields(stored(), "planned", "target_value", "percent_of_target", "status") == {
        "planned": D("0.33"),
        "target_value": 4,
        "percent_of_target": D("25.0"),
        "status": "on_track",
    }
    RecomputeRequest.objects.all().delete()

    with transaction.atomic():
        target_services.allocation_delete(allocation=allocation)
    request = RecomputeRequest.objects.get()
    assert request.targets == ["SH23-SF-BENCH"]
    assert request.from_period is None
    services.rollup_dispatch()

    figure = stored()
    assert figure.actual == 1
    assert fields(figure, *NULLS) == NULLS
