"""Role by role, what each reference-data endpoint allows and refuses."""

import datetime as dt

import pytest

from enterprises.models import Designation, Enterprise
from tests.conftest import client_for
from tests.factories import (
    DesignationFactory,
    EnterpriseFactory,
    ProviderFactory,
    make_uscc,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(enterprise, other_enterprise, park, other_park):
    provider = ProviderFactory()
    provider.enterprises.set([enterprise])
    other_provider = ProviderFactory()
    other_provider.enterprises.set([other_enterprise])
    mine = DesignationFactory(enterprise=enterprise)
    theirs = DesignationFactory(enterprise=other_enterprise)
    return {"provider": provider, "other_provider": other_provider, "mine": mine, "theirs": theirs}


def usccs(response):
    return {row["uscc"] for row in response.json()["results"]}


# --- catalogue: everyone logged in reads ------------------------------------------------


@pytest.mark.parametrize("role", ["as_official", "as_analyst", "as_park_manager", "as_reporter"])
@pytest.mark.parametrize("path", ["/api/v1/districts/", "/api/v1/metrics/", "/api/v1/targets/"])
def test_every_role_reads_the_catalogue(request, role, path):
    response = request.getfixturevalue(role).get(path)
    assert response.status_code == 200
    assert response.json()["count"] > 0


def test_targets_show_milestones_baseline_and_rule(as_analyst):
    target = as_analyst.get("/api/v1/targets/AIC-PILOT/").json()
    assert target["milestones"] == [
        {"date": "2022-12-31", "value": 10.0},
        {"date": "2023-12-31", "value": 20.0},
    ]
    assert target["baseline"] == {"date": "2021-12-31", "value": 0}
    assert target["rule"] == {"kind": "designation_count", "designation": "pilot_project"}
    assert target["comparator"] == "approximately"


def test_districts_show_code_name_and_english_name(as_reporter):
    row = as_reporter.get("/api/v1/districts/310115/").json()
    assert row == {"code": "310115", "name": "浦东新区", "name_en": "Pudong New Area"}


def test_nobody_writes_the_catalogue_through_the_api(as_official):
    assert as_official.post("/api/v1/districts/", {"code": "1"}).status_code == 405


# --- enterprises ------------------------------------------------------------------------


def test_an_official_and_an_analyst_see_every_enterprise(as_official, as_analyst, world):
    assert len(usccs(as_official.get("/api/v1/enterprises/"))) == Enterprise.objects.count()
    assert len(usccs(as_analyst.get("/api/v1/enterprises/"))) == Enterprise.objects.count()


def test_a_park_manager_sees_only_their_parks_enterprises(as_park_manager, enterprise, world):
    assert usccs(as_park_manager.get("/api/v1/enterprises/")) == {enterprise.uscc}


def test_a_park_manager_gets_404_for_another_parks_enterprise(as_park_manager, other_enterprise):
    assert as_park_manager.get(f"/api/v1/enterprises/{other_enterprise.uscc}/").status_code == 404


def test_an_enterprise_user_sees_only_their_own_enterprise(
    as_reporter, enterprise, other_enterprise
):
    assert usccs(as_reporter.get("/api/v1/enterprises/")) == {enterprise.uscc}
    assert as_reporter.get(f"/api/v1/enterprises/{other_enterprise.uscc}/").status_code == 404


def test_enterprise_fields_are_exactly_the_contract(as_official, enterprise):
    row = as_official.get(f"/api/v1/enterprises/{enterprise.uscc}/").json()
    assert set(row) >= {
        "uscc",
        "name",
        "district",
        "park",
        "segment",
        "is_key",
        "above_scale",
        "active_from",
        "active_until",
    }
    assert row["park"] == enterprise.park.code
    assert row["district"] == enterprise.district.code


def test_enterprises_filter_by_park_and_flags(as_official, enterprise, other_enterprise):
    EnterpriseFactory(is_key=True)
    assert usccs(as_official.get("/api/v1/enterprises/?park=PARK-A")) == {enterprise.uscc}
    assert len(usccs(as_official.get("/api/v1/enterprises/?is_key=true"))) == 1


def test_page_size_is_capped_at_1000(as_official):
    response = as_official.get("/api/v1/enterprises/?page_size=5000")
    assert response.status_code == 200


def new_enterprise(**overrides):
    body = {
        "uscc": make_uscc(),
        "name": "上海新药有限公司",
        "district": "310115",
        "park": None,
        "segment": "biologics",
        "is_key": True,
        "above_scale": False,
        "active_from": "2023-01-01",
        "active_until": None,
    }
    return {**body, **overrides}


def test_an_official_creates_an_enterprise(as_official):
    response = as_official.post("/api/v1/enterprises/", new_enterprise(), format="json")
    assert response.status_code == 201, response.json()
    assert Enterprise.objects.filter(uscc=response.json()["uscc"], is_key=True).exists()


def test_a_wrong_check_digit_is_a_field_error_and_saves_nothing(as_official):
    body = new_enterprise(uscc="9144030071526726XY")
    response = as_official.post("/api/v1/enterprises/", body, format="json")
    assert response.status_code == 400
    assert "check digit" in response.json()["uscc"][0]
    assert not Enterprise.objects.filter(uscc="9144030071526726XY").exists()


def test_unknown_codes_are_field_errors(as_official):
    body = new_enterprise(district="999999", segment="nope")
    response = as_official.post("/api/v1/enterprises/", body, format="json")
    assert response.status_code == 400
    assert set(response.json()) >= {"district", "segment"}


def test_an_official_updates_an_enterprise(as_official, enterprise):
    response = as_official.patch(
        f"/api/v1/enterprises/{enterprise.uscc}/", {"is_key": True}, format="json"
    )
    assert response.status_code == 200
    enterprise.refresh_from_db()
    assert enterprise.is_key


@pytest.mark.parametrize("role", ["as_analyst", "as_park_manager", "as_reporter"])
def test_only_officials_write_enterprises(request, role, enterprise):
    client = request.getfixturevalue(role)
    assert client.post("/api/v1/enterprises/", new_enterprise(), format="json").status_code == 403
    patch = client.patch(f"/api/v1/enterprises/{enterprise.uscc}/", {"is_key": True}, format="json")
    assert patch.status_code == 403


# --- parks, providers -------------------------------------------------------------------


def test_every_role_reads_parks_with_their_district(as_reporter, park):
    row = as_reporter.get(f"/api/v1/parks/{park.code}/").json()
    assert row == {
        "code": park.code,
        "name": park.name_zh,
        "name_en": park.name_en,
        "district": "310115",
        "prereview": False,
    }


def test_only_officials_create_parks(as_official, as_analyst):
    body = {"code": "NEW", "name": "新园区", "name_en": "New Park", "district": "310112"}
    assert as_analyst.post("/api/v1/parks/", body, format="json").status_code == 403
    assert as_official.post("/api/v1/parks/", body, format="json").status_code == 201


def test_providers_are_scoped_to_the_enterprises_a_user_may_see(as_reporter, as_official, world):
    mine = {row["uscc"] for row in as_reporter.get("/api/v1/providers/").json()["results"]}
    everyone = {row["uscc"] for row in as_official.get("/api/v1/providers/").json()["results"]}
    assert mine == {world["provider"].uscc}
    assert everyone == {world["provider"].uscc, world["other_provider"].uscc}


# --- designations -----------------------------------------------------------------------


def test_designations_are_scoped_by_role(as_reporter, as_park_manager, as_analyst, world):
    def ids(client):
        return {row["id"] for row in client.get("/api/v1/designations/").json()["results"]}

    assert ids(as_reporter) == {world["mine"].id}
    assert ids(as_park_manager) == {world["mine"].id}
    assert ids(as_analyst) == {world["mine"].id, world["theirs"].id}


def test_an_official_grants_an_enterprise_designation(as_official, enterprise):
    body = {
        "kind": "pioneer_enterprise",
        "enterprise": enterprise.uscc,
        "name": "先锋",
        "reference": "沪经信〔2024〕9号",
        "granted_on": "2024-05-01",
    }
    response = as_official.post("/api/v1/designations/", body, format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["enterprise"] == enterprise.uscc
    assert response.json()["park"] is None


def test_a_designation_must_name_the_subject_its_kind_needs(as_official, enterprise, park):
    body = {"kind": "demo_park", "enterprise": enterprise.uscc, "granted_on": "2024-05-01"}
    response = as_official.post("/api/v1/designations/", body, format="json")
    assert response.status_code == 400
    assert "enterprise" in response.json()
    assert Designation.objects.count() == 0


def test_a_programme_designation_names_no_subject(as_official, enterprise):
    body = {"kind": "regulatory_platform", "name": "监管平台", "granted_on": "2024-05-01"}
    created = as_official.post("/api/v1/designations/", body, format="json")
    assert created.status_code == 201
    assert (created.json()["enterprise"], created.json()["park"], created.json()["provider"]) == (
        None,
        None,
        None,
    )
    named = as_official.post(
        "/api/v1/designations/", {**body, "enterprise": enterprise.uscc}, format="json"
    )
    assert named.status_code == 400
    assert "enterprise" in named.json()


def test_patch_revokes_a_designation(as_official, world):
    designation = world["mine"]
    response = as_official.patch(
        f"/api/v1/designations/{designation.id}/", {"revoked_on": "2024-12-31"}, format="json"
    )
    assert response.status_code == 200
    designation.refresh_from_db()
    assert designation.revoked_on == dt.date(2024, 12, 31)


def test_a_revocation_before_the_grant_is_refused(as_official, world):
    response = as_official.patch(
        f"/api/v1/designations/{world['mine'].id}/", {"revoked_on": "2020-01-01"}, format="json"
    )
    assert response.status_code == 400
    assert "revoked_on" in response.json()


@pytest.mark.parametrize("role", ["as_analyst", "as_park_manager", "as_reporter"])
def test_only_officials_grant_or_revoke_designations(request, role, world, enterprise):
    client = request.getfixturevalue(role)
    body = {"kind": "pioneer_enterprise", "enterprise": enterprise.uscc, "granted_on": "2024-05-01"}
    assert client.post("/api/v1/designations/", body, format="json").status_code == 403
    revoke = client.patch(
        f"/api/v1/designations/{world['mine'].id}/", {"revoked_on": "2024-12-31"}, format="json"
    )
    assert revoke.status_code in (403, 404)


def test_a_user_without_a_role_sees_nothing(db, enterprise):
    from tests.factories import UserFactory

    client = client_for(UserFactory(username="norole", role=""))
    assert client.get("/api/v1/enterprises/").json()["count"] == 0
