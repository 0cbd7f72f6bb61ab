"""The permission matrix for a district official (docs/decisions/0016): at every address the
product answers, they get what a park manager gets, except where the table below says why;
and object by object, another district's reports, enterprises, designations and parks answer
exactly as what does not exist. The matrix's world has both of its parks in 310115 (浦东新区),
the district official's district; another district's park and enterprise are added here."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import NoReverseMatch, reverse
from rest_framework.test import APIClient

from tests.factories import (
    DesignationFactory,
    DistrictOfficialFactory,
    EnterpriseFactory,
    ParkFactory,
    SubmissionFactory,
    district,
    make_uscc,
)
from tests.security.matrix_world import World, arguments, url_patterns, world_build
from tests.security.test_permission_matrix import EXPECTED, ROLES

pytestmark = pytest.mark.django_db

PARK_MANAGER = ROLES.index("park_manager")

# Where a district official's answer differs from a park manager's, and why.
UNLIKE_A_PARK_MANAGER = {
    # Their landing page: the district of the world's park is theirs.
    "progress:district": 200,
    # Pre-review is the park manager's (0015); a district official reviews nothing.
    "reporting:review-queue": 403,
}


@pytest.fixture
def world(settings) -> World:
    settings.DEBUG = False
    made = world_build()
    made.users["district_official"] = DistrictOfficialFactory(
        username="m-district", district=made.park.district
    )
    return made


@pytest.fixture
def outside(world):
    """Another district's park, enterprise, report and designation."""
    park = ParkFactory(code="PARK-FX", district=district("310120"))
    enterprise = EnterpriseFactory(park=park, district=park.district)
    return {
        "park": park,
        "enterprise": enterprise,
        "report": SubmissionFactory(enterprise=enterprise, period=2024 * 4, submitted=True),
        "designation": DesignationFactory(enterprise=enterprise),
    }


def pages(world: World) -> Client:
    client = Client(raise_request_exception=False)
    client.force_login(world.users["district_official"])
    return client


def api(world: World) -> APIClient:
    client = APIClient(raise_request_exception=False)
    client.force_authenticate(world.users["district_official"])
    return client


def pre_review_exists() -> bool:
    """Whether the product has the park's pre-review (0015) yet."""
    try:
        reverse("submission-pre-approve", args=[1])
    except NoReverseMatch:
        return False
    return True


def expected(name: str) -> int:
    return UNLIKE_A_PARK_MANAGER.get(name, EXPECTED[name][PARK_MANAGER])


def test_the_exceptions_name_addresses_that_exist():
    assert set(UNLIKE_A_PARK_MANAGER) <= set(EXPECTED)


def test_a_district_official_gets_what_the_table_says_at_every_address(world):
    client = pages(world)
    wrong = []
    for name, _route, names in url_patterns():
        if name not in EXPECTED:
            continue  # test_every_address_is_in_the_table names it
        url = reverse(name, kwargs=arguments(name, names, world))
        status = client.get(url).status_code
        if status != expected(name):
            wrong.append(f"{name} {url}: {status}, expected {expected(name)}")
    assert not wrong, "district official:\n" + "\n".join(wrong)


def test_a_district_official_writes_nothing_through_the_api(world):
    writes = [
        ("post", "/api/v1/parks/", {"code": "NEW", "name": "新园区", "district": "310115"}),
        ("patch", f"/api/v1/parks/{world.park.code}/", {"name": "改名"}),
        ("post", "/api/v1/enterprises/", {"uscc": make_uscc(), "name": "x"}),
        ("patch", f"/api/v1/enterprises/{world.enterprise.uscc}/", {"name": "改名"}),
        ("post", "/api/v1/providers/", {"uscc": make_uscc(), "name": "x"}),
        ("patch", f"/api/v1/designations/{world.designation.pk}/", {"name": "改名"}),
        ("post", "/api/v1/rollups/", {}),
        ("post", "/api/v1/publications/", {"period": "2024Q1"}),
        ("post", "/api/v1/allocations/", {"target": "SH23-SF-BENCH", "scope": "city"}),
        ("post", "/api/v1/submissions/", {"period": "2024Q2"}),
        ("post", "/api/v1/imports/enterprises/", {}),
    ]
    actions = ["submit", "approve", "return", "reopen"]
    for action in [*actions, "pre_approve"] if pre_review_exists() else actions:
        writes.append(("post", f"/api/v1/submissions/{world.report.pk}/{action}/", {}))
    client = api(world)
    for method, url, body in writes:
        status = getattr(client, method)(url, body, format="json").status_code
        assert status == 403, f"{method.upper()} {url}: {status}"


def test_a_district_official_writes_nothing_through_the_pages(world):
    client = pages(world)
    actions = ["approve", "return", "reopen"]
    if pre_review_exists():
        actions.append("pre-approve")
    posts = [f"/reports/{world.report.pk}/{action}/" for action in actions]
    posts += [
        "/reports/review/approve/",
        "/progress/manage/rebuild/",
        "/progress/manage/publications/",
        "/exchange/imports/",
    ]
    for url in posts:
        assert client.post(url, {"comment": "x"}).status_code == 403, url


# --- object by object: another district's answers as does not exist -------------------------


def same_answer(first, second):
    assert first.status_code == second.status_code == 404, (first.status_code, second.status_code)
    assert first.content == second.content


def test_another_districts_report_answers_as_a_missing_one(world, outside):
    client = api(world)
    assert client.get(f"/api/v1/submissions/{world.other_report.pk}/").status_code == 200
    for suffix in ("", "history/", "review/"):
        same_answer(
            client.get(f"/api/v1/submissions/{outside['report'].pk}/{suffix}"),
            client.get(f"/api/v1/submissions/999999/{suffix}"),
        )
    browser = pages(world)
    assert browser.get(f"/reports/{world.other_report.pk}/").status_code == 200
    assert browser.get(f"/reports/{outside['report'].pk}/").status_code == 404


def test_another_districts_enterprise_and_designation_answer_as_missing_ones(world, outside):
    client = api(world)
    assert client.get(f"/api/v1/enterprises/{world.other_enterprise.uscc}/").status_code == 200
    same_answer(
        client.get(f"/api/v1/enterprises/{outside['enterprise'].uscc}/"),
        client.get(f"/api/v1/enterprises/{make_uscc()}/"),
    )
    same_answer(
        client.get(f"/api/v1/designations/{outside['designation'].pk}/"),
        client.get("/api/v1/designations/999999/"),
    )
    browser = pages(world)
    assert browser.get(f"/progress/enterprises/{outside['enterprise'].uscc}/").status_code == 404


def test_another_districts_pages_answer_as_missing_ones(world, outside):
    browser = pages(world)
    assert browser.get(f"/progress/parks/{world.other_park.code}/").status_code == 200
    theirs = browser.get(f"/progress/parks/{outside['park'].code}/")
    assert theirs.status_code == browser.get("/progress/parks/NO-SUCH-PARK/").status_code == 404
    assert outside["park"].name_zh not in theirs.content.decode()
    assert browser.get("/progress/districts/310120/").status_code == 404
    assert browser.get("/progress/districts/999999/").status_code == 404


def test_a_district_officials_export_is_of_their_own_district(world, outside):
    client = api(world)
    for scope in ("city", "district:310120", f"park:{outside['park'].code}"):
        response = client.post("/api/v1/exports/", {"scope": scope}, format="json")
        assert response.status_code == 403, scope
    assert client.get(f"/api/v1/exports/{world.export.pk}/").status_code == 404
