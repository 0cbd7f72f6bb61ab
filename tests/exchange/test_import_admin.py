"""Import and export in the admin (django-import-export), written through the services."""

from __future__ import annotations

import io
import re

import pytest
from django.test import Client
from openpyxl import load_workbook

from enterprises.models import Enterprise, Provider
from parks.models import Park
from targets.models import RecomputeRequest
from tests.factories import EnterpriseFactory, ParkFactory, make_uscc

from .import_support import ENTERPRISE_ZH, xlsx

pytestmark = pytest.mark.django_db

IMPORT = "/admin/enterprises/enterprise/import/"
PROCESS = "/admin/enterprises/enterprise/process_import/"
XLSX_FORMAT = "0"


@pytest.fixture
def admin_client(official) -> Client:
    client = Client()
    client.force_login(official)
    return client


def row(uscc, name="后台导入企业", district="310115"):
    return [uscc, name, district, "", "chemical", "是", "否", "2024-01-01"]


def send(client, data, url=IMPORT, name="e.xlsx"):
    handle = io.BytesIO(data)
    handle.name = name
    return client.post(url, {"import_file": handle, "format": XLSX_FORMAT, "resource": "0"})


def confirm_fields(html: str) -> dict[str, str]:
    fields = dict(re.findall(r'name="(\w+)" value="([^"]*)"', html))
    return {k: fields[k] for k in ("import_file_name", "original_file_name", "format", "resource")}


def test_the_admin_dry_run_then_confirm_writes_through_the_service(admin_client, official):
    uscc = make_uscc()

    checked = send(admin_client, xlsx([ENTERPRISE_ZH, row(uscc)]))

    assert checked.status_code == 200
    html = checked.content.decode()
    assert "process_import" in html
    assert not Enterprise.objects.exists()

    done = admin_client.post(PROCESS, confirm_fields(html))

    assert done.status_code == 302
    enterprise = Enterprise.objects.get(uscc=uscc)
    assert enterprise.history.first().history_user == official
    # The service recorded the change for the rollup.
    assert RecomputeRequest.objects.filter(reason=f"enterprise {uscc}").exists()


def test_an_invalid_row_in_the_admin_shows_its_error_and_offers_no_confirmation(admin_client):
    response = send(
        admin_client, xlsx([ENTERPRISE_ZH, row(make_uscc()), row(make_uscc(), district="319999")])
    )

    html = response.content.decode()
    assert "319999" in html
    assert "process_import" not in html
    assert not Enterprise.objects.exists()


def test_an_unsafe_file_in_the_admin_gets_the_reader_s_message(admin_client):
    response = send(admin_client, b"%PDF-1.4", name="x.xlsx")

    assert response.status_code == 200
    assert "not a spreadsheet" in response.content.decode()


def test_a_wrong_header_in_the_admin_is_shown_not_raised(admin_client):
    response = send(admin_client, xlsx([["统一信用代码", "名称"], [make_uscc(), "x"]]))

    assert response.status_code == 200
    assert "统一信用代码" in response.content.decode()
    assert not Enterprise.objects.exists()


def test_parks_import_in_the_admin(admin_client):
    data = xlsx([["园区代码", "名称", "区"], ["ADM", "后台园区", "310115"]])

    checked = send(admin_client, data, url="/admin/parks/park/import/")
    done = admin_client.post(
        "/admin/parks/park/process_import/", confirm_fields(checked.content.decode())
    )

    assert done.status_code == 302
    assert Park.objects.get(code="ADM").name_zh == "后台园区"


def test_providers_import_in_the_admin(admin_client):
    served = EnterpriseFactory()
    uscc = make_uscc()
    data = xlsx(
        [
            ["uscc", "name", "district", "services", "enterprises"],
            [uscc, "服务商", "310104", "MES", served.uscc],
        ]
    )

    checked = send(admin_client, data, url="/admin/enterprises/provider/import/")
    done = admin_client.post(
        "/admin/enterprises/provider/process_import/", confirm_fields(checked.content.decode())
    )

    assert done.status_code == 302
    assert list(Provider.objects.get(uscc=uscc).enterprises.all()) == [served]


def test_the_admin_exports_enterprises_in_the_import_columns(admin_client):
    park = ParkFactory(code="EXP")
    enterprise = EnterpriseFactory(park=park, district=park.district, name="=HYPERLINK(1)")

    response = admin_client.post(
        "/admin/enterprises/enterprise/export/",
        {
            "format": "0",
            "resource": "0",
            **{f"enterpriseresource_{k}": "on" for k in ("uscc", "name", "park", "is_key")},
        },
    )

    assert response.status_code == 200, response.content[:500]
    sheet = load_workbook(io.BytesIO(response.content)).worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:2] == ("uscc", "name")
    assert rows[1][0] == enterprise.uscc
    # Text that a spreadsheet would run as a formula is written as text.
    assert rows[1][1] == "'=HYPERLINK(1)"
    assert "EXP" in rows[1]


def test_only_officials_see_the_import(analyst):
    client = Client()
    analyst.is_staff = True
    analyst.save()
    client.force_login(analyst)

    assert client.get(IMPORT).status_code in (302, 403)
