"""The district and park pages and the comparison heat map: who may open them, the figures
they show (equal to the stored snapshots), the completeness, the maturity counts, the
enterprises' status and contribution, the designations, and a fixed number of queries
whatever the number of enterprises."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from progress.pages.scopes import maturity_counts
from reporting.selectors import completeness
from targets.models import DesignationKind, District
from targets.scopes import Scope
from tests import factories

pytestmark = pytest.mark.django_db

Q4_2024 = 2024 * 4 + 3
Q1_2024 = 2024 * 4
PERIOD = "2024Q4"
DISTRICT = "310115"  # the district of the ``park`` and ``other_park`` fixtures


def figure(code: str, scope: str, period: int = Q4_2024, **fields):
    return factories.SnapshotFactory(code=code, scope=scope, period=period, **fields)


def park_url(park, **params) -> str:
    return f"/progress/parks/{park.code}/"


def get(client, url: str, **params):
    return client.get(url, {"period": PERIOD, **params})


def rows_of(html: str, testid: str) -> str:
    match = re.search(rf'<table[^>]*data-testid="{testid}".*?</table>', html, re.S)
    assert match, testid
    return match.group(0)


def stat(html: str, name: str) -> int:
    match = re.search(rf'data-stat="{name}"[^>]*><span class="n">([\d,]+)</span>', html)
    assert match, name
    return int(match.group(1).replace(",", ""))


@pytest.fixture
def quarter(db):
    """A quarter with figures (pages show the quarters the rollup has computed)."""
    return figure("SH23-SF-BENCH", "city", actual=10)


# --- who may open what -------------------------------------------------------------------


@pytest.mark.parametrize("role", ["official", "analyst"])
def test_officials_and_analysts_open_every_district_and_park(
    client, request, role, park, other_park, quarter
):
    client.force_login(request.getfixturevalue(role))
    for url in (park_url(park), park_url(other_park), f"/progress/districts/{DISTRICT}/"):
        assert get(client, url).status_code == 200, url
    assert get(client, "/progress/compare/").status_code == 200


def test_a_park_manager_opens_their_own_park_and_nothing_else(
    client, park_manager, park, other_park, quarter
):
    client.force_login(park_manager)
    assert get(client, park_url(park)).status_code == 200
    # Another park, their own park's district and an unknown park look the same: 404.
    assert get(client, park_url(other_park)).status_code == 404
    assert get(client, f"/progress/districts/{DISTRICT}/").status_code == 404
    assert get(client, "/progress/parks/NO-SUCH-PARK/").status_code == 404
    # The comparison is for officials and analysts.
    assert get(client, "/progress/compare/").status_code == 403


def test_a_park_manager_lands_on_their_park_page(client, park_manager, park, quarter):
    client.force_login(park_manager)
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith(f"/progress/parks/{park.code}/")


def test_a_park_managers_page_links_no_page_they_may_not_open(client, park_manager, park, quarter):
    client.force_login(park_manager)
    html = get(client, park_url(park)).content.decode()
    assert f"/progress/districts/{DISTRICT}/" not in html
    assert "/progress/compare/" not in html.split("<main", 1)[1]


def test_a_reporter_may_open_no_scope_page(client, reporter, park, quarter):
    client.force_login(reporter)
    assert get(client, park_url(park)).status_code == 403
    assert get(client, f"/progress/districts/{DISTRICT}/").status_code == 403
    assert get(client, "/progress/compare/").status_code == 403


def test_anonymous_visitors_are_sent_to_the_login(client, park):
    response = client.get(park_url(park))
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_unknown_districts_and_parks_answer_404(client, official, quarter):
    client.force_login(official)
    assert get(client, "/progress/districts/999999/").status_code == 404
    assert get(client, "/progress/parks/NOPE/").status_code == 404


# --- the figures -------------------------------------------------------------------------


def test_the_targets_table_shows_the_scopes_snapshots_beside_the_citys(client, official, park):
    figure("SH23-SCENARIO", "city", actual=40)
    figure("SH23-SCENARIO", f"park:{park.code}", actual=10, share_of_city=Decimal("25.0"))
    figure("SH23-AI-DRUG", "city", actual=3)
    figure("SH23-AI-DRUG", f"park:{park.code}", actual=1, share_of_city=Decimal("33.3"))
    figure("SH23-SCENARIO", "city", period=Q4_2024 - 1, actual=99)  # another quarter
    client.force_login(official)
    html = get(client, park_url(park)).content.decode()
    table = rows_of(html, "targets")
    scenario = re.search(r'<tr data-target="SH23-SCENARIO">.*?</tr>', table, re.S).group(0)
    assert re.search(r'data-testid="actual">10 ', scenario)
    assert 'data-testid="city">40<' in scenario
    assert 'data-testid="share">25.0%<' in scenario
    drug = re.search(r'<tr data-target="SH23-AI-DRUG">.*?</tr>', table, re.S).group(0)
    assert 'data-testid="share">33.3%<' in drug
    # Every target links to its page for the scope and the quarter.
    assert f"/progress/targets/SH23-SCENARIO/?scope=park:{park.code}&amp;period=2024Q4" in html
    # No allocation: no planned value or status columns.
    assert "Planned" not in table


def test_the_share_chart_holds_the_snapshots_shares(client, official, park):
    figure("SH23-SCENARIO", "city", actual=40)
    figure("SH23-SCENARIO", f"park:{park.code}", actual=10, share_of_city=Decimal("25.0"))
    client.force_login(official)
    chart = get(client, park_url(park)).context["share_chart"]
    bar = chart["data"][0]
    assert dict(zip(bar["y"], bar["x"], strict=True)) == {"SH23-SCENARIO": 25.0}


def test_an_allocated_scope_shows_planned_and_status(client, official, park):
    figure("SH23-SCENARIO", "city", actual=40)
    figure(
        "SH23-SCENARIO",
        f"park:{park.code}",
        actual=10,
        share_of_city=Decimal("25.0"),
        planned=Decimal("12.5"),
        status="at_risk",
    )
    client.force_login(official)
    table = rows_of(get(client, park_url(park)).content.decode(), "targets")
    assert "Planned" in table
    assert 'data-status="at_risk"' in table
    assert ">12.5<" in table


def test_a_district_page_lists_its_parks_and_a_park_page_its_district(
    client, official, park, other_park, quarter
):
    client.force_login(official)
    district_html = get(client, f"/progress/districts/{DISTRICT}/").content.decode()
    assert f"/progress/parks/{park.code}/?period=2024Q4" in district_html
    assert f"/progress/parks/{other_park.code}/?period=2024Q4" in district_html
    park_html = get(client, park_url(park)).content.decode()
    assert f"/progress/districts/{DISTRICT}/?period=2024Q4" in park_html
    assert f'data-testid="scope-name">{park.name_en}<' in park_html  # tests run in English


# --- completeness ------------------------------------------------------------------------


def test_the_completeness_is_the_quarters_in_the_scope(client, official, park, other_park):
    figure("SH23-SF-BENCH", "city", period=Q1_2024)
    due = timezone.make_aware(dt.datetime(2024, 4, 10, 12))
    after = timezone.make_aware(dt.datetime(2024, 5, 10, 12))
    ones = [factories.EnterpriseFactory(park=park) for _ in range(5)]
    factories.SubmissionFactory(
        enterprise=ones[0], period=Q1_2024, approved=True, first_submitted_at=due
    )
    factories.SubmissionFactory(
        enterprise=ones[1], period=Q1_2024, returned=True, first_submitted_at=due
    )
    factories.SubmissionFactory(
        enterprise=ones[2], period=Q1_2024, submitted=True, first_submitted_at=after, late=True
    )
    factories.SubmissionFactory(enterprise=ones[3], period=Q1_2024)  # a draft
    factories.SubmissionFactory(
        enterprise=factories.EnterpriseFactory(park=other_park), period=Q1_2024, approved=True
    )
    client.force_login(official)
    html = get(client, park_url(park), period="2024Q1").content.decode()
    expected = completeness(period=Q1_2024, scope=Scope.park(park.code))
    assert (expected.active, expected.submitted, expected.approved) == (5, 3, 1)
    assert (expected.returned, expected.late, expected.overdue) == (1, 1, 3)
    for name in ("active", "submitted", "approved", "returned", "overdue", "late"):
        assert stat(html, name) == getattr(expected, name), name
    assert f"/reports/completeness/?period=2024Q1&amp;scope=park:{park.code}" in html


# --- maturity ----------------------------------------------------------------------------


@pytest.fixture
def maturity_example(park, other_park):
    """Four active enterprises in ``park``, read at 2024Q4:
    one at DCMM 3 / smart 2 (its latest approved report, 2024Q3, replaced 2 / 1), one at
    DCMM 3 without a smart-manufacturing value, one with only a submitted report (and an
    approved one after the quarter), one that never reported. Outside: an enterprise of
    another park and one that closed before the quarter."""
    a, b, c, _d = (factories.EnterpriseFactory(park=park) for _ in range(4))
    report = factories.SubmissionFactory
    report(
        enterprise=a, period=Q1_2024, approved=True, metrics={"dcmm_level": 2, "smart_mfg_level": 1}
    )
    report(
        enterprise=a,
        period=Q1_2024 + 2,
        approved=True,
        metrics={"dcmm_level": 3, "smart_mfg_level": 2},
    )
    report(enterprise=b, period=Q1_2024 + 1, approved=True, metrics={"dcmm_level": 3})
    report(enterprise=c, period=Q4_2024, submitted=True, metrics={"dcmm_level": 5})
    report(enterprise=c, period=Q4_2024 + 1, approved=True, metrics={"dcmm_level": 4})
    elsewhere = factories.EnterpriseFactory(park=other_park)
    report(enterprise=elsewhere, period=Q1_2024, approved=True, metrics={"dcmm_level": 1})
    closed = factories.EnterpriseFactory(park=park, active_until=dt.date(2023, 12, 31))
    report(enterprise=closed, period=2023 * 4, approved=True, metrics={"dcmm_level": 1})


def test_maturity_counts_each_enterprise_at_its_latest_approved_level(park, maturity_example):
    counted = maturity_counts(Scope.park(park.code), Q4_2024)
    assert counted.dcmm == {3: 2, None: 2}
    assert counted.smart == {2: 1, None: 3}
    earlier = maturity_counts(Scope.park(park.code), Q1_2024 + 1)  # 2024Q2
    assert earlier.dcmm == {2: 1, 3: 1, None: 2}
    assert earlier.smart == {1: 1, None: 3}


def test_the_maturity_table_and_chart_show_the_counts(client, official, park, maturity_example):
    figure("SH23-SF-BENCH", "city")
    client.force_login(official)
    response = get(client, park_url(park))
    table = rows_of(response.content.decode(), "maturity")
    cells = dict(re.findall(r'<tr data-level="(\w+)">.*?data-metric="dcmm">(\d+)<', table, re.S))
    assert cells == {"0": "0", "1": "0", "2": "0", "3": "2", "4": "0", "5": "0", "none": "2"}
    smart = dict(re.findall(r'<tr data-level="(\w+)">.*?data-metric="smart">(\d+)<', table, re.S))
    assert smart["2"] == "1"
    assert smart["none"] == "3"
    dcmm_bars = response.context["maturity_chart"]["data"][0]["y"]
    assert dcmm_bars == [0, 0, 0, 2, 0, 0, 2]


# --- enterprises -------------------------------------------------------------------------


def test_each_enterprise_shows_its_report_status_for_the_quarter(client, official, park):
    figure("SH23-SF-BENCH", "city")
    statuses: dict[str, str] = {}
    for status in ("approved", "submitted", "returned", "draft"):
        enterprise = factories.EnterpriseFactory(park=park)
        factories.SubmissionFactory(enterprise=enterprise, period=Q4_2024, status=status)
        statuses[str(enterprise.uscc)] = status
    missing = factories.EnterpriseFactory(park=park)
    statuses[str(missing.uscc)] = "missing"
    client.force_login(official)
    table = rows_of(get(client, park_url(park)).content.decode(), "enterprises")
    shown = dict(re.findall(r'<tr data-uscc="(\w+)">.*?data-status="(\w+)"', table, re.S))
    assert shown == statuses
    # 2024Q4 was due on 2025-01-15: the missing report and the draft are overdue.
    overdue = re.findall(r'<tr data-uscc="(\w+)">(?:(?!</tr>).)*badge overdue', table, re.S)
    assert sorted(overdue) == sorted(u for u, s in statuses.items() if s in ("draft", "missing"))
    # Officials follow each enterprise to its page.
    assert f"/progress/enterprises/{missing.uscc}/" in table


def test_an_enterprises_contribution_counts_designations_items_and_flags(client, official, park):
    figure("SH23-SF-BENCH", "city")
    enterprise = factories.EnterpriseFactory(park=park)
    factories.DesignationFactory(enterprise=enterprise, granted_on=dt.date(2024, 3, 1))
    factories.DesignationFactory(  # revoked before the quarter's end: no longer held
        enterprise=enterprise, granted_on=dt.date(2024, 3, 1), revoked_on=dt.date(2024, 6, 1)
    )
    factories.DesignationFactory(  # granted after the quarter
        enterprise=enterprise, granted_on=dt.date(2025, 3, 1)
    )
    scenario = {"kind": "scenario", "identifier": "S-1", "date": "2024-05-01"}
    factories.SubmissionFactory(
        enterprise=enterprise,
        period=Q1_2024 + 1,
        approved=True,
        metrics={"cloud_adopted": "True", "self_upgrade": "True"},
        items=[scenario, {"kind": "standard", "identifier": "T/SH 1", "date": "2024-06-01"}],
    )
    factories.SubmissionFactory(  # the same scenario again, and a flag switched off
        enterprise=enterprise,
        period=Q1_2024 + 2,
        approved=True,
        metrics={"cloud_adopted": "True", "self_upgrade": "False"},
        items=[scenario],
    )
    factories.SubmissionFactory(  # not approved: counts for nothing
        enterprise=enterprise,
        period=Q4_2024,
        submitted=True,
        metrics={"dx_transformed": "True"},
        items=[{"kind": "scenario", "identifier": "S-2", "date": "2024-11-01"}],
    )
    client.force_login(official)
    table = rows_of(get(client, park_url(park)).content.decode(), "enterprises")
    cell = re.search(r'data-testid="contribution"([^>]*)>', table).group(1)
    assert 'data-designations="1"' in cell
    assert 'data-items="2"' in cell
    assert 'data-flags="1"' in cell


@pytest.mark.parametrize(
    "sort", ["name", "-uscc", "segment", "key", "status", "-latest", "-contribution"]
)
def test_the_enterprises_sort_by_every_column(client, official, park, sort):
    figure("SH23-SF-BENCH", "city")
    factories.EnterpriseFactory(park=park, name="乙企业", is_key=True)
    factories.EnterpriseFactory(park=park, name="甲企业")
    client.force_login(official)
    response = get(client, park_url(park), sort=sort)
    assert response.status_code == 200
    assert response.context["sort"].param == sort


def test_enterprises_sorted_by_contribution_put_the_largest_first(client, official, park):
    figure("SH23-SF-BENCH", "city")
    small = factories.EnterpriseFactory(park=park)
    large = factories.EnterpriseFactory(park=park)
    factories.DesignationFactory(enterprise=large, granted_on=dt.date(2024, 1, 5))
    factories.DesignationFactory(enterprise=large, granted_on=dt.date(2024, 2, 5))
    factories.DesignationFactory(enterprise=small, granted_on=dt.date(2024, 2, 5))
    client.force_login(official)
    table = rows_of(
        get(client, park_url(park), sort="-contribution").content.decode(), "enterprises"
    )
    order = re.findall(r'<tr data-uscc="(\w+)">', table)
    assert order == [large.uscc, small.uscc]


def test_a_district_page_lists_the_enterprises_of_all_its_parks(
    client, official, park, other_park, enterprise, other_enterprise
):
    figure("SH23-SF-BENCH", "city")
    elsewhere = factories.EnterpriseFactory(district=District.objects.get(code="310104"))
    client.force_login(official)
    table = rows_of(get(client, f"/progress/districts/{DISTRICT}/").content.decode(), "enterprises")
    assert enterprise.uscc in table
    assert other_enterprise.uscc in table
    assert str(elsewhere.uscc) not in table
    assert other_park.name_en in table  # the park column


# --- designations ------------------------------------------------------------------------


def test_the_designations_are_the_scopes(
    client, official, park, other_park, enterprise, other_enterprise
):
    figure("SH23-SF-BENCH", "city")
    demo_park = DesignationKind.objects.get(code="demo_park")
    provider_kind = DesignationKind.objects.get(code="excellent_provider")
    mine = factories.DesignationFactory(enterprise=enterprise, name="甲工厂")
    of_park = factories.DesignationFactory(
        kind=demo_park, enterprise=None, park=park, name="园区示范"
    )
    theirs = factories.DesignationFactory(enterprise=other_enterprise, name="乙工厂")
    provider = factories.ProviderFactory(district=District.objects.get(code=DISTRICT))
    of_provider = factories.DesignationFactory(
        kind=provider_kind, enterprise=None, provider=provider, name="优秀服务商"
    )
    later = factories.DesignationFactory(enterprise=enterprise, granted_on=dt.date(2025, 6, 1))
    client.force_login(official)
    park_table = rows_of(get(client, park_url(park)).content.decode(), "designations")
    shown = set(map(int, re.findall(r'data-designation="(\d+)"', park_table)))
    assert shown == {mine.pk, of_park.pk}
    district_table = rows_of(
        get(client, f"/progress/districts/{DISTRICT}/").content.decode(), "designations"
    )
    shown = set(map(int, re.findall(r'data-designation="(\d+)"', district_table)))
    assert shown == {mine.pk, of_park.pk, theirs.pk, of_provider.pk}
    assert later.pk not in shown


def test_the_designations_have_their_own_pages(client, official, park, enterprise):
    figure("SH23-SF-BENCH", "city")
    for i in range(25):
        factories.DesignationFactory(enterprise=enterprise, granted_on=dt.date(2024, 1, 1 + i))
    client.force_login(official)
    first = get(client, park_url(park)).content.decode()
    assert len(re.findall(r"data-designation=", first)) == 20
    assert "dpage=2#designations" in first
    second = get(client, park_url(park), dpage=2).content.decode()
    assert len(re.findall(r"data-designation=", second)) == 5


# --- the comparison ----------------------------------------------------------------------


@pytest.fixture
def two_districts(db):
    figure("SH23-SCENARIO", "city", actual=100)
    figure("SH23-SCENARIO", "district:310115", actual=30, share_of_city=Decimal("30.0"))
    figure("SH23-SCENARIO", "district:310104", actual=5, share_of_city=Decimal("5.0"))
    figure("SH23-AI-DRUG", "district:310115", actual=2, share_of_city=Decimal("50.0"))
    # Enterprises: 310115 has 3 of 4 (75 %), 310104 1 of 4 (25 %).
    for _ in range(3):
        factories.EnterpriseFactory()
    factories.EnterpriseFactory(district=District.objects.get(code="310104"))


def cells(html: str, scope: str) -> dict[str, str]:
    row = re.search(rf'<tr data-scope="{scope}">.*?</tr>', html, re.S).group(0)
    return {
        code: re.sub(r"<.*", "", text, flags=re.S).strip()
        for code, text in re.findall(r'data-target="([\w-]+)">(.*?)</td>', row, re.S)
    }


def test_the_comparison_shows_each_districts_share_of_the_city(client, official, two_districts):
    client.force_login(official)
    response = get(client, "/progress/compare/")
    html = response.content.decode()
    assert cells(html, "district:310115")["SH23-SCENARIO"] == "30.0%"
    assert cells(html, "district:310104")["SH23-SCENARIO"] == "5.0%"
    assert cells(html, "district:310115")["SH23-AI-DRUG"] == "50.0%"
    assert cells(html, "district:310104")["SH23-AI-DRUG"] == "—"
    # The heat map holds the same numbers.
    heat = response.context["heatmap"]["data"][0]
    column = heat["x"].index("SH23-SCENARIO")
    rows = [r.scope.code for r in response.context["rows"]]
    assert heat["z"][rows.index("310115")][column] == 30.0
    assert heat["z"][rows.index("310104")][column] == 5.0
    assert heat["text"][rows.index("310104")][column] == "5.0"


def test_the_comparison_marks_shares_below_the_share_of_enterprises(
    client, official, two_districts
):
    client.force_login(official)
    rows = {r.scope.code: r for r in get(client, "/progress/compare/").context["rows"]}
    scenario = {
        code: next(c for c in r.cells if c.target.code == "SH23-SCENARIO")
        for code, r in rows.items()
    }
    assert rows["310115"].enterprise_share == Decimal("75.0")
    assert scenario["310115"].behind  # 30 % of the scenarios with 75 % of the enterprises
    assert scenario["310104"].behind  # 5 % with 25 %
    drugs = {
        code: next(c for c in r.cells if c.target.code == "SH23-AI-DRUG")
        for code, r in rows.items()
    }
    assert drugs["310115"].behind  # 50 % with 75 %
    assert not drugs["310104"].behind  # no figure: nothing to judge
    # A target no district has any part of (the regulatory platform is the programme's)
    # marks no one.
    figure("SH23-REG-PLATFORM", "city", actual=1)
    figure("SH23-REG-PLATFORM", "district:310115", actual=0, share_of_city=Decimal("0.0"))
    rows = {r.scope.code: r for r in get(client, "/progress/compare/").context["rows"]}
    platform = next(c for c in rows["310115"].cells if c.target.code == "SH23-REG-PLATFORM")
    assert platform.share == 0
    assert not platform.behind
    assert rows["310115"].behind == 2


def test_the_comparison_shows_actual_values_and_sorts_by_a_target(client, official, two_districts):
    client.force_login(official)
    response = get(client, "/progress/compare/", measure="actual", sort="SH23-SCENARIO")
    html = response.content.decode()
    assert cells(html, "district:310115")["SH23-SCENARIO"] == "30"
    order = [r.scope.code for r in response.context["rows"]]
    assert order[:2] == ["310104", "310115"]  # the laggard first
    assert response.context["heatmap"]["data"][0]["y"][:2] == [
        r.scope.label for r in response.context["rows"][:2]
    ]
    descending = get(client, "/progress/compare/", sort="-SH23-SCENARIO").context["rows"]
    assert [r.scope.code for r in descending][:2] == ["310115", "310104"]


def test_the_comparison_of_parks(client, official, park, other_park, quarter):
    figure("SH23-SCENARIO", f"park:{park.code}", actual=7, share_of_city=Decimal("7.0"))
    client.force_login(official)
    response = get(client, "/progress/compare/", level="park")
    html = response.content.decode()
    assert cells(html, f"park:{park.code}")["SH23-SCENARIO"] == "7.0%"
    assert cells(html, f"park:{other_park.code}")["SH23-SCENARIO"] == "—"
    assert f'href="/progress/parks/{park.code}/?period=2024Q4"' in html


# --- bounded queries ---------------------------------------------------------------------


def _populate(park, n: int) -> None:
    for _ in range(n):
        enterprise = factories.EnterpriseFactory(park=park)
        factories.SubmissionFactory(
            enterprise=enterprise,
            period=Q4_2024,
            approved=True,
            metrics={"dcmm_level": 2, "smart_mfg_level": 3, "cloud_adopted": "True"},
            items=[{"kind": "scenario", "identifier": "X", "date": "2024-10-01"}],
        )
        factories.DesignationFactory(enterprise=enterprise)


def _queries(client, url: str, **params) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert get(client, url, **params).status_code == 200
    return len(captured)


@pytest.mark.parametrize("sort", ["name", "-contribution"])
def test_the_scope_pages_make_the_same_queries_for_2_and_for_20_enterprises(
    client, official, park, quarter, sort
):
    client.force_login(official)
    _populate(park, 2)
    few = (
        _queries(client, park_url(park), sort=sort),
        _queries(client, f"/progress/districts/{DISTRICT}/", sort=sort),
    )
    _populate(park, 18)
    many = (
        _queries(client, park_url(park), sort=sort),
        _queries(client, f"/progress/districts/{DISTRICT}/", sort=sort),
    )
    assert few == many
    assert max(many) <= 20


def test_the_comparison_makes_the_same_queries_for_more_parks_and_figures(
    client, official, park, quarter
):
    client.force_login(official)
    figure("SH23-SCENARIO", f"park:{park.code}", actual=1, share_of_city=Decimal("1.0"))
    few = _queries(client, "/progress/compare/", level="park")
    for i in range(10):
        other = factories.ParkFactory(code=f"MORE-{i}")
        figure("SH23-SCENARIO", f"park:{other.code}", actual=i, share_of_city=Decimal(i))
        factories.EnterpriseFactory(park=other)
    assert _queries(client, "/progress/compare/", level="park") == few <= 12
