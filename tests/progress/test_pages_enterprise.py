"""The enterprise profile: identity, the dimensions, the report history, the figures over
time, the items claimed (and whether they count) and the designations.

Who may open it: officials and analysts any enterprise, a park manager their park's, a
reporter their own; any other enterprise answers 404 as if it did not exist.
"""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from reporting.models import Submission
from targets.models import DesignationKind
from tests.factories import (
    DesignationFactory,
    EnterpriseFactory,
    ReporterFactory,
    SubmissionFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

P2021Q4 = 2021 * 4 + 3
P2022Q4 = 2022 * 4 + 3
P2024Q1 = 2024 * 4
P2024Q2 = 2024 * 4 + 1
P2024Q3 = 2024 * 4 + 2
P2024Q4 = 2024 * 4 + 3


def url(enterprise) -> str:
    return f"/progress/enterprises/{enterprise.uscc}/"


def approved(enterprise, period: int, metrics=None, items=None):
    return SubmissionFactory(
        enterprise=enterprise,
        period=period,
        metrics=metrics or {},
        items=items or [],
        approved=True,
    )


def drug(identifier: str, date: str) -> dict[str, str]:
    return {"kind": "ai_drug_clinical", "identifier": identifier, "date": date}


def verdicts(response, identifier: str) -> dict[str, object]:
    """target code → verdict of the item with this identifier."""
    item = next(i for i in response.context["items"] if i.identifier == identifier)
    return {v.target_code: v for v in item.verdicts}


# --- who may open it ---------------------------------------------------------------------


def test_officials_and_analysts_open_any_enterprise(client, official, analyst, other_enterprise):
    for user in (official, analyst):
        client.force_login(user)
        assert client.get(url(other_enterprise)).status_code == 200


def test_a_park_manager_opens_their_parks_enterprises_only(
    client, park_manager, enterprise, other_enterprise
):
    client.force_login(park_manager)
    assert client.get(url(enterprise)).status_code == 200
    assert client.get(url(other_enterprise)).status_code == 404


def test_a_reporter_opens_their_own_enterprise_only(client, reporter, enterprise, other_enterprise):
    neighbour = EnterpriseFactory(park=enterprise.park, district=enterprise.district)
    client.force_login(reporter)
    assert client.get(url(enterprise)).status_code == 200
    assert client.get(url(neighbour)).status_code == 404
    assert client.get(url(other_enterprise)).status_code == 404


def test_an_unknown_code_looks_like_a_forbidden_one(client, park_manager):
    client.force_login(park_manager)
    assert client.get("/progress/enterprises/913100000000000000/").status_code == 404


def test_the_code_in_the_address_is_normalised(client, official, enterprise):
    client.force_login(official)
    response = client.get(f"/progress/enterprises/{enterprise.uscc.lower()}%20/")
    assert response.status_code == 200
    assert response.context["enterprise"] == enterprise


def test_a_visitor_is_sent_to_the_login(client, enterprise):
    assert client.get(url(enterprise)).status_code == 302


def test_a_user_without_a_role_is_refused(client, enterprise):
    nobody = UserFactory(username="nobody", role="")
    client.force_login(nobody)
    assert client.get(url(enterprise)).status_code == 403


# --- identity and dimensions -------------------------------------------------------------


def test_the_identity_and_the_dimensions_are_shown(client, official, enterprise):
    approved(enterprise, P2024Q1, {"digital_staff": 12, "dcmm_level": 3, "erp_deployed": True})
    client.force_login(official)
    response = client.get(url(enterprise))
    content = response.content.decode()
    assert enterprise.name in content
    assert enterprise.uscc in content
    assert enterprise.park.name in content
    keys = [d.key for d in response.context["dimensions"]]
    assert keys == ["space", "talent", "capital", "product", "innovation", "operations"]
    figures = {f.metric.code: f for d in response.context["dimensions"] for f in d.figures}
    assert figures["digital_staff"].value == 12
    assert figures["digital_staff"].period_label == "2024Q1"
    assert figures["dcmm_level"].display == "L3 · Robust"
    assert figures["erp_deployed"].display == "Yes"
    innovation = next(d for d in response.context["dimensions"] if d.key == "innovation")
    assert [f.metric.code for f in innovation.figures] == ["dcmm_level"]


def test_each_figure_is_the_latest_approved_value_with_its_quarter(client, official, enterprise):
    approved(enterprise, P2024Q1, {"revenue": 100, "digital_staff": 10})
    approved(enterprise, P2024Q2, {"revenue": 120})
    SubmissionFactory(
        enterprise=enterprise, period=P2024Q3, metrics={"revenue": 999}, submitted=True
    )
    client.force_login(official)
    response = client.get(url(enterprise))
    figures = {f.metric.code: f for d in response.context["dimensions"] for f in d.figures}
    assert (figures["revenue"].value, figures["revenue"].period_label) == (120, "2024Q2")
    assert (figures["digital_staff"].value, figures["digital_staff"].period_label) == (
        10,
        "2024Q1",
    )


# --- report history ----------------------------------------------------------------------


def test_the_history_shows_every_owed_quarter_with_its_status(client, official, enterprise):
    approved(enterprise, P2024Q1)
    SubmissionFactory(enterprise=enterprise, period=P2024Q2, submitted=True)
    SubmissionFactory(enterprise=enterprise, period=P2024Q3, returned=True)
    SubmissionFactory(enterprise=enterprise, period=P2021Q4, approved=True)  # before 2022
    client.force_login(official)
    response = client.get(url(enterprise))
    rows = {row.period_label: row for row in response.context["history"]}
    assert rows["2022Q1"].owed  # the programme's first quarter: the enterprise is active
    assert rows["2024Q1"].status == "approved"
    assert rows["2024Q2"].status == "submitted"
    assert rows["2024Q3"].status == "returned"
    assert rows["2024Q4"].status == "missing"
    assert rows["2024Q4"].overdue  # due on 2025-01-15, nothing handed in
    assert not rows["2024Q2"].overdue
    assert not rows["2021Q4"].owed  # reported, but before the programme
    content = response.content.decode()
    report = Submission.objects.get(enterprise=enterprise, period=P2024Q1)
    assert f'href="/reports/{report.pk}/"' in content
    assert 'data-period="2024Q4" data-status="missing"' in content
    assert 'data-testid="overdue"' in content
    periods = [row.period for row in response.context["history"]]
    assert periods == sorted(periods, reverse=True)  # newest first


def test_an_enterprise_owes_nothing_before_it_started(client, official):
    late = EnterpriseFactory(active_from=dt.date(2024, 5, 1))
    client.force_login(official)
    periods = [row.period for row in client.get(url(late)).context["history"]]
    assert min(periods) == P2024Q2


# --- figures over time -------------------------------------------------------------------


def test_the_charts_hold_the_approved_values_quarter_by_quarter(client, official, enterprise):
    approved(enterprise, P2024Q1, {"digital_staff": 12, "revenue": "1500.5", "mes_deployed": 1})
    approved(enterprise, P2024Q3, {"digital_staff": 15, "revenue": 1800, "mes_deployed": 1})
    client.force_login(official)
    response = client.get(url(enterprise))
    assert response.context["quarters"] == ["2024Q1", "2024Q2", "2024Q3"]
    dimensions = {d.key: d for d in response.context["dimensions"]}
    talent = dimensions["talent"].chart["data"]
    staff = next(t for t in talent if "Dedicated digital staff" in t["name"])
    assert staff["x"] == ["2024Q1", "2024Q2", "2024Q3"]
    assert staff["y"] == [12.0, None, 15.0]  # a gap where there is no approved value
    capital = dimensions["capital"].chart["data"]
    revenue = next(t for t in capital if "revenue" in t["name"].lower())
    assert revenue["y"] == [1500.5, None, 1800.0]
    systems = dimensions["operations"].chart["data"][-1]
    assert systems["y"] == [1.0, None, 1.0]  # MES is one of the five systems
    table = dict(dimensions["talent"].table_rows)
    staff_row = next(values for label, values in table.items() if "digital staff" in label)
    assert staff_row == ["12", "—", "15"]
    content = response.content.decode()
    assert 'data-chart="chart-talent"' in content
    assert 'data-testid="table-talent"' in content


def test_a_profile_without_approved_reports_has_no_charts(client, official, enterprise):
    client.force_login(official)
    response = client.get(url(enterprise))
    assert all(d.chart is None for d in response.context["dimensions"])
    assert "No approved report yet." in response.content.decode()


# --- items: whether they count and why not -----------------------------------------------


def test_an_item_counts_when_it_is_the_first_approved_claim(client, official, enterprise):
    approved(enterprise, P2024Q1, items=[drug("CTR20240001", "2024-02-01")])
    client.force_login(official)
    found = verdicts(client.get(url(enterprise)), "CTR20240001")
    assert found["SH23-AI-DRUG"].state == "counts"


def test_an_item_claimed_first_by_another_enterprise_says_so(
    client, official, enterprise, other_enterprise
):
    approved(other_enterprise, P2024Q1, items=[drug("CTR-SHARED", "2024-01-10")])
    approved(enterprise, P2024Q2, items=[drug("ctr-shared", "2024-04-02")])
    client.force_login(official)
    verdict = verdicts(client.get(url(enterprise)), "ctr-shared")["SH23-AI-DRUG"]
    assert verdict.state == "not"
    assert other_enterprise.name in verdict.reason
    assert "claimed the same identifier first" in verdict.reason
    assert verdict.link[1] == url(other_enterprise)
    # The other enterprise's own claim counts.
    first = verdicts(client.get(url(other_enterprise)), "CTR-SHARED")["SH23-AI-DRUG"]
    assert first.state == "counts"


def test_a_reporter_is_not_told_which_enterprise_claimed_first(
    client, reporter, enterprise, other_enterprise
):
    approved(other_enterprise, P2024Q1, items=[drug("CTR-SHARED", "2024-01-10")])
    approved(enterprise, P2024Q2, items=[drug("CTR-SHARED", "2024-04-02")])
    client.force_login(reporter)
    response = client.get(url(enterprise))
    verdict = verdicts(response, "CTR-SHARED")["SH23-AI-DRUG"]
    assert verdict.state == "not"
    assert "another enterprise" in verdict.reason
    assert verdict.link is None
    assert other_enterprise.name not in response.content.decode()


def test_an_item_claimed_again_by_the_same_enterprise_counts_once(client, official, enterprise):
    approved(enterprise, P2024Q1, items=[drug("CTR-AGAIN", "2024-02-01")])
    approved(enterprise, P2024Q3, items=[drug("CTR-AGAIN", "2024-08-01")])
    client.force_login(official)
    items = client.get(url(enterprise)).context["items"]
    states = sorted((i.date, i.verdicts[0].state, i.verdicts[0].reason) for i in items)
    assert states[0][1] == "counts"
    assert states[1][1] == "not"
    assert (
        "this enterprise claimed the same identifier first, in its 2024Q1 report" in (states[1][2])
    )


def test_an_item_dated_before_the_target_counts_says_why(client, official, enterprise):
    approved(enterprise, P2022Q4, items=[drug("CTR-EARLY", "2022-11-20")])
    client.force_login(official)
    verdict = verdicts(client.get(url(enterprise)), "CTR-EARLY")["SH23-AI-DRUG"]
    assert verdict.state == "not"
    assert "Dated before 2023-01-01" in verdict.reason


def test_an_item_of_a_report_not_yet_approved_does_not_count_yet(client, official, enterprise):
    SubmissionFactory(
        enterprise=enterprise,
        period=P2024Q1,
        items=[drug("CTR-WAITING", "2024-02-01")],
        submitted=True,
    )
    client.force_login(official)
    verdict = verdicts(client.get(url(enterprise)), "CTR-WAITING")["SH23-AI-DRUG"]
    assert verdict.state == "pending"
    assert "until its report is approved" in verdict.reason


def test_a_standard_outside_a_targets_filter_says_so(client, official, enterprise):
    standard = {
        "kind": "standard",
        "identifier": "T/SHPA 001-2025",
        "date": "2025-03-01",
        "attributes": {"level": "group"},
    }
    approved(enterprise, 2025 * 4, items=[standard])
    client.force_login(official)
    found = verdicts(client.get(url(enterprise)), "T/SHPA 001-2025")
    assert found["SH23-STANDARD"].state == "counts"
    assert found["CN25-STANDARD"].state == "not"
    assert "counts only items of" in found["CN25-STANDARD"].reason
    dimensions = {d.key: d for d in client.get(url(enterprise)).context["dimensions"]}
    [summary] = dimensions["innovation"].items
    assert (summary.claimed, summary.counting) == (1, 1)


# --- designations ------------------------------------------------------------------------


def test_designations_say_whether_they_count_now(client, official, enterprise):
    benchmark = DesignationKind.objects.get(code="smart_factory_benchmark")
    kept = DesignationFactory(enterprise=enterprise, kind=benchmark, granted_on=dt.date(2024, 3, 1))
    revoked = DesignationFactory(
        enterprise=enterprise,
        kind=benchmark,
        granted_on=dt.date(2023, 3, 1),
        revoked_on=dt.date(2024, 6, 30),
    )
    client.force_login(official)
    rows = {row.designation.pk: row for row in client.get(url(enterprise)).context["designations"]}
    assert rows[kept.pk].counts
    assert rows[kept.pk].verdicts[0].target_code == "SH23-SF-BENCH"
    assert not rows[revoked.pk].counts
    assert "Revoked on 2024-06-30" in rows[revoked.pk].verdicts[0].reason


# --- queries -----------------------------------------------------------------------------


def _queries(client, enterprise) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url(enterprise)).status_code == 200
    return len(captured)


def _reports(enterprise, quarters: list[int]) -> None:
    for n, period in enumerate(quarters):
        year = period // 4
        month = (period % 4) * 3 + 1
        approved(
            enterprise,
            period,
            {"digital_staff": n, "revenue": n * 10, "dcmm_level": n % 6, "erp_deployed": n % 2},
            [
                drug(f"CTR-{enterprise.pk}-{n}", f"{year}-{month:02d}-05"),
                {"kind": "scenario", "identifier": f"S{n}", "date": f"{year}-{month:02d}-06"},
            ],
        )
    DesignationFactory(enterprise=enterprise, granted_on=dt.date(2024, 3, 1))


def test_the_profile_makes_the_same_number_of_queries_for_more_reports_and_items(
    client, official, enterprise, other_enterprise
):
    client.force_login(official)
    first = EnterpriseFactory()
    _reports(enterprise, [P2024Q1, P2024Q2])
    approved(first, P2022Q4, items=[drug(f"CTR-{enterprise.pk}-1", "2023-01-01")])
    few = _queries(client, enterprise)
    _reports(other_enterprise, list(range(2022 * 4, 2026 * 4 + 2)))  # 18 quarters
    approved(first, P2021Q4, items=[drug(f"CTR-{other_enterprise.pk}-9", "2021-12-01")])
    approved(first, P2024Q4, items=[drug(f"CTR-{other_enterprise.pk}-3", "2023-01-01")])
    assert _queries(client, other_enterprise) == few <= 20


def test_a_reporter_profile_makes_as_few_queries(client, enterprise):
    client.force_login(ReporterFactory(username="own", enterprise=enterprise))
    _reports(enterprise, [P2024Q1, P2024Q2, P2024Q3, P2024Q4])
    assert _queries(client, enterprise) <= 20
