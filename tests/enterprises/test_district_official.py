"""A district official and the reference data's API: the enterprises of their district
(in a park or not), the providers serving them or sitting in the district, and the
designations of those enterprises and of the district's parks and providers; other
districts' rows answer 404; every write answers 403."""

import datetime as dt

import pytest

from enterprises.models import Designation, Enterprise, Provider
from parks.models import Park
from targets.models import DesignationKind
from tests.factories import DesignationFactory, EnterpriseFactory, ProviderFactory, make_uscc

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(enterprise, other_enterprise, outside_enterprise, other_park, outside_park):
    loose = EnterpriseFactory(park=None, district=enterprise.district)
    serving = ProviderFactory()
    serving.enterprises.set([loose])
    elsewhere = ProviderFactory()  # of 310104, serving another district
    elsewhere.enterprises.set([outside_enterprise])
    sitting = ProviderFactory(district=enterprise.district)  # of the district, serving none
    demo_park = DesignationKind.objects.get(code="demo_park")
    excellent = DesignationKind.objects.get(code="excellent_provider")
    return {
        "loose": loose,
        "serving": serving,
        "elsewhere": elsewhere,
        "sitting": sitting,
        "of_provider": DesignationFactory(kind=excellent, enterprise=None, provider=sitting),
        "elsewhere_provider": DesignationFactory(
            kind=excellent, enterprise=None, provider=elsewhere
        ),
        "of_enterprise": DesignationFactory(enterprise=other_enterprise),
        "of_park": DesignationFactory(kind=demo_park, enterprise=None, park=other_park),
        "outside": DesignationFactory(enterprise=outside_enterprise),
        "outside_park": DesignationFactory(kind=demo_park, enterprise=None, park=outside_park),
    }


def results(response) -> list[dict]:
    assert response.status_code == 200
    return response.json()["results"]


def test_a_district_official_lists_the_enterprises_of_their_district(
    as_district_official, world, enterprise, other_enterprise, outside_enterprise
):
    listed = {row["uscc"] for row in results(as_district_official.get("/api/v1/enterprises/"))}
    assert listed == {enterprise.uscc, other_enterprise.uscc, world["loose"].uscc}
    detail = as_district_official.get(f"/api/v1/enterprises/{world['loose'].uscc}/")
    assert detail.status_code == 200
    outside = as_district_official.get(f"/api/v1/enterprises/{outside_enterprise.uscc}/")
    assert outside.status_code == 404


def test_a_district_official_lists_the_providers_serving_or_sitting_in_their_district(
    as_district_official, world
):
    listed = {row["uscc"] for row in results(as_district_official.get("/api/v1/providers/"))}
    assert listed == {world["serving"].uscc, world["sitting"].uscc}
    theirs = as_district_official.get(f"/api/v1/providers/{world['elsewhere'].uscc}/")
    assert theirs.status_code == 404


def test_a_district_official_lists_the_designations_of_their_district(as_district_official, world):
    listed = {row["id"] for row in results(as_district_official.get("/api/v1/designations/"))}
    assert listed == {world["of_enterprise"].pk, world["of_park"].pk, world["of_provider"].pk}
    outside = as_district_official.get(f"/api/v1/designations/{world['outside'].pk}/")
    assert outside.status_code == 404


def test_a_district_official_reads_every_park_as_everyone_does(as_district_official, world):
    """The list of parks is public reference data (docs/decisions/0003)."""
    listed = {row["code"] for row in results(as_district_official.get("/api/v1/parks/"))}
    assert listed == set(Park.objects.values_list("code", flat=True))


def test_a_district_official_writes_no_reference_data(
    as_district_official, world, enterprise, park
):
    api = as_district_official
    body = {
        "uscc": make_uscc(),
        "name": "区里的新企业",
        "district": "310115",
        "park": park.code,
        "segment": "biologics",
        "is_key": True,
        "above_scale": False,
    }
    assert api.post("/api/v1/enterprises/", body, format="json").status_code == 403
    own = f"/api/v1/enterprises/{enterprise.uscc}/"
    assert api.patch(own, {"is_key": True}, format="json").status_code == 403
    park_body = {"code": "NEW-P", "name_zh": "新园区", "district": "310115"}
    assert api.post("/api/v1/parks/", park_body, format="json").status_code == 403
    rename = api.patch(f"/api/v1/parks/{park.code}/", {"name_zh": "改名"}, format="json")
    assert rename.status_code == 403
    provider = {"uscc": make_uscc(), "name": "服务商", "district": "310115"}
    assert api.post("/api/v1/providers/", provider, format="json").status_code == 403
    designation = {
        "kind": "smart_factory_benchmark",
        "enterprise": enterprise.uscc,
        "granted_on": "2024-06-01",
    }
    assert api.post("/api/v1/designations/", designation, format="json").status_code == 403
    revoke = {"revoked_on": "2025-01-01"}
    own_designation = f"/api/v1/designations/{world['of_enterprise'].pk}/"
    assert api.patch(own_designation, revoke, format="json").status_code == 403
    assert api.delete(own_designation).status_code == 403

    assert not Enterprise.objects.filter(name="区里的新企业").exists()
    assert not Park.objects.filter(code="NEW-P").exists()
    assert not Park.objects.filter(name_zh="改名").exists()
    assert not Provider.objects.filter(name="服务商").exists()
    assert Designation.objects.count() == 6
    assert Designation.objects.get(pk=world["of_enterprise"].pk).revoked_on is None
    enterprise.refresh_from_db()
    assert enterprise.is_key is False
    assert Designation.objects.filter(granted_on=dt.date(2024, 6, 1)).count() == 0
