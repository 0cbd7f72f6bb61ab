"""POST /api/v1/imports/parks/ and /providers/: the same rules as enterprises."""

from __future__ import annotations

import pytest

from enterprises.models import Provider
from parks.models import Park
from targets.models import RecomputeRequest
from tests.factories import EnterpriseFactory, ParkFactory, ProviderFactory, make_uscc

from .import_support import csv_bytes, errors_of, upload, xlsx

pytestmark = pytest.mark.django_db

PARK_ZH = ["园区代码", "名称", "英文名称", "区"]


def test_parks_are_created_and_updated_by_code(as_official, official):
    existing = ParkFactory(code="ZJ", name_zh="张江", name_en="")
    data = xlsx(
        [
            PARK_ZH,
            ["ZJ", "张江科学城", "Zhangjiang", "310115"],
            ["LG", "临港生命蓝湾", "Lingang Bio Bay", "310115"],
        ],
        title="园区",
    )

    response = upload(as_official, "parks", data)

    assert response.status_code == 200, response.json()
    assert (response.json()["created"], response.json()["updated"]) == (1, 1)
    existing.refresh_from_db()
    assert (existing.name_zh, existing.name_en) == ("张江科学城", "Zhangjiang")
    created = Park.objects.get(code="LG")
    assert created.district.code == "310115"
    assert created.history.first().history_user == official


def test_a_bad_park_code_and_an_unknown_district_are_row_errors(as_official):
    data = xlsx(
        [
            ["code", "name", "district"],
            ["OK-1", "好园区", "310115"],
            ["bad code!", "坏代码", "310115"],
            ["OK-2", "无区", "999999"],
        ]
    )

    response = upload(as_official, "parks", data)

    assert response.status_code == 400
    assert errors_of(response) == [(2, "code"), (3, "district")]
    assert not Park.objects.exists()


def test_a_park_with_enterprises_cannot_move_district(as_official):
    park = ParkFactory(code="ZJ")
    EnterpriseFactory(park=park, district=park.district)
    data = xlsx([["code", "district"], ["ZJ", "310112"]])

    response = upload(as_official, "parks", data)

    assert response.status_code == 400
    assert errors_of(response) == [(1, "district")]
    park.refresh_from_db()
    assert park.district.code == "310115"


def test_a_blank_park_name_is_the_name_column_s_error(as_official):
    response = upload(as_official, "parks", xlsx([PARK_ZH, ["NEW", "", "", "310115"]]))

    assert response.status_code == 400
    assert errors_of(response) == [(1, "name")]


def test_providers_are_created_with_services_and_the_enterprises_they_serve(as_official):
    served = EnterpriseFactory(), EnterpriseFactory()
    uscc = make_uscc()
    data = csv_bytes(
        [
            ["统一社会信用代码", "名称", "区", "服务内容", "服务企业"],
            [uscc, "数智服务商", "310104", "MES、云平台", f"{served[0].uscc}，{served[1].uscc}"],
        ],
        encoding="gbk",
    )

    response = upload(as_official, "providers", data, name="p.csv")

    assert response.status_code == 200, response.json()
    provider = Provider.objects.get(uscc=uscc)
    assert provider.services == ["MES", "云平台"]
    assert set(provider.enterprises.all()) == set(served)


def test_a_provider_update_replaces_its_enterprises_and_moves_its_figures(as_official):
    provider = ProviderFactory()
    provider.enterprises.set([EnterpriseFactory()])
    other = EnterpriseFactory()
    data = xlsx([["uscc", "district", "enterprises"], [provider.uscc, "310101", other.uscc]])

    response = upload(as_official, "providers", data)

    assert response.status_code == 200, response.json()
    assert list(provider.enterprises.all()) == [other]
    # A provider that moves district moves the figures of its designations.
    assert RecomputeRequest.objects.count() == 1


def test_unknown_served_enterprises_are_the_enterprises_column_s_error(as_official):
    data = xlsx(
        [["uscc", "name", "district", "enterprises"], [make_uscc(), "X", "310104", make_uscc()]]
    )

    response = upload(as_official, "providers", data)

    assert response.status_code == 400
    assert errors_of(response) == [(1, "enterprises")]
    assert not Provider.objects.exists()


def test_unchanged_providers_are_counted_as_such(as_official):
    provider = ProviderFactory(services=["MES"])
    data = xlsx(
        [
            ["uscc", "name", "district", "services", "enterprises"],
            [provider.uscc, provider.name, provider.district.code, "MES", ""],
        ]
    )

    response = upload(as_official, "providers", data)

    assert response.json()["unchanged"] == 1, response.json()
