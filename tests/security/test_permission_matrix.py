"""The permission matrix: every address the product answers (walked from the URL resolver)
× every role, against a table of what each role gets; and object by object, what is "not
yours" answers exactly as what does not exist (issue 10, item 8).

A new address fails ``test_every_address_is_in_the_table`` until its row is added here: say
what each role may do with it. Each row is the status of a GET by: anonymous, official,
analyst, park manager, reporter (302 is the login redirect for pages, or a page that sends
the user on; 405 an address that only takes POST).
"""

from __future__ import annotations

import json

import pytest
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from tests.factories import DesignationFactory, make_uscc
from tests.security.matrix_world import World, arguments, url_patterns, world_build

pytestmark = pytest.mark.django_db

ROLES = ("anonymous", "official", "analyst", "park_manager", "reporter")

EXPECTED: dict[str, tuple[int, int, int, int, int]] = {
    "healthz": (200, 200, 200, 200, 200),
    "login": (200, 302, 302, 302, 302),
    "logout": (405, 405, 405, 405, 405),
    "tokens": (302, 200, 200, 200, 200),
    "api-token": (405, 405, 405, 405, 405),
    "district-list": (401, 200, 200, 200, 200),
    "district-detail": (401, 200, 200, 200, 200),
    "segment-list": (401, 200, 200, 200, 200),
    "segment-detail": (401, 200, 200, 200, 200),
    "plan-list": (401, 200, 200, 200, 200),
    "plan-detail": (401, 200, 200, 200, 200),
    "metric-list": (401, 200, 200, 200, 200),
    "metric-detail": (401, 200, 200, 200, 200),
    "item-kind-list": (401, 200, 200, 200, 200),
    "item-kind-detail": (401, 200, 200, 200, 200),
    "designation-kind-list": (401, 200, 200, 200, 200),
    "designation-kind-detail": (401, 200, 200, 200, 200),
    "target-list": (401, 200, 200, 200, 200),
    "target-detail": (401, 200, 200, 200, 200),
    "park-list": (401, 200, 200, 200, 200),
    "park-detail": (401, 200, 200, 200, 200),
    "enterprise-list": (401, 200, 200, 200, 200),
    "enterprise-detail": (401, 200, 200, 200, 200),
    "provider-list": (401, 200, 200, 200, 200),
    "provider-detail": (401, 200, 200, 200, 200),
    "designation-list": (401, 200, 200, 200, 200),
    "designation-detail": (401, 200, 200, 200, 200),
    "submission-list": (401, 200, 200, 200, 200),
    "submission-detail": (401, 200, 200, 200, 200),
    "submission-approve": (401, 405, 405, 405, 405),
    "submission-history": (401, 200, 200, 200, 200),
    "submission-pre-approve": (401, 405, 405, 405, 405),
    "submission-reopen": (401, 405, 405, 405, 405),
    "submission-return-": (401, 405, 405, 405, 405),
    "submission-review": (401, 200, 200, 200, 200),
    "submission-submit": (401, 405, 405, 405, 405),
    "completeness": (401, 200, 200, 200, 403),
    "item-files": (401, 404, 404, 404, 404),
    "item-file": (401, 404, 404, 404, 404),
    "evidence-download": (404, 404, 404, 404, 404),
    "progress-list": (401, 200, 200, 200, 403),
    "progress-series": (401, 200, 200, 200, 403),
    "progress-evidence": (401, 200, 200, 200, 403),
    "rollup-list": (401, 405, 403, 403, 403),
    "rollup-detail": (401, 200, 200, 403, 403),
    "allocation-list": (401, 200, 200, 200, 200),
    "allocation-detail": (401, 404, 404, 404, 404),
    "publication-list": (401, 200, 403, 403, 403),
    "public-progress": (404, 404, 404, 404, 404),
    "import-enterprises": (401, 405, 403, 403, 403),
    "import-parks": (401, 405, 403, 403, 403),
    "import-providers": (401, 405, 403, 403, 403),
    "import-reports": (401, 405, 403, 403, 403),
    "import-template": (401, 200, 403, 403, 403),
    "export-list": (401, 200, 200, 200, 403),
    "export-detail": (401, 200, 200, 404, 403),
    "export-download": (401, 404, 404, 404, 403),
    "schema": (401, 200, 200, 200, 200),
    "api-docs": (401, 200, 200, 200, 200),
    "home": (302, 302, 302, 302, 302),
    "public": (200, 200, 200, 200, 200),
    "reporting:my-reports": (302, 403, 403, 403, 200),
    "reporting:report-new": (302, 403, 403, 403, 302),
    "reporting:report-detail": (302, 200, 200, 200, 200),
    "reporting:report-approve": (405, 405, 405, 405, 405),
    "reporting:report-pre-approve": (405, 405, 405, 405, 405),
    "reporting:report-return": (405, 405, 405, 405, 405),
    "reporting:report-reopen": (405, 405, 405, 405, 405),
    "reporting:report-list": (302, 200, 200, 200, 403),
    "reporting:review-queue": (302, 200, 403, 200, 403),
    "reporting:bulk-approve": (405, 405, 405, 405, 405),
    "reporting:completeness": (302, 200, 200, 200, 403),
    "reporting:evidence-download": (404, 404, 404, 404, 404),
    "reporting:evidence-preview": (404, 404, 404, 404, 404),
    "reporting:evidence-check": (405, 405, 405, 405, 405),
    "progress:overview": (302, 200, 200, 200, 200),
    "progress:figures": (302, 200, 200, 200, 403),
    "progress:target": (302, 200, 200, 200, 200),
    "progress:district": (302, 200, 200, 404, 403),
    "progress:park": (302, 200, 200, 200, 403),
    "progress:compare": (302, 200, 200, 403, 403),
    "progress:maturity": (302, 200, 200, 200, 403),
    "progress:enterprise": (302, 200, 200, 200, 200),
    "progress:publications": (302, 200, 403, 403, 403),
    "progress:manage": (302, 200, 403, 403, 403),
    "progress:manage-rebuild": (405, 405, 405, 405, 405),
    "progress:manage-designations": (302, 200, 403, 403, 403),
    "progress:manage-designation-new": (302, 200, 403, 403, 403),
    "progress:manage-designation": (302, 200, 403, 403, 403),
    "progress:manage-designation-revoke": (405, 405, 405, 405, 405),
    "progress:manage-designation-delete": (302, 200, 403, 403, 403),
    "progress:manage-targets": (302, 200, 403, 403, 403),
    "progress:manage-milestones": (302, 200, 403, 403, 403),
    "progress:manage-milestone-new": (405, 405, 405, 405, 405),
    "progress:manage-milestone": (405, 405, 405, 405, 405),
    "progress:manage-milestone-delete": (405, 405, 405, 405, 405),
    "progress:manage-allocation-targets": (302, 200, 403, 403, 403),
    "progress:manage-allocations": (302, 200, 403, 403, 403),
    "progress:manage-allocation": (302, 404, 403, 403, 403),
    "progress:manage-allocation-delete": (302, 404, 403, 403, 403),
    "exchange:imports": (302, 200, 403, 403, 403),
    "exchange:import-confirm": (302, 405, 403, 403, 403),
    "exchange:import-errors": (302, 404, 403, 403, 403),
    "exchange:import-template": (302, 200, 403, 403, 403),
    "exchange:exports": (302, 200, 200, 200, 403),
    "exchange:export-download": (302, 404, 404, 404, 403),
    "exchange:summary-csv": (302, 404, 404, 404, 403),
    "exchange:table-xlsx": (302, 404, 404, 404, 403),
    "exchange:table-csv": (302, 404, 404, 404, 403),
}


@pytest.fixture
def world(settings) -> World:
    settings.DEBUG = False
    return world_build()


def client_as(world: World, role: str) -> Client:
    client = Client(raise_request_exception=False)
    if role != "anonymous":
        client.force_login(world.users[role])
    return client


def api_as(world: World, role: str) -> APIClient:
    client = APIClient(raise_request_exception=False)
    if role != "anonymous":
        client.force_authenticate(world.users[role])
    return client


def test_every_address_is_in_the_table(db):
    names = {name for name, _route, _arguments in url_patterns()}
    assert sorted(names - set(EXPECTED)) == [], "addresses with no row in EXPECTED"
    assert sorted(set(EXPECTED) - names) == [], "rows for addresses that are gone"


@pytest.mark.parametrize("role", ROLES)
def test_each_role_gets_what_the_table_says_at_every_address(world, role):
    client = client_as(world, role)
    column = ROLES.index(role)
    wrong = []
    for name, _route, names in url_patterns():
        url = reverse(name, kwargs=arguments(name, names, world))
        status = client.get(url).status_code
        expected = EXPECTED.get(name, (None,) * 5)[column]
        if status != expected:
            wrong.append(f"{name} {url}: {status}, expected {expected}")
    assert not wrong, f"{role}:\n" + "\n".join(wrong)


def test_no_role_but_officials_writes_through_the_api(world):
    """Unsafe methods by every role on the reference data and programme endpoints."""
    writes = [
        ("post", "/api/v1/parks/", {"code": "NEW", "name": "新园区", "district": "310115"}),
        ("patch", f"/api/v1/parks/{world.park.code}/", {"name": "改名"}),
        ("post", "/api/v1/enterprises/", {"uscc": make_uscc(), "name": "x"}),
        ("patch", f"/api/v1/enterprises/{world.enterprise.uscc}/", {"name": "改名"}),
        ("post", "/api/v1/providers/", {"uscc": make_uscc(), "name": "x"}),
        ("patch", f"/api/v1/designations/{world.designation.pk}/", {"name": "改名"}),
        ("post", "/api/v1/rollups/", {}),
        ("post", f"/api/v1/submissions/{world.report.pk}/approve/", {}),
        ("post", "/api/v1/imports/enterprises/", {}),
    ]
    for role in ("anonymous", "analyst", "park_manager", "reporter"):
        client = api_as(world, role)
        for method, url, body in writes:
            status = getattr(client, method)(url, body, format="json").status_code
            expected = (401,) if role == "anonymous" else (403, 404)
            assert status in expected, f"{role} {method.upper()} {url}: {status}"


# --- object by object: not yours answers as does not exist ------------------------------


def same_answer(first, second):
    assert first.status_code == second.status_code == 404, (first.status_code, second.status_code)
    assert first.content == second.content


@pytest.mark.parametrize("role", ["park_manager", "reporter"])
def test_another_enterprises_report_answers_as_a_missing_one(world, role):
    api = api_as(world, role)
    assert api.get(f"/api/v1/submissions/{world.report.pk}/").status_code == 200
    for suffix in ("", "history/", "review/"):
        same_answer(
            api.get(f"/api/v1/submissions/{world.other_report.pk}/{suffix}"),
            api.get(f"/api/v1/submissions/999999/{suffix}"),
        )
    pages = client_as(world, role)
    assert pages.get(f"/reports/{world.report.pk}/").status_code == 200
    assert pages.get(f"/reports/{world.other_report.pk}/").status_code == 404
    assert pages.get("/reports/999999/").status_code == 404


@pytest.mark.parametrize("role", ["park_manager", "reporter"])
def test_another_enterprise_answers_as_a_missing_one(world, role):
    api = api_as(world, role)
    assert api.get(f"/api/v1/enterprises/{world.enterprise.uscc}/").status_code == 200
    unknown = make_uscc()
    same_answer(
        api.get(f"/api/v1/enterprises/{world.other_enterprise.uscc}/"),
        api.get(f"/api/v1/enterprises/{unknown}/"),
    )
    pages = client_as(world, role)
    assert pages.get(f"/progress/enterprises/{world.enterprise.uscc}/").status_code == 200
    assert pages.get(f"/progress/enterprises/{world.other_enterprise.uscc}/").status_code == 404
    assert pages.get(f"/progress/enterprises/{unknown}/").status_code == 404


def test_another_enterprises_designation_answers_as_a_missing_one(world):
    theirs = DesignationFactory(enterprise=world.other_enterprise)
    for role in ("park_manager", "reporter"):
        api = api_as(world, role)
        assert api.get(f"/api/v1/designations/{world.designation.pk}/").status_code == 200
        same_answer(
            api.get(f"/api/v1/designations/{theirs.pk}/"),
            api.get("/api/v1/designations/999999/"),
        )


def test_another_users_export_answers_as_a_missing_one(world):
    """An analyst's export is theirs; an official's is not the analyst's to see."""
    api = api_as(world, "analyst")
    assert api.get(f"/api/v1/exports/{world.export.pk}/").status_code == 200
    for suffix in ("", "download/"):
        same_answer(
            api.get(f"/api/v1/exports/{world.other_export.pk}/{suffix}"),
            api.get(f"/api/v1/exports/999999/{suffix}"),
        )
    pages = client_as(world, "analyst")
    assert (
        pages.get(f"/exchange/exports/{world.other_export.pk}/download/").status_code
        == pages.get("/exchange/exports/999999/download/").status_code
        == 404
    )
    # Officials see every export.
    official = api_as(world, "official")
    assert official.get(f"/api/v1/exports/{world.export.pk}/").status_code == 200


def test_a_park_managers_export_is_of_their_own_park(world):
    api = api_as(world, "park_manager")
    response = api.post(
        "/api/v1/exports/", {"scope": f"park:{world.other_park.code}"}, format="json"
    )
    assert response.status_code == 403
    assert api.get(f"/api/v1/exports/{world.export.pk}/").status_code == 404


@pytest.mark.parametrize("role", ["analyst", "park_manager", "reporter"])
def test_only_officials_import(world, role):
    api = api_as(world, role)
    for kind in ("enterprises", "parks", "providers", "reports"):
        assert api.post(f"/api/v1/imports/{kind}/", {}).status_code == 403
        assert api.get(f"/api/v1/imports/{kind}/template/").status_code == 403
    assert client_as(world, role).get("/exchange/imports/").status_code == 403


def test_an_unknown_import_kind_is_a_404(world):
    api = api_as(world, "official")
    assert api.get("/api/v1/imports/secrets/template/").status_code == 404
    assert api.get("/api/v1/imports/enterprises/template/").status_code == 200


def test_a_park_manager_sees_the_evidence_of_their_park_only(world):
    DesignationFactory(enterprise=world.other_enterprise)
    api = api_as(world, "park_manager")
    url = "/api/v1/progress/SH23-SF-BENCH/evidence/"
    own = api.get(url, {"scope": f"park:{world.park.code}", "period": "2024Q1"})
    assert own.status_code == 200
    assert world.other_enterprise.uscc not in json.dumps(own.json())
    assert world.other_enterprise.name not in json.dumps(own.json(), ensure_ascii=False)
    for scope in (f"park:{world.other_park.code}", "city", "district:310115"):
        assert api.get(url, {"scope": scope}).status_code == 403, scope
    # A target that does not exist is a 404, for everyone.
    assert api.get("/api/v1/progress/NO-SUCH-TARGET/evidence/").status_code == 404


def test_a_reporter_sees_no_evidence_at_all(world):
    api = api_as(world, "reporter")
    response = api.get("/api/v1/progress/SH23-SF-BENCH/evidence/")
    assert response.status_code == 403
    assert "results" not in response.json()


def test_a_reporter_cannot_tell_whether_another_enterprises_uscc_exists(world):
    api = api_as(world, "reporter")
    theirs = api.post(
        "/api/v1/submissions/",
        {"period": "2024Q2", "enterprise": world.other_enterprise.uscc},
        format="json",
    )
    unknown_uscc = make_uscc()
    nobody = api.post(
        "/api/v1/submissions/", {"period": "2024Q2", "enterprise": unknown_uscc}, format="json"
    )
    assert theirs.status_code == nobody.status_code == 400
    assert theirs.json()["enterprise"][0].replace(
        world.other_enterprise.uscc, "?"
    ) == nobody.json()["enterprise"][0].replace(unknown_uscc, "?")
