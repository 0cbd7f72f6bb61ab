"""The maturity page: DCMM and smart-manufacturing levels by segment and by park for a
quarter, and their movement since the same quarter a year before.

Who may open it: officials and analysts (any scope), a park manager (their own park only,
whatever the URL asks); enterprise reporters get 403.
"""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from progress.pages.maturity import NO_LEVEL, NOT_ACTIVE, Row
from targets.models import Segment
from tests.factories import (
    EnterpriseFactory,
    ParkFactory,
    SnapshotFactory,
    SubmissionFactory,
)

pytestmark = pytest.mark.django_db

URL = "/progress/maturity/"
P2024Q2 = 2024 * 4 + 1
P2025Q1 = 2025 * 4
P2025Q2 = 2025 * 4 + 1
P2025Q3 = 2025 * 4 + 2
QUARTER = {"period": "2025Q2"}


@pytest.fixture(autouse=True)
def _figures_exist():
    """The page offers the quarters that have figures."""
    SnapshotFactory(period=P2025Q2)
    SnapshotFactory(period=P2025Q3)


def segment(code: str) -> Segment:
    return Segment.objects.get(code=code)


def approved(enterprise, period: int, **metrics):
    return SubmissionFactory(enterprise=enterprise, period=period, metrics=metrics, approved=True)


@pytest.fixture
def example(park, other_park):
    """A hand-made programme (the quarter is 2025Q2, a year before 2024Q2):

    - chemical A (park): DCMM 2 in 2024Q2, 3 in 2025Q1 → 2 then, 3 now (moved up);
      smart manufacturing 1 then and now.
    - chemical B (other park): DCMM 4 in 2024Q1; its 2025Q2 report leaves DCMM blank → 4
      then, no level now (the latest report decides).
    - biologics C (park): DCMM 1 in 2024Q2; its 2025Q2 report with 5 is only submitted → 1
      then and now.
    - biologics D (no park): never reported → no level then and now.
    - devices E (park), active from 2025-01-01: DCMM 0 in 2025Q2 → not active then, 0 now.
    - devices F (park), closed on 2024-12-31: DCMM 5 in 2024Q2 → 5 then, not counted now.
    - devices G (park): DCMM 5 only in 2025Q3, after the quarter → no level then and now.
    """
    a = EnterpriseFactory(name="A", park=park, segment=segment("chemical"))
    b = EnterpriseFactory(name="B", park=other_park, segment=segment("chemical"))
    c = EnterpriseFactory(name="C", park=park, segment=segment("biologics"))
    d = EnterpriseFactory(name="D", park=None, segment=segment("biologics"))
    e = EnterpriseFactory(
        name="E", park=park, segment=segment("devices"), active_from=dt.date(2025, 1, 1)
    )
    f = EnterpriseFactory(
        name="F", park=park, segment=segment("devices"), active_until=dt.date(2024, 12, 31)
    )
    g = EnterpriseFactory(name="G", park=park, segment=segment("devices"))
    approved(a, P2024Q2, dcmm_level=2, smart_mfg_level=1)
    approved(a, P2025Q1, dcmm_level=3, smart_mfg_level=1)
    approved(b, P2024Q2 - 1, dcmm_level=4)
    approved(b, P2025Q2, revenue=10)
    approved(c, P2024Q2, dcmm_level=1)
    SubmissionFactory(enterprise=c, period=P2025Q2, metrics={"dcmm_level": 5}, submitted=True)
    approved(e, P2025Q2, dcmm_level=0)
    approved(f, P2024Q2, dcmm_level=5)
    approved(g, P2025Q3, dcmm_level=5)
    return {"a": a, "b": b, "c": c, "d": d, "e": e, "f": f, "g": g}


def dcmm(response):
    return next(view for view in response.context["views"] if view.key == "dcmm_level")


def row_of(rows: list[Row], key) -> Row:
    return next(row for row in rows if row.key == key)


# --- who may open it ---------------------------------------------------------------------


def test_officials_and_analysts_open_the_page(client, official, analyst):
    for user in (official, analyst):
        client.force_login(user)
        assert client.get(URL).status_code == 200


def test_an_enterprise_reporter_is_refused(client, reporter):
    client.force_login(reporter)
    assert client.get(URL).status_code == 403


def test_a_visitor_is_sent_to_the_login(client):
    assert client.get(URL).status_code == 302


def test_a_park_manager_sees_only_their_park_whatever_the_url_asks(
    client, park_manager, park, other_park, example
):
    client.force_login(park_manager)
    response = client.get(URL, {**QUARTER, "scope": f"park:{other_park.code}"})
    assert response.status_code == 200
    assert response.context["scope"].code == park.code
    view = dcmm(response)
    # A, C, E and G are the park's active enterprises; B (other park) and D (no park) are not.
    assert view.total.with_level + view.total.no_level == 4
    assert not response.context["by_park"]
    assert view.park_chart is None
    assert len(response.context["scopes"]) == 1


# --- the counts on the hand-made example -------------------------------------------------


def test_each_enterprise_counts_at_its_latest_approved_report_up_to_the_quarter(
    client, official, example
):
    client.force_login(official)
    view = dcmm(client.get(URL, QUARTER))
    chemical = row_of(view.by_segment, segment("chemical").pk)
    biologics = row_of(view.by_segment, segment("biologics").pk)
    devices = row_of(view.by_segment, segment("devices").pk)
    assert (chemical.counts, chemical.no_level) == ([0, 0, 0, 1, 0, 0], 1)
    assert (biologics.counts, biologics.no_level) == ([0, 1, 0, 0, 0, 0], 1)
    assert (devices.counts, devices.no_level) == ([1, 0, 0, 0, 0, 0], 1)
    assert view.total.with_level == 3
    assert view.total.no_level == 3  # B (blank in its latest report), D and G
    assert chemical.share == 100  # the one chemical enterprise with a level is at 3


def test_the_distribution_by_park_has_a_bar_for_enterprises_without_a_park(
    client, official, park, other_park, example
):
    client.force_login(official)
    view = dcmm(client.get(URL, QUARTER))
    in_park = row_of(view.by_park, park.pk)
    in_other = row_of(view.by_park, other_park.pk)
    without = row_of(view.by_park, None)
    assert (in_park.counts, in_park.no_level) == ([1, 1, 0, 1, 0, 0], 1)
    assert (in_other.counts, in_other.no_level) == ([0] * 6, 1)
    assert (without.counts, without.no_level) == ([0] * 6, 1)
    assert in_park.url is not None  # the park's page


def test_the_movement_compares_with_the_same_quarter_a_year_before(client, official, example):
    client.force_login(official)
    response = client.get(URL, QUARTER)
    view = dcmm(response)
    assert response.context["before_label"] == "2024Q2"
    chemical = row_of(view.by_segment, segment("chemical").pk)
    devices = row_of(view.by_segment, segment("devices").pk)
    # A year before: A at 2, B at 4 → 1 of 2 at level 3 or above; now A at 3 → 1 of 1.
    assert (chemical.before_at_threshold, chemical.before_with_level) == (1, 2)
    assert chemical.before_share == 50
    assert chemical.change == 50
    # F (closed since) counted a year before at 5; E not active then.
    assert (devices.before_at_threshold, devices.before_with_level) == (1, 1)
    transition = view.transition
    assert (transition.up, transition.down, transition.same) == (1, 0, 1)  # A up, C same
    cells = {label: cells for label, cells, _total in transition.rows}
    names = dict(zip([0, 1, 2, 3, 4, 5, NO_LEVEL], transition.columns, strict=True))
    assert cells[names[2]][3] == 1  # A: 2 → 3
    assert cells[names[4]][6] == 1  # B: 4 → no level
    assert cells[names[1]][1] == 1  # C: 1 → 1
    assert cells[names[NO_LEVEL]][6] == 2  # D and G
    not_active = next(cells for label, cells, _t in transition.rows if label == "Not active yet")
    assert not_active[0] == 1  # E: not active then, 0 now
    assert NOT_ACTIVE < NO_LEVEL < 0


def test_the_stacked_charts_hold_the_counts_and_the_shares(client, official, example):
    client.force_login(official)
    segments = [row.label for row in dcmm(client.get(URL, QUARTER)).by_segment]
    chemical = segments.index(segment("chemical").name)
    counts = dcmm(client.get(URL, {**QUARTER, "measure": "count"})).segment_chart
    shares = dcmm(client.get(URL, {**QUARTER, "measure": "share"})).segment_chart
    level3 = counts["data"][3]
    assert level3["type"] == "bar"
    assert level3["y"][chemical] == 1
    assert shares["data"][3]["y"][chemical] == 100.0  # A is the one chemical with a level
    assert counts["layout"]["barmode"] == "stack"


def test_smart_manufacturing_is_counted_the_same_way(client, official, example):
    client.force_login(official)
    response = client.get(URL, QUARTER)
    smart = next(view for view in response.context["views"] if view.key == "smart_mfg_level")
    chemical = row_of(smart.by_segment, segment("chemical").pk)
    # A states 1; B's latest report leaves it blank; C, E, F, G never state it.
    assert (chemical.counts, chemical.no_level) == ([0, 1, 0, 0, 0, 0], 1)
    assert smart.total.with_level == 1


def test_an_official_may_look_at_one_park(client, official, park, example):
    client.force_login(official)
    response = client.get(URL, {**QUARTER, "scope": f"park:{park.code}"})
    view = dcmm(response)
    assert view.total.with_level + view.total.no_level == 4
    assert view.park_chart is None


def test_the_page_says_so_when_nobody_stated_a_level(client, official):
    client.force_login(official)
    content = client.get(URL, QUARTER).content.decode()
    assert 'data-testid="dcmm_level-empty"' in content


def test_the_page_is_rendered_with_its_tables_and_charts(client, official, example):
    client.force_login(official)
    content = client.get(URL, QUARTER).content.decode()
    for testid in ("dcmm_level-by-segment", "dcmm_level-by-park", "dcmm_level-movement"):
        assert f'data-testid="{testid}"' in content
    assert 'data-chart="dcmm_level-segment-chart"' in content
    assert "<script>" not in content  # charts come as JSON data only


# --- queries -----------------------------------------------------------------------------


def _queries(client) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(URL, QUARTER).status_code == 200
    return len(captured)


def test_the_page_makes_the_same_number_of_queries_for_more_enterprises(client, official, park):
    client.force_login(official)
    for n in range(2):
        approved(EnterpriseFactory(park=park), P2025Q2, dcmm_level=n, smart_mfg_level=n)
    few = _queries(client)
    for n in range(20):
        other = ParkFactory()
        enterprise = EnterpriseFactory(park=other, segment=segment("tcm"))
        approved(enterprise, P2025Q1, dcmm_level=n % 6)
        approved(enterprise, P2025Q2, dcmm_level=(n + 1) % 6, smart_mfg_level=n % 6)
    assert _queries(client) == few <= 12


def test_a_park_manager_page_makes_as_few_queries(client, park_manager, example):
    client.force_login(park_manager)
    assert _queries(client) <= 13
