"""A district official and Excel: their workbook holds their district and its parks (or
one of its parks) and nothing else, equal to the progress API; the workbook page offers
those scopes only; the table downloads hold what their pages show; imports are refused."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any, cast

import openpyxl
import pytest
from django.test import Client

from enterprises.models import Designation, Enterprise
from exchange.models import Export
from progress import services as progress_services
from targets.models import DesignationKind
from targets.periods import period_parse
from tests.conftest import OUTSIDE_DISTRICT, client_for
from tests.factories import EnterpriseFactory, SubmissionFactory, make_uscc

from .import_support import ENTERPRISE_ZH, upload, xlsx

pytestmark = pytest.mark.django_db

DISTRICT = "310115"  # the district official's: ``park`` (PARK-A) and ``other_park`` (PARK-B)
QUARTER = "2024Q3"


@pytest.fixture
def world(park, other_park, outside_park):
    """An enterprise in each park of the district, one of the district in no park and one
    outside it, each with an approved report and a scenario of 2024Q3; figures rebuilt."""
    made = {
        "A": EnterpriseFactory(name="张江企业", park=park, district=park.district),
        "B": EnterpriseFactory(name="外高桥企业", park=other_park, district=other_park.district),
        "loose": EnterpriseFactory(name="无园区企业", park=None, district=park.district),
        "outside": EnterpriseFactory(
            name="奉贤企业", park=outside_park, district=outside_park.district
        ),
    }
    for index, enterprise in enumerate(made.values()):
        SubmissionFactory(
            enterprise=enterprise,
            period=period_parse(QUARTER),
            approved=True,
            metrics={"talent_high_end_new": 1 + index, "cloud_adopted": True},
            items=[{"kind": "scenario", "identifier": f"SC-{index}", "date": "2024-08-01"}],
        )
    Designation.objects.create(
        kind=DesignationKind.objects.get(code="smart_factory_benchmark"),
        enterprise=cast(Enterprise, made["outside"]),
        granted_on=dt.date(2024, 5, 1),
    )
    progress_services.snapshots_rebuild()
    return made


def browser(user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


def _request(client, capture, **body: Any) -> dict[str, Any]:
    with capture(execute=True):
        response = client.post("/api/v1/exports/", body, format="json")
    assert response.status_code == 202, response.content
    status = client.get(f"/api/v1/exports/{response.json()['id']}/").json()
    assert status["status"] == "done", status
    return status


def _workbook(client, url: str) -> openpyxl.Workbook:
    response = client.get(url)
    assert response.status_code == 200
    return openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))


def _rows(sheet) -> list[dict[str, Any]]:
    values = list(sheet.iter_rows(values_only=True))
    return [dict(zip(values[0], row, strict=True)) for row in values[1:] if any(row)]


def _names(world, *keys: str) -> set[str]:
    return {world[key].name for key in keys}


# --- the programme workbook -----------------------------------------------------------------


def test_a_district_officials_workbook_holds_their_district_and_its_parks(
    as_district_official, world, django_capture_on_commit_callbacks
):
    api = as_district_official
    export = _request(api, django_capture_on_commit_callbacks, period=QUARTER)
    assert export["scope"] == f"district:{DISTRICT}"
    book = _workbook(api, export["download_url"])
    assert {row["Code"] for row in _rows(book["Districts"])} == {DISTRICT}
    assert {row["Code"] for row in _rows(book["Parks"])} == {"PARK-A", "PARK-B"}
    assert {row["Name"] for row in _rows(book["Enterprises"])} == _names(world, "A", "B", "loose")
    assert {row["Enterprise"] for row in _rows(book["Reports"])} == _names(world, "A", "B", "loose")
    assert "SC-3" not in {row["De-duplication key"] for row in _rows(book["Evidence"])}
    figures = api.get(
        "/api/v1/progress/", {"period": QUARTER, "scope": f"district:{DISTRICT}"}
    ).json()["results"]
    summary = {row["Code"]: row for row in _rows(book["Summary"])}
    assert figures
    for figure in figures:
        assert summary[figure["target"]]["Actual"] == figure["actual"], figure["target"]
    about = {row[0]: row[1] for row in book["About"].iter_rows(values_only=True)}
    assert about["Access"].startswith("A district official's workbook holds only their own")
    assert about["Exported by"] == "districtofficial"


def test_a_district_official_may_export_one_park_of_their_district(
    as_district_official, world, django_capture_on_commit_callbacks
):
    api = as_district_official
    export = _request(api, django_capture_on_commit_callbacks, period=QUARTER, scope="park:PARK-B")
    book = _workbook(api, export["download_url"])
    assert "Districts" not in book.sheetnames
    assert {row["Code"] for row in _rows(book["Parks"])} == {"PARK-B"}
    assert {row["Name"] for row in _rows(book["Enterprises"])} == _names(world, "B")


def test_a_district_official_may_not_export_the_city_or_another_district(
    as_district_official, world
):
    for scope in ("city", f"district:{OUTSIDE_DISTRICT}", "park:PARK-FX"):
        response = as_district_official.post("/api/v1/exports/", {"scope": scope}, format="json")
        assert response.status_code == 403, scope
        assert "your own district and its parks" in response.json()["detail"]
    assert not Export.objects.exists()


def test_a_district_official_downloads_their_own_workbooks_only(
    district_official, analyst, world, django_capture_on_commit_callbacks
):
    theirs = _request(client_for(analyst), django_capture_on_commit_callbacks, scope="city")
    own = _request(client_for(district_official), django_capture_on_commit_callbacks)
    api = client_for(district_official)
    assert api.get(own["download_url"]).status_code == 200
    assert api.get(f"/api/v1/exports/{theirs['id']}/").status_code == 404
    assert api.get(theirs["download_url"]).status_code == 404
    assert [row["id"] for row in api.get("/api/v1/exports/").json()["results"]] == [own["id"]]
    page = browser(district_official)
    assert page.get(f"/exchange/exports/{theirs['id']}/download/").status_code == 404


# --- the workbook page ----------------------------------------------------------------------


def test_the_workbook_page_offers_the_district_and_its_parks_only(district_official, world):
    html = browser(district_official).get("/exchange/exports/").content.decode()
    assert f'<option value="district:{DISTRICT}" selected>' in html
    assert '<option value="park:PARK-A">' in html
    assert '<option value="park:PARK-B">' in html
    assert 'value="city"' not in html
    assert "PARK-FX" not in html
    assert "Your workbook holds only your own district and its parks" in html


def test_the_workbook_page_refuses_the_city(district_official, world):
    response = browser(district_official).post(
        "/exchange/exports/", {"period": QUARTER, "scope": "city"}
    )
    assert response.status_code == 200  # the form again, with the error
    assert not Export.objects.exists()


def test_the_summary_csv_is_the_districts_unless_a_park_of_it_is_asked(district_official, world):
    client = browser(district_official)
    own = client.get("/exchange/exports/summary.csv")
    assert own.status_code == 200
    assert f"district-{DISTRICT}" in own["Content-Disposition"]
    assert client.get("/exchange/exports/summary.csv?scope=park:PARK-A").status_code == 200
    assert client.get("/exchange/exports/summary.csv?scope=city").status_code == 403
    other = client.get(f"/exchange/exports/summary.csv?scope=district:{OUTSIDE_DISTRICT}")
    assert other.status_code == 403


# --- the tables' downloads -------------------------------------------------------------------


def _table(client, name: str, **params: str) -> list[dict[str, Any]]:
    response = client.get(f"/exchange/tables/{name}.xlsx", params)
    assert response.status_code == 200, response.status_code
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return _rows(openpyxl.load_workbook(io.BytesIO(body)).worksheets[0])


def test_a_district_officials_downloads_hold_their_district_only(district_official, world):
    client = browser(district_official)
    reports = _table(client, "reports")
    assert {row["USCC"] for row in reports} == {world[k].uscc for k in ("A", "B", "loose")}
    breakdown = _table(client, "target-breakdown", target="SH23-TALENT-HIGH", period=QUARTER)
    assert breakdown[0]["Code"] == DISTRICT
    assert sorted(row["Code"] for row in breakdown) == [DISTRICT, "PARK-A", "PARK-B"]
    enterprises = _table(client, "scope-enterprises", scope=f"district:{DISTRICT}", period=QUARTER)
    assert {row["USCC"] for row in enterprises} == {world[k].uscc for k in ("A", "B", "loose")}
    outside = {"scope": f"district:{OUTSIDE_DISTRICT}", "period": QUARTER}
    assert client.get("/exchange/tables/scope-enterprises.xlsx", outside).status_code == 404
    stranger = {"uscc": world["outside"].uscc}
    assert client.get("/exchange/tables/enterprise-history.xlsx", stranger).status_code == 404
    assert client.get("/exchange/tables/compare.xlsx").status_code == 403
    assert client.get("/exchange/tables/review-queue.xlsx").status_code == 403


# --- imports ---------------------------------------------------------------------------------


def test_a_district_official_imports_nothing(district_official, as_district_official, park):
    row = [make_uscc(), "区里导入的企业", DISTRICT, park.code, "chemical", "是", "否", ""]
    data = xlsx([ENTERPRISE_ZH, row])
    for kind in ("enterprises", "parks", "providers", "reports"):
        assert upload(as_district_official, kind, data).status_code == 403, kind
    client = browser(district_official)
    assert client.get("/exchange/imports/").status_code == 403
    assert client.get("/exchange/imports/template/enterprises/").status_code == 403
    assert not Enterprise.objects.filter(name="区里导入的企业").exists()
