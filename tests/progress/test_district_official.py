"""A district official and progress: the figures, pages, profiles and allocations of their
district and its parks, read-only; another district's, another district's parks' and the
city's scopes refused; every write of the programme refused; queries bounded."""

from __future__ import annotations

import datetime as dt
from typing import cast

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from enterprises.models import Designation, Enterprise
from progress import services
from progress.models import Publication, RollupRun
from targets.models import Allocation, DesignationKind, Milestone
from targets.periods import period_parse
from tests import factories
from tests.conftest import OUTSIDE_DISTRICT

pytestmark = pytest.mark.django_db

DISTRICT = "310115"  # the district official's: ``park`` (PARK-A) and ``other_park`` (PARK-B)
MINE = {f"district:{DISTRICT}", "park:PARK-A", "park:PARK-B"}
BENCH = "SH23-SF-BENCH"
PERIOD = "2023Q2"


@pytest.fixture
def world(park, other_park, enterprise, other_enterprise, outside_park, outside_enterprise):
    """Benchmarks in each park of the district and outside it, an approved report from an
    enterprise of the district in no park, and every figure computed."""
    loose = cast(Enterprise, factories.EnterpriseFactory(park=None, district=park.district))
    kind = DesignationKind.objects.get(code="smart_factory_benchmark")
    for company in (enterprise, other_enterprise, outside_enterprise, loose):
        Designation.objects.create(kind=kind, enterprise=company, granted_on=dt.date(2023, 5, 1))
    factories.SubmissionFactory(
        enterprise=loose,
        period=period_parse(PERIOD),
        metrics={"talent_high_end_new": 2},
        approved=True,
    )
    services.snapshots_rebuild()
    return {"loose": loose}


@pytest.fixture
def signed_in(client, district_official):
    client.force_login(district_official)
    return client


def scopes_of(response) -> set[str]:
    return {row["scope"] for row in response.json()["results"]}


# --- the progress API ---------------------------------------------------------------------


def test_the_progress_api_shows_a_district_official_their_district_by_default(
    as_district_official, world
):
    response = as_district_official.get("/api/v1/progress/", {"period": PERIOD})
    assert response.status_code == 200
    assert scopes_of(response) == {f"district:{DISTRICT}"}
    (bench,) = [row for row in response.json()["results"] if row["target"] == BENCH]
    assert bench["actual"] == 3  # both parks' and the loose enterprise's, not the outsider's


def test_scope_all_is_the_district_and_its_parks(as_district_official, world):
    response = as_district_official.get("/api/v1/progress/", {"period": PERIOD, "scope": "all"})
    assert scopes_of(response) == MINE


def test_each_scope_of_the_district_reads_and_every_other_is_refused(as_district_official, world):
    api = as_district_official
    for scope in sorted(MINE):
        assert api.get("/api/v1/progress/", {"scope": scope}).status_code == 200, scope
        series = api.get(f"/api/v1/progress/{BENCH}/series/", {"scope": scope})
        assert series.status_code == 200, scope
        evidence = api.get(f"/api/v1/progress/{BENCH}/evidence/", {"scope": scope})
        assert evidence.status_code == 200, scope
    for scope in ("city", f"district:{OUTSIDE_DISTRICT}", "park:PARK-FX"):
        refused = api.get("/api/v1/progress/", {"scope": scope})
        assert refused.status_code == 403, scope
        assert "your own district and its parks" in refused.json()["detail"]
        assert api.get(f"/api/v1/progress/{BENCH}/series/", {"scope": scope}).status_code == 403
        assert api.get(f"/api/v1/progress/{BENCH}/evidence/", {"scope": scope}).status_code == 403


def test_the_evidence_of_the_district_names_its_enterprises_only(
    as_district_official, world, outside_enterprise
):
    response = as_district_official.get(
        f"/api/v1/progress/{BENCH}/evidence/", {"scope": f"district:{DISTRICT}", "period": PERIOD}
    )
    named = str(response.json())
    assert world["loose"].uscc in named
    assert outside_enterprise.uscc not in named


def test_a_district_official_may_not_schedule_or_read_rollups(as_district_official):
    assert as_district_official.post("/api/v1/rollups/").status_code == 403
    run = RollupRun.objects.create(kind="full")
    assert as_district_official.get(f"/api/v1/rollups/{run.pk}/").status_code == 403
    assert RollupRun.objects.count() == 1


def test_a_district_official_may_not_publish(as_district_official, world):
    response = as_district_official.post("/api/v1/publications/", {"period": PERIOD})
    assert response.status_code == 403
    assert not Publication.objects.exists()


# --- allocations ---------------------------------------------------------------------------


@pytest.fixture
def allocations(as_official, park, other_park, outside_park):
    made = {}
    for name, scope in (
        ("district", f"district:{DISTRICT}"),
        ("A", "park:PARK-A"),
        ("B", "park:PARK-B"),
        ("outside_district", f"district:{OUTSIDE_DISTRICT}"),
        ("outside_park", "park:PARK-FX"),
    ):
        response = as_official.post(
            "/api/v1/allocations/", {"target": BENCH, "scope": scope, "value": 2}, format="json"
        )
        assert response.status_code == 201, response.content
        made[name] = response.json()["id"]
    return made


def test_a_district_official_reads_their_districts_and_parks_allocations_only(
    as_district_official, allocations
):
    api = as_district_official
    assert scopes_of(api.get("/api/v1/allocations/")) == MINE
    assert api.get(f"/api/v1/allocations/{allocations['B']}/").status_code == 200
    for other in ("outside_district", "outside_park"):
        assert api.get(f"/api/v1/allocations/{allocations[other]}/").status_code == 404


def test_a_district_official_allocates_nothing(as_district_official, allocations):
    api = as_district_official
    body = {"target": "SH23-SCENARIO", "scope": f"district:{DISTRICT}", "value": 3}
    assert api.post("/api/v1/allocations/", body, format="json").status_code == 403
    own = f"/api/v1/allocations/{allocations['district']}/"
    assert api.patch(own, {"value": 9}, format="json").status_code == 403
    assert api.delete(own).status_code == 403
    assert Allocation.objects.count() == 5
    assert Allocation.objects.get(pk=allocations["district"]).value == 2


# --- pages ----------------------------------------------------------------------------------


def test_a_district_official_opens_their_district_and_its_parks_and_nothing_else(
    signed_in, world, outside_park
):
    for url in (
        f"/progress/districts/{DISTRICT}/",
        "/progress/parks/PARK-A/",
        "/progress/parks/PARK-B/",
    ):
        assert signed_in.get(url, {"period": PERIOD}).status_code == 200, url
    # Another district, its park and an unknown park look the same: 404.
    for url in (
        f"/progress/districts/{OUTSIDE_DISTRICT}/",
        f"/progress/parks/{outside_park.code}/",
        "/progress/parks/NO-SUCH-PARK/",
    ):
        assert signed_in.get(url, {"period": PERIOD}).status_code == 404, url
    # The comparison of every district is for officials and analysts.
    assert signed_in.get("/progress/compare/").status_code == 403


def test_the_district_page_links_its_parks_and_lists_its_enterprises_only(
    signed_in, world, enterprise, outside_enterprise
):
    html = signed_in.get(f"/progress/districts/{DISTRICT}/", {"period": PERIOD}).content.decode()
    assert 'href="/progress/parks/PARK-A/?period=2023Q2"' in html
    assert 'href="/progress/parks/PARK-B/?period=2023Q2"' in html
    assert f"/progress/enterprises/{enterprise.uscc}/" in html
    assert f"/progress/enterprises/{world['loose'].uscc}/" in html
    assert outside_enterprise.uscc not in html


def test_a_park_page_links_back_to_the_district(signed_in, world):
    html = signed_in.get("/progress/parks/PARK-B/", {"period": PERIOD}).content.decode()
    assert f'href="/progress/districts/{DISTRICT}/?period=2023Q2"' in html


def test_a_district_official_opens_the_profiles_of_their_districts_enterprises_only(
    signed_in, world, enterprise, outside_enterprise
):
    for company in (enterprise, world["loose"]):
        assert signed_in.get(f"/progress/enterprises/{company.uscc}/").status_code == 200
    assert signed_in.get(f"/progress/enterprises/{outside_enterprise.uscc}/").status_code == 404


def test_the_overview_and_the_city_chart_are_theirs_to_read(signed_in, world):
    assert signed_in.get("/progress/").status_code == 200
    city = signed_in.get(f"/progress/targets/{BENCH}/", {"scope": "city", "period": PERIOD})
    assert city.status_code == 200
    # Beneath the city's chart, the evidence is of their own district.
    assert str(city.context["evidence_scope"]) == f"district:{DISTRICT}"


def test_the_target_page_starts_on_the_district_and_breaks_it_down_by_its_parks(signed_in, world):
    response = signed_in.get(f"/progress/targets/{BENCH}/", {"period": PERIOD})
    assert response.status_code == 200
    assert str(response.context["scope"]) == f"district:{DISTRICT}"
    breakdown = response.context["breakdown"]
    assert [str(row["place"].scope) for row in breakdown["districts"].rows] == [
        f"district:{DISTRICT}"
    ]
    assert sorted(str(row["place"].scope) for row in breakdown["parks"].rows) == [
        "park:PARK-A",
        "park:PARK-B",
    ]
    assert "Your district and its parks, 2023Q2" in response.content.decode()
    # The city's chart, and their own district and parks: nothing else to choose.
    assert [code for code, _ in response.context["scope_choices"]] == [
        "city",
        f"district:{DISTRICT}",
        "park:PARK-A",
        "park:PARK-B",
    ]


def test_the_target_page_refuses_another_districts_scopes(signed_in, world, outside_park):
    for scope in (f"district:{OUTSIDE_DISTRICT}", f"park:{outside_park.code}"):
        assert signed_in.get(f"/progress/targets/{BENCH}/", {"scope": scope}).status_code == 404


def test_the_figures_page_offers_the_district_and_its_parks(signed_in, world):
    response = signed_in.get("/progress/figures/")
    assert response.status_code == 200
    assert response.context["scope"] == f"district:{DISTRICT}"
    assert {code for code, _ in response.context["scopes"]} == MINE
    outside = signed_in.get("/progress/figures/", {"scope": f"district:{OUTSIDE_DISTRICT}"})
    assert outside.context["scope"] == f"district:{DISTRICT}"


def test_the_maturity_page_shows_the_district_or_one_of_its_parks(signed_in, world):
    response = signed_in.get("/progress/maturity/")
    assert response.status_code == 200
    assert str(response.context["scope"]) == f"district:{DISTRICT}"
    assert {str(s) for s in response.context["scopes"]} == MINE
    assert str(signed_in.get("/progress/maturity/", {"scope": "park:PARK-B"}).context["scope"]) == (
        "park:PARK-B"
    )
    fallback = signed_in.get("/progress/maturity/", {"scope": "park:PARK-FX"})
    assert str(fallback.context["scope"]) == f"district:{DISTRICT}"


def test_a_district_official_may_open_no_programme_page_nor_write_through_one(
    signed_in, world, enterprise
):
    designation = Designation.objects.filter(enterprise=enterprise).get()
    milestone = Milestone.objects.filter(target__code=BENCH).first()
    assert milestone is not None
    pages = [
        reverse("progress:manage"),
        reverse("progress:manage-designations"),
        reverse("progress:manage-designation-new"),
        reverse("progress:manage-designation", args=[designation.pk]),
        reverse("progress:manage-designation-delete", args=[designation.pk]),
        reverse("progress:manage-targets"),
        reverse("progress:manage-milestones", args=[BENCH]),
        reverse("progress:manage-allocation-targets"),
        reverse("progress:manage-allocations", args=[BENCH]),
        reverse("progress:publications"),
    ]
    for page in pages:
        assert signed_in.get(page).status_code == 403, page
    writes = [
        (reverse("progress:manage-rebuild"), {}),
        (
            reverse("progress:manage-designation-revoke", args=[designation.pk]),
            {"revoked_on": "2025-01-01"},
        ),
        (reverse("progress:manage-designation-delete", args=[designation.pk]), {}),
        (
            reverse("progress:manage-milestone-new", args=[BENCH]),
            {"date": "2025-06-30", "value": "7"},
        ),
        (reverse("progress:manage-milestone", args=[BENCH, milestone.pk]), {"value": "99"}),
        (
            reverse("progress:manage-allocations", args=[BENCH]),
            {"scope": f"district:{DISTRICT}", "value": "5"},
        ),
        (reverse("progress:publications"), {"period": PERIOD}),
    ]
    runs, milestones = RollupRun.objects.count(), Milestone.objects.count()
    for page, data in writes:
        assert signed_in.post(page, data).status_code == 403, page
    designation.refresh_from_db()
    assert designation.revoked_on is None
    assert RollupRun.objects.count() == runs
    assert not Allocation.objects.exists()
    assert not Publication.objects.exists()
    assert Milestone.objects.get(pk=milestone.pk).value == milestone.value
    assert Milestone.objects.count() == milestones


# --- bounded queries ---------------------------------------------------------------------


def _populate(park, n: int) -> None:
    for _ in range(n):
        company = factories.EnterpriseFactory(park=park, district=park.district)
        factories.SubmissionFactory(
            enterprise=company,
            period=period_parse(PERIOD),
            approved=True,
            metrics={"dcmm_level": 2, "talent_high_end_new": 1},
        )
        factories.DesignationFactory(enterprise=company)


def _queries(user, url: str) -> int:
    client = Client()
    client.force_login(user)
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url, {"period": PERIOD}).status_code == 200
    return len(captured)


@pytest.mark.parametrize(
    "url",
    [
        f"/progress/districts/{DISTRICT}/",
        "/progress/parks/PARK-A/",
        f"/progress/targets/{BENCH}/",
        "/api/v1/progress/",
    ],
)
def test_a_district_officials_pages_make_the_same_queries_for_2_and_for_20_enterprises(
    district_official, official, world, park, other_park, url
):
    _populate(park, 2)
    few = _queries(district_official, url)
    _populate(other_park, 18)
    factories.ParkFactory(code="PARK-C")  # one more park in the district
    assert _queries(district_official, url) == few
    # At most the district and its parks' codes more than an official's.
    assert few <= _queries(official, url) + 2
