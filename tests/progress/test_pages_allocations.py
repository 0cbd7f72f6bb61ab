"""Allocations in the browser: officials allocate a target to districts and parks on its
management page (through the service: validated, audited, recomputed); the target page shows
how much is allocated per level and draws an allocated scope's own or scaled milestones; the
district and park pages show their allocated targets as the overview shows the city's; the
comparison ranks scopes by status."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from html import unescape

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from enterprises.models import Designation
from progress import services
from targets import services as target_services
from targets.models import Allocation, DesignationKind, RecomputeRequest, Target
from tests import factories

pytestmark = pytest.mark.django_db

D = Decimal
MANAGE = "/progress/manage/allocations/"


def allocate(code: str, scope: str, value: int | str, milestones=()) -> Allocation:
    return target_services.allocation_create(
        target=Target.objects.get(code=code),
        scope=scope,
        value=D(value),
        milestones=[(dt.date.fromisoformat(day), D(v)) for day, v in milestones],
    )


def pilots(enterprise, granted: str, times: int = 1) -> None:
    for _ in range(times):
        Designation.objects.create(
            kind=DesignationKind.objects.get(code="pilot_project"),
            granted_on=dt.date.fromisoformat(granted),
            enterprise=enterprise,
        )


@pytest.fixture
def programme(enterprise, other_enterprise):
    """AIC-PILOT (about 20 by 2023-12-31) allocated 10 to each park, 8 to Pudong.
    PARK-A: 2, 3, 3, 5 | 6, 7, 8, 8 from 2022Q1 (at risk in 2023Q3); PARK-B: 9 in 2023Q2
    (achieved from then on)."""
    for granted, times in (
        ("2022-02-01", 2),
        ("2022-05-01", 1),
        ("2022-11-01", 2),
        ("2023-02-01", 1),
        ("2023-05-01", 1),
        ("2023-08-01", 1),
    ):
        pilots(enterprise, granted, times)
    pilots(other_enterprise, "2023-04-10", 9)
    allocate("AIC-PILOT", "park:PARK-A", 10)
    allocate("AIC-PILOT", "park:PARK-B", 10, [("2022-12-31", "4"), ("2023-06-30", "9")])
    allocate("AIC-PILOT", "district:310115", 8)
    services.snapshots_rebuild()


def section(html: str, testid: str) -> str:
    match = re.search(rf'<(section|table|ul)[^>]*data-testid="{testid}".*?</\1>', html, re.S)
    assert match, testid
    return match.group(0)


# --- the officials' pages ---------------------------------------------------------------------


def test_an_official_allocates_a_target_to_a_park_on_its_page(client, official, park):
    client.force_login(official)
    page = client.get(f"{MANAGE}SH23-SF-BENCH/")
    assert page.status_code == 200
    assert 'value="park:PARK-A"' in page.content.decode()

    response = client.post(
        f"{MANAGE}SH23-SF-BENCH/",
        {"scope": "park:PARK-A", "value": "4", "milestones": "2024-12-31 2\n2023-12-31: 1\n"},
    )

    assert response.status_code == 302
    allocation = Allocation.objects.get()
    assert (allocation.scope, allocation.value) == ("park:PARK-A", 4)
    assert allocation.milestones == [
        {"date": "2023-12-31", "value": "1"},
        {"date": "2024-12-31", "value": "2"},
    ]
    assert allocation.history.get().history_user == official
    assert RecomputeRequest.objects.get().targets == ["SH23-SF-BENCH"]
    # Once allocated, the scope is no longer offered and the allocation is listed.
    html = client.get(f"{MANAGE}SH23-SF-BENCH/").content.decode()
    assert 'value="park:PARK-A"' not in html
    assert 'data-scope="park:PARK-A"' in section(html, "allocations")


def test_the_form_shows_the_services_reasons_and_saves_nothing(client, official, park):
    client.force_login(official)

    response = client.post(
        f"{MANAGE}SH23-SF-BENCH/",
        {"scope": "park:PARK-A", "value": "2.5", "milestones": "2026-06-30 2"},
    )

    assert response.status_code == 400
    errors = response.context["form"].errors
    assert "whole number" in errors["value"][0]
    assert "outside the target's window" in errors["milestones"][0]
    assert not Allocation.objects.exists()
    response = client.post(
        f"{MANAGE}SH23-SF-BENCH/", {"scope": "park:PARK-A", "value": "2", "milestones": "soon 2"}
    )
    assert response.status_code == 400
    assert "Line 1" in response.context["form"].errors["milestones"][0]


def test_a_change_is_saved_and_shown_with_who_when_and_old_and_new(client, official, park):
    allocation = allocate("SH23-SF-BENCH", "park:PARK-A", 4)
    client.force_login(official)
    url = f"{MANAGE}SH23-SF-BENCH/{allocation.pk}/"

    response = client.post(url, {"value": "6", "milestones": "2025-06-30 3"})

    assert response.status_code == 302
    allocation.refresh_from_db()
    assert (allocation.value, allocation.own_milestones()) == (6, [(dt.date(2025, 6, 30), 3)])
    history = unescape(section(client.get(url).content.decode(), "history"))
    assert "official" in history
    assert "4 → 6" in history
    assert "the city's, scaled → 2025-06-30: 3" in history


def test_withdrawing_an_allocation_asks_first(client, official, park):
    allocation = allocate("SH23-SF-BENCH", "park:PARK-A", 4)
    client.force_login(official)
    url = f"{MANAGE}SH23-SF-BENCH/{allocation.pk}/delete/"

    assert client.get(url).status_code == 200
    assert Allocation.objects.exists()
    assert client.post(url).status_code == 302
    assert not Allocation.objects.exists()
    assert Allocation.history.filter(history_type="-").get().history_user == official


def test_the_list_shows_what_is_allocated_per_level(client, official, park, other_park):
    allocate("SH23-SF-BENCH", "park:PARK-A", 4)
    allocate("SH23-SF-BENCH", "park:PARK-B", 3)
    allocate("SH23-SF-BENCH", "district:310115", 5)
    client.force_login(official)

    html = client.get(MANAGE).content.decode()

    row = re.search(r'<tr data-target="SH23-SF-BENCH">.*?</tr>', html, re.S).group(0)
    # 7 of the city's 10 to parks (70.0 %), 5 to a district (50.0 %).
    assert 'data-count="2"' in row
    assert "70.0%" in row
    assert "50.0%" in row


@pytest.mark.parametrize("role", ["analyst", "park_manager", "reporter"])
def test_only_officials_open_the_allocation_pages(client, request, role, park):
    allocation = allocate("SH23-SF-BENCH", "park:PARK-A", 4)
    client.force_login(request.getfixturevalue(role))
    for url in (
        MANAGE,
        f"{MANAGE}SH23-SF-BENCH/",
        f"{MANAGE}SH23-SF-BENCH/{allocation.pk}/",
        f"{MANAGE}SH23-SF-BENCH/{allocation.pk}/delete/",
    ):
        assert client.get(url).status_code == 403, url
    assert client.post(f"{MANAGE}SH23-SF-BENCH/{allocation.pk}/delete/").status_code == 403
    assert Allocation.objects.exists()


# --- the target page --------------------------------------------------------------------------


def test_the_target_page_shows_how_much_is_allocated_per_level(client, official, programme):
    client.force_login(official)

    html = client.get("/progress/targets/AIC-PILOT/").content.decode()

    levels = section(html, "allocation-levels")
    district = re.search(r'<tr data-level="district">.*?</tr>', levels, re.S).group(0)
    parks = re.search(r'<tr data-level="park">.*?</tr>', levels, re.S).group(0)
    # Of the city's 20: 8 to one district (40.0 %), 10 + 10 to two parks (100.0 %).
    assert re.search(r'data-field="count">1<', district)
    assert "40.0%" in district
    assert re.search(r'data-field="count">2<', parks)
    assert "100.0%" in parks
    assert 'data-testid="allocate-link"' in levels


def test_an_allocated_parks_chart_draws_its_scaled_milestones_and_its_target(
    client, official, programme
):
    client.force_login(official)

    page = client.get("/progress/targets/AIC-PILOT/", {"scope": "park:PARK-A", "period": "2023Q3"})

    traces = {trace["meta"]: trace for trace in page.context["chart"]["data"]}
    # The city's 10 (2022-12-31) and 20 (2023-12-31) × 10/20; the baseline 0 × 10/20.
    assert traces["milestones"]["y"] == [5.0, 10.0]
    assert traces["baseline"]["y"] == [0.0]
    assert traces["target"]["y"] == [10.0, 10.0]
    html = page.content.decode()
    assert "Allocated to" in section_text(html, "allocated")
    assert "50.0%" in section_text(html, "allocated")  # 10 of the city's 20
    # The figure is read against the allocation: 8 of 10, at risk, reaching 9 in 2023Q4.
    figure = page.context["figure"]
    assert (figure["target_value"], figure["status"], figure["percent_of_target"]) == (
        10,
        "at_risk",
        80.0,
    )
    assert "the target of 10 is reached in 2023Q4" in page.context["summary"]


def test_a_parks_own_milestones_are_drawn_as_they_are(client, official, programme):
    client.force_login(official)

    page = client.get("/progress/targets/AIC-PILOT/", {"scope": "park:PARK-B"})

    traces = {trace["meta"]: trace for trace in page.context["chart"]["data"]}
    assert traces["milestones"]["y"] == [4.0, 9.0]
    assert traces["milestones"]["x"] == ["2022-12-31", "2023-06-30"]


def test_the_breakdown_shows_each_allocated_scopes_target_and_status(client, official, programme):
    client.force_login(official)

    html = client.get("/progress/targets/AIC-PILOT/", {"period": "2023Q3"}).content.decode()

    a = re.search(r'<tr data-scope="park:PARK-A">.*?</tr>', html, re.S).group(0)
    b = re.search(r'<tr data-scope="park:PARK-B">.*?</tr>', html, re.S).group(0)
    assert re.search(r'data-field="target_value">10<', a)
    assert 'data-status="at_risk"' in a
    assert "80.0%" in a
    assert 'data-status="achieved"' in b


def test_a_park_manager_sees_their_parks_allocation_but_not_the_levels(
    client, park_manager, programme
):
    client.force_login(park_manager)

    html = client.get("/progress/targets/AIC-PILOT/", {"scope": "park:PARK-A"}).content.decode()

    assert 'data-testid="allocated"' in html
    assert 'data-testid="allocation-levels"' not in html
    assert "/progress/manage/" not in html


def test_the_target_page_makes_as_many_queries_for_many_allocations(
    client, official, park, other_park
):
    allocate("SH23-SF-BENCH", "park:PARK-A", 4)
    services.snapshots_rebuild()
    client.force_login(official)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/progress/targets/SH23-SF-BENCH/").status_code == 200
        return len(captured.captured_queries)

    few = queries()
    allocate("SH23-SF-BENCH", "park:PARK-B", 3)
    for n in range(4):
        other = factories.ParkFactory(code=f"X{n}")
        allocate("SH23-SF-BENCH", f"park:{other.code}", 1)
    allocate("SH23-SF-BENCH", "district:310115", 5)
    services.snapshots_rebuild()

    assert queries() == few


# --- district and park pages, the comparison -----------------------------------------------------


def test_a_park_page_shows_its_allocated_targets_as_the_overview_shows_the_citys(
    client, official, programme
):
    client.force_login(official)

    html = client.get("/progress/parks/PARK-A/", {"period": "2023Q3"}).content.decode()

    cards = section(html, "allocated-targets")
    card = re.search(r'<li class="target-card" data-target="AIC-PILOT".*?</li>', cards, re.S)
    assert card is not None
    text = card.group(0)
    assert 'data-status="at_risk"' in text
    assert "/ 10" in text  # against the allocated 10, not the city's 20
    assert "w-80" in text  # the bar: 8 of 10
    assert "9" in text  # on the current trend 9 by the end of 2023
    targets = re.search(r'<tr data-target="AIC-PILOT">.*?</tr>', html, re.S).group(0)
    assert re.search(r'data-field="target_value">10<', targets)
    assert re.search(r'data-field="projected_at_deadline">9<', targets)


def test_an_unallocated_park_shows_no_cards(client, official, programme, park):
    factories.ParkFactory(code="PARK-C")
    client.force_login(official)

    html = client.get("/progress/parks/PARK-C/", {"period": "2023Q3"}).content.decode()

    assert 'data-testid="allocated-targets"' not in html


def test_the_comparison_ranks_parks_by_status(client, official, programme):
    factories.ParkFactory(code="PARK-C")
    client.force_login(official)

    def order(sort: str) -> list[str]:
        page = client.get(
            "/progress/compare/",
            {"level": "park", "measure": "status", "period": "2023Q3", "sort": sort},
        )
        assert page.status_code == 200
        return [row.scope.code for row in page.context["rows"]]

    # 2023Q3: PARK-A at risk, PARK-B achieved, PARK-C not allocated (last either way).
    assert order("AIC-PILOT") == ["PARK-A", "PARK-B", "PARK-C"]
    assert order("-AIC-PILOT") == ["PARK-B", "PARK-A", "PARK-C"]
    page = client.get(
        "/progress/compare/", {"level": "park", "measure": "status", "period": "2023Q3"}
    )
    heat = page.context["heatmap"]["data"][0]
    index = [t.code for t in page.context["targets"]].index("AIC-PILOT")
    rows = {row.scope.code: i for i, row in enumerate(page.context["rows"])}
    assert heat["z"][rows["PARK-A"]][index] == 2.0  # at risk
    assert heat["z"][rows["PARK-B"]][index] == 4.0  # achieved
    assert heat["z"][rows["PARK-C"]][index] is None
    html = page.content.decode()
    assert "⚠ " in html


def section_text(html: str, testid: str) -> str:
    match = re.search(rf'data-testid="{testid}"[^>]*>(.*?)</p>', html, re.S)
    assert match, testid
    return match.group(1)


def test_by_status_behind_counts_the_allocated_targets_behind_their_plan(
    client, official, programme
):
    client.force_login(official)

    page = client.get(
        "/progress/compare/", {"level": "park", "measure": "status", "period": "2023Q3"}
    )

    behind = {row.scope.code: row.behind for row in page.context["rows"]}
    # PARK-A's AIC-PILOT is at risk; PARK-B's achieved.
    assert behind == {"PARK-A": 1, "PARK-B": 0}
