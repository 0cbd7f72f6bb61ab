"""Each rule kind against hand-computed figures (DOMAIN.md, "How each target is computed")."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from enterprises.models import Designation, Enterprise
from targets.models import DesignationKind
from targets.periods import period_parse
from tests import factories
from tests.factories import SubmissionFactory
from tests.progress.helpers import actuals_of, figures_of

pytestmark = pytest.mark.django_db

D = Decimal
Q = period_parse


def company(**fields: Any) -> Enterprise:
    return factories.EnterpriseFactory(**fields)  # type: ignore[return-value]


def designate(kind: str, granted: str, revoked: str | None = None, **subject) -> Designation:
    return Designation.objects.create(
        kind=DesignationKind.objects.get(code=kind),
        granted_on=dt.date.fromisoformat(granted),
        revoked_on=dt.date.fromisoformat(revoked) if revoked else None,
        **subject,
    )


# --- designation_count ------------------------------------------------------------------


def test_a_designation_revoked_on_the_quarter_end_no_longer_counts_in_that_quarter(enterprise):
    designate("smart_factory_benchmark", "2023-02-10", "2023-06-30", enterprise=enterprise)
    designate("smart_factory_benchmark", "2023-06-30", enterprise=enterprise)
    designate("smart_factory_benchmark", "2023-03-01", "2023-07-01", enterprise=enterprise)
    designate("smart_factory_benchmark", "2022-12-31", enterprise=enterprise)

    actuals = actuals_of("SH23-SF-BENCH")

    assert "2022Q4" not in actuals
    assert actuals["2023Q1"] == 2
    assert actuals["2023Q2"] == 2
    assert actuals["2023Q3"] == 1
    assert actuals["2026Q3"] == 1


def test_designations_belong_to_the_subjects_district_and_park(enterprise, park, other_park):
    provider = factories.ProviderFactory()  # district 310104
    designate("demo_park", "2023-05-01", park=other_park)
    designate("excellent_provider", "2023-05-01", provider=provider)
    designate("regulatory_platform", "2023-05-01")
    designate("industrial_internet_platform", "2023-05-01", enterprise=enterprise)
    designate("industrial_internet_platform", "2023-05-01", provider=provider)

    assert actuals_of("SH23-PARK", "park:PARK-B")["2023Q2"] == 1
    assert actuals_of("SH23-PARK", "park:PARK-A")["2023Q2"] == 0
    assert actuals_of("SH23-PARK", "district:310115")["2023Q2"] == 1
    assert actuals_of("SH23-PROVIDER", "district:310104")["2023Q2"] == 1
    assert actuals_of("SH23-PROVIDER", "city")["2023Q2"] == 1
    assert actuals_of("SH23-REG-PLATFORM", "city")["2023Q2"] == 1
    assert actuals_of("SH23-REG-PLATFORM", "district:310115")["2023Q2"] == 0
    assert actuals_of("SH23-IIP", "city")["2023Q2"] == 2
    assert actuals_of("SH23-IIP", "district:310104")["2023Q2"] == 1
    assert actuals_of("SH23-IIP", "park:PARK-A")["2023Q2"] == 1


def test_city_figures_interpolate_planned_by_days_and_project_the_trend(enterprise):
    for granted in ("2023-01-05", "2023-04-05", "2023-07-05", "2023-10-05"):
        designate("smart_factory_benchmark", granted, enterprise=enterprise)

    figures = figures_of("SH23-SF-BENCH")

    q1, q2, q4 = figures["2023Q1"], figures["2023Q2"], figures["2023Q4"]
    # planned: 0 on 2022-12-31 → 10 on 2025-12-31 (1096 days); 2023-03-31 is day 90.
    assert q1.planned == D("0.82")
    assert q2.planned == D("1.65")  # 181 / 1096 × 10 = 1.6514
    assert q1.status == "on_track"  # 1 ÷ 0.8212 ≥ 1
    assert q1.percent_of_target == D("10.0")
    assert q1.target_value == 10
    # One point: no line.
    assert q1.projected_at_deadline is None
    assert q1.projected_attainment is None
    # 1, 2 → slope 1: 2023Q2 (8093) + 10 quarters to 2025Q4 (8103) = 12; 10 reached in 2025Q2.
    assert q2.projected_at_deadline == D("12.00")
    assert q2.projected_attainment == Q("2025Q2")
    assert q4.projected_at_deadline == D("12.00")
    assert q4.projected_attainment == Q("2025Q2")
    # From the deadline's quarter on there is no projection.
    assert figures["2025Q4"].projected_at_deadline is None
    assert figures["2025Q4"].status == "missed"


def test_approximately_is_achieved_at_exactly_ninety_percent(enterprise):
    for _ in range(18):
        designate("pilot_project", "2022-02-01", enterprise=enterprise)

    figure = figures_of("AIC-PILOT")["2022Q1"]

    assert figure.actual == 18
    assert figure.status == "achieved"
    assert figure.projected_attainment is None


def test_below_the_target_at_the_deadline_is_missed(enterprise):
    for _ in range(17):
        designate("pilot_project", "2022-02-01", enterprise=enterprise)

    figures = figures_of("AIC-PILOT")

    # 2023-09-30: 10 + 10 × 273/365 = 17.479; 17 ÷ 17.479 = 0.973 → at risk.
    assert figures["2023Q3"].planned == D("17.48")
    assert figures["2023Q3"].status == "at_risk"
    assert figures["2023Q4"].status == "missed"
    assert figures["2024Q1"].status == "missed"
    # A flat line never rises: no attainment, and the projection keeps the actual.
    assert figures["2023Q3"].projected_at_deadline == D("17.00")
    assert figures["2023Q3"].projected_attainment is None


# --- item_distinct ----------------------------------------------------------------------


def drug(identifier: str, date: str) -> dict[str, object]:
    return {"kind": "ai_drug_clinical", "identifier": identifier, "date": date}


def test_the_same_drug_from_two_enterprises_counts_once_but_in_each_park(
    enterprise, other_enterprise
):
    SubmissionFactory(
        enterprise=enterprise,
        period=Q("2023Q1"),
        items=[drug("ＣＴＲ２０２４ 0001", "2023-03-31"), drug("CTR-OLD", "2022-12-31")],
        approved=True,
    )
    SubmissionFactory(
        enterprise=other_enterprise,
        period=Q("2023Q2"),
        items=[drug("CTR20240001", "2023-05-01")],
        approved=True,
    )

    city = actuals_of("SH23-AI-DRUG")
    assert city["2023Q1"] == 1  # dated exactly on the quarter end: counts in it
    assert city["2023Q2"] == 1
    assert actuals_of("SH23-AI-DRUG", "park:PARK-A")["2023Q1"] == 1
    assert actuals_of("SH23-AI-DRUG", "park:PARK-B")["2023Q1"] == 0
    assert actuals_of("SH23-AI-DRUG", "park:PARK-B")["2023Q2"] == 1
    # Both parks are in 310115: the district counts the drug once too.
    assert actuals_of("SH23-AI-DRUG", "district:310115")["2023Q2"] == 1
    assert figures_of("SH23-AI-DRUG", "park:PARK-A")["2023Q2"].share_of_city == D("100.0")


def test_a_scenario_counts_once_per_enterprise(enterprise, other_enterprise):
    scenario: dict[str, object] = {
        "kind": "scenario",
        "identifier": "Smart QC",
        "date": "2023-02-01",
    }
    SubmissionFactory(enterprise=enterprise, period=Q("2023Q1"), items=[scenario], approved=True)
    SubmissionFactory(
        enterprise=enterprise,
        period=Q("2023Q2"),
        items=[{**scenario, "identifier": " smart  qc", "date": "2023-05-01"}],
        approved=True,
    )
    SubmissionFactory(
        enterprise=other_enterprise,
        period=Q("2023Q2"),
        items=[{**scenario, "date": "2023-05-01"}],
        approved=True,
    )

    assert actuals_of("SH23-SCENARIO")["2023Q1"] == 1
    assert actuals_of("SH23-SCENARIO")["2023Q2"] == 2
    assert actuals_of("SH23-SCENARIO", "park:PARK-A")["2023Q2"] == 1


def test_items_of_unapproved_reports_do_not_count(enterprise, other_enterprise):
    third = company()
    SubmissionFactory(
        enterprise=enterprise, period=Q("2023Q1"), items=[drug("A1", "2023-02-01")], returned=True
    )
    SubmissionFactory(
        enterprise=other_enterprise, period=Q("2023Q1"), items=[drug("A2", "2023-02-01")]
    )
    SubmissionFactory(
        enterprise=third, period=Q("2023Q1"), items=[drug("A3", "2023-02-01")], submitted=True
    )

    assert actuals_of("SH23-AI-DRUG")["2023Q1"] == 0


def test_the_where_filter_keeps_national_and_industry_standards(enterprise):
    def standard(identifier: str, date: str, level: str) -> dict[str, object]:
        return {
            "kind": "standard",
            "identifier": identifier,
            "date": date,
            "attributes": {"level": level},
        }

    SubmissionFactory(
        enterprise=enterprise,
        period=Q("2025Q1"),
        items=[
            standard("GB/T 1", "2025-02-01", "national"),
            standard("DB31/T 2", "2025-02-01", "local"),
            standard("YY/T 3", "2024-12-31", "industry"),
        ],
        approved=True,
    )

    assert actuals_of("CN25-STANDARD")["2025Q1"] == 1
    assert "2024Q4" not in actuals_of("CN25-STANDARD")
    assert actuals_of("SH23-STANDARD")["2024Q4"] == 1
    assert actuals_of("SH23-STANDARD")["2025Q1"] == 3


# --- flow_sum ---------------------------------------------------------------------------


def test_flows_add_up_approved_reports_from_the_first_quarter_on(enterprise, other_enterprise):
    SubmissionFactory(
        enterprise=enterprise, period=Q("2023Q1"), metrics={"talent_high_end_new": 5}, approved=True
    )
    SubmissionFactory(
        enterprise=enterprise, period=Q("2023Q2"), metrics={"talent_high_end_new": 7}, returned=True
    )
    SubmissionFactory(enterprise=enterprise, period=Q("2023Q3"), metrics={"talent_high_end_new": 9})
    SubmissionFactory(
        enterprise=other_enterprise,
        period=Q("2022Q4"),
        metrics={"talent_high_end_new": 100},
        approved=True,
    )
    SubmissionFactory(
        enterprise=other_enterprise,
        period=Q("2023Q2"),
        metrics={"talent_high_end_new": 3},
        approved=True,
    )

    actuals = actuals_of("SH23-TALENT-HIGH")

    assert actuals["2023Q1"] == 5
    assert actuals["2023Q2"] == 8
    assert actuals["2023Q3"] == 8
    assert actuals_of("SH23-TALENT-HIGH", "park:PARK-B")["2023Q2"] == 3
    # 100 × 3 ÷ 8 = 37.5
    assert figures_of("SH23-TALENT-HIGH", "park:PARK-B")["2023Q2"].share_of_city == D("37.5")


def test_a_resubmitted_report_counts_its_approved_values_instead_of_the_returned_ones(enterprise):
    returned = SubmissionFactory(
        enterprise=enterprise, period=Q("2023Q1"), metrics={"talent_high_end_new": 7}, returned=True
    )
    assert actuals_of("SH23-TALENT-HIGH")["2023Q1"] == 0
    returned.delete()
    SubmissionFactory(
        enterprise=enterprise, period=Q("2023Q1"), metrics={"talent_high_end_new": 4}, approved=True
    )

    assert actuals_of("SH23-TALENT-HIGH")["2023Q1"] == 4


# --- flag_ever_count --------------------------------------------------------------------


def test_an_enterprise_flagged_once_counts_for_ever(enterprise, other_enterprise):
    third = company()
    SubmissionFactory(
        enterprise=enterprise, period=Q("2022Q2"), metrics={"self_upgrade": True}, approved=True
    )
    SubmissionFactory(
        enterprise=enterprise, period=Q("2022Q3"), metrics={"self_upgrade": False}, approved=True
    )
    SubmissionFactory(
        enterprise=other_enterprise,
        period=Q("2021Q4"),
        metrics={"self_upgrade": True},
        approved=True,
    )
    SubmissionFactory(
        enterprise=third, period=Q("2022Q3"), metrics={"self_upgrade": True}, returned=True
    )

    actuals = actuals_of("AIC-SELF")

    assert actuals["2022Q1"] == 0
    assert actuals["2022Q2"] == 1
    assert actuals["2022Q3"] == 1


# --- flag_latest_count ------------------------------------------------------------------


def test_the_latest_report_decides_and_switching_off_removes_the_enterprise():
    k1, k2, k3 = (company(is_key=True) for _ in range(3))
    other = company(is_key=False)
    SubmissionFactory(
        enterprise=k1, period=Q("2021Q4"), metrics={"cloud_adopted": True}, approved=True
    )
    SubmissionFactory(
        enterprise=k1, period=Q("2022Q3"), metrics={"cloud_adopted": False}, approved=True
    )
    SubmissionFactory(
        enterprise=k2, period=Q("2022Q2"), metrics={"cloud_adopted": True}, approved=True
    )
    SubmissionFactory(
        enterprise=k2, period=Q("2022Q4"), metrics={"cloud_adopted": True}, returned=True
    )
    SubmissionFactory(
        enterprise=k3, period=Q("2022Q1"), metrics={"cloud_adopted": True}, approved=True
    )
    SubmissionFactory(
        enterprise=k3, period=Q("2022Q2"), metrics={"talent_high_end_new": 1}, approved=True
    )
    SubmissionFactory(
        enterprise=other, period=Q("2022Q1"), metrics={"cloud_adopted": True}, approved=True
    )

    actuals = actuals_of("AIC-CLOUD")

    # k1 from its 2021Q4 report (before counts_from); k3 only until a report without the flag.
    assert actuals["2022Q1"] == 2
    assert actuals["2022Q2"] == 2
    assert actuals["2022Q3"] == 1
    assert actuals["2022Q4"] == 1


def test_a_falling_line_has_no_attainment():
    keys = [company(is_key=True) for _ in range(3)]
    for enterprise in keys:
        SubmissionFactory(
            enterprise=enterprise,
            period=Q("2022Q1"),
            metrics={"cloud_adopted": True},
            approved=True,
        )
    SubmissionFactory(
        enterprise=keys[0], period=Q("2022Q2"), metrics={"cloud_adopted": False}, approved=True
    )
    SubmissionFactory(
        enterprise=keys[1], period=Q("2022Q3"), metrics={"cloud_adopted": False}, approved=True
    )

    figure = figures_of("AIC-CLOUD")["2022Q3"]

    assert figure.actual == 1
    # 3, 2, 1: slope -1, read at 2025Q4 far below 0 → 0 (not a cumulative kind).
    assert figure.projected_at_deadline == D("0.00")
    assert figure.projected_attainment is None
    assert figure.status == "off_track"


# --- flag_latest_share ------------------------------------------------------------------


def test_the_share_counts_active_enterprises_and_a_baseline_actual():
    a1 = company(above_scale=True)
    a2 = company(above_scale=True, active_from=dt.date(2025, 4, 1))
    company(above_scale=True)  # never reports: counts as no
    a4 = company(above_scale=True)
    company(above_scale=True, active_until=dt.date(2024, 12, 30))
    SubmissionFactory(
        enterprise=a1, period=Q("2024Q4"), metrics={"dx_transformed": True}, approved=True
    )
    SubmissionFactory(
        enterprise=a2, period=Q("2025Q2"), metrics={"dx_transformed": True}, approved=True
    )
    SubmissionFactory(
        enterprise=a4, period=Q("2025Q1"), metrics={"dx_transformed": False}, approved=True
    )

    figures = figures_of("CN25-COVERAGE")

    assert "2024Q4" not in figures
    assert figures["2025Q1"].actual == D("33.3")  # 1 of 3 (a2 not active yet)
    assert figures["2025Q2"].actual == D("50.0")  # 2 of 4
    # Baseline "actual": 2024Q4 is 1 of 3 = 33.3 → 100 on 2030-12-31 (2191 days).
    # 2025-03-31 is day 90: 33.3 + 66.7 × 90 / 2191 = 36.0398.
    assert figures["2025Q1"].planned == D("36.04")
    assert figures["2025Q1"].status == "at_risk"  # 33.3 ÷ 36.0398 = 0.924
    assert figures["2025Q1"].share_of_city is None
    assert figures_of("CN25-COVERAGE", "district:310115")["2025Q2"].share_of_city is None


def test_shares_round_half_away_from_zero():
    enterprises = [company(above_scale=True) for _ in range(16)]
    SubmissionFactory(
        enterprise=enterprises[0],
        period=Q("2025Q1"),
        metrics={"dx_transformed": True},
        approved=True,
    )

    # 100 × 1 ÷ 16 = 6.25 → 6.3 (banker's rounding would give 6.2)
    assert actuals_of("CN25-COVERAGE")["2025Q1"] == D("6.3")
