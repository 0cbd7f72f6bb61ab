"""POST /api/v1/imports/enterprises/: rows through the services, all or nothing."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from openpyxl import load_workbook

from enterprises.models import Enterprise
from progress.models import RollupRun
from targets.models import District, RecomputeRequest
from tests.conftest import client_for
from tests.factories import EnterpriseFactory, ParkFactory, ReporterFactory, make_uscc

from .import_support import (
    ENTERPRISE_EN,
    ENTERPRISE_ZH,
    csv_bytes,
    errors_of,
    upload,
    xlsx,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def zj(db):
    return ParkFactory(code="ZJ")


def row(uscc, name="甲医药有限公司", park="ZJ", segment="chemical", key="是", scale="否"):
    return [uscc, name, "310115", park, segment, key, scale, "2024-01-01"]


def test_an_official_creates_enterprises_from_chinese_headers(as_official, official, zj):
    first, second = make_uscc(), make_uscc()
    data = xlsx([ENTERPRISE_ZH, row(first), row(second, "乙生物", park="", key="否")])

    response = upload(as_official, "enterprises", data)

    assert response.status_code == 200, response.json()
    assert response.json() == {
        "created": 2,
        "updated": 0,
        "unchanged": 0,
        "skipped": 0,
        "rows": 2,
        "dry_run": False,
        "errors": [],
    }
    created = Enterprise.objects.get(uscc=first)
    assert (created.name, created.park, created.is_key, created.above_scale) == (
        "甲医药有限公司",
        zj,
        True,
        False,
    )
    assert created.active_from == dt.date(2024, 1, 1)
    assert Enterprise.objects.get(uscc=second).park is None
    # Written by the service, which records who did it.
    assert created.history.first().history_user == official


def test_english_headers_in_any_order_and_real_date_cells_are_read(as_official, zj):
    uscc = make_uscc()
    headers = ["segment", "name", "uscc", "district", "active_from", "is_key"]
    data = xlsx([headers, ["biologics", "Alpha Bio", uscc, 310115, dt.datetime(2023, 5, 6), True]])

    response = upload(as_official, "enterprises", data)

    assert response.status_code == 200, response.json()
    enterprise = Enterprise.objects.get(uscc=uscc)
    assert (enterprise.segment.code, enterprise.district.code) == ("biologics", "310115")
    assert enterprise.active_from == dt.date(2023, 5, 6)
    assert enterprise.is_key is True


def test_a_dry_run_answers_the_same_and_saves_nothing(as_official, zj):
    data = xlsx([ENTERPRISE_ZH, row(make_uscc())])

    response = upload(as_official, "enterprises", data, dry_run="1")

    assert response.status_code == 200
    assert response.json()["created"] == 1
    assert response.json()["dry_run"] is True
    assert not Enterprise.objects.exists()
    assert not RecomputeRequest.objects.exists()


def test_dry_run_also_works_as_a_query_parameter(as_official, zj):
    data = xlsx([ENTERPRISE_ZH, row(make_uscc())])
    handle = io.BytesIO(data)
    handle.name = "e.xlsx"

    response = as_official.post(
        "/api/v1/imports/enterprises/?dry_run=1", {"file": handle}, format="multipart"
    )

    assert response.status_code == 200
    assert not Enterprise.objects.exists()


def test_one_bad_row_saves_nothing_and_reports_row_and_field(as_official, zj):
    good, bad = make_uscc(), make_uscc()
    data = xlsx([ENTERPRISE_ZH, row(good), row(bad, park="NOPE"), row(make_uscc())])

    response = upload(as_official, "enterprises", data)

    assert response.status_code == 400
    body = response.json()
    assert (body["created"], body["updated"]) == (0, 0)
    assert body["errors"] == [{"row": 2, "field": "park", "message": body["errors"][0]["message"]}]
    assert "NOPE" in body["errors"][0]["message"]
    assert not Enterprise.objects.exists()
    assert not RecomputeRequest.objects.exists()


def test_an_unknown_district_and_segment_are_row_errors(as_official):
    data = xlsx(
        [
            ["uscc", "name", "district", "segment"],
            [make_uscc(), "X", "319999", "chemical"],
            [make_uscc(), "Y", "310115", "vaccines"],
        ]
    )

    response = upload(as_official, "enterprises", data)

    assert response.status_code == 400
    assert errors_of(response) == [(1, "district"), (2, "segment")]
    assert "319999" in response.json()["errors"][0]["message"]


def test_a_uscc_stored_as_a_number_is_refused(as_official):
    numeric = 913100000000000000
    data = xlsx([ENTERPRISE_ZH, [numeric, "甲", "310115", "", "chemical", "否", "否", None]])

    response = upload(as_official, "enterprises", data)

    assert response.status_code == 400
    assert errors_of(response) == [(1, "uscc")]
    assert "number" in response.json()["errors"][0]["message"]


def test_a_uscc_in_scientific_notation_in_a_csv_is_refused(as_official):
    data = csv_bytes([ENTERPRISE_EN, ["9.13100E+17", "甲", "310115", "", "chemical", "", "", ""]])

    response = upload(as_official, "enterprises", data, name="e.csv")

    assert response.status_code == 400
    assert errors_of(response) == [(1, "uscc")]


def test_a_uscc_with_a_wrong_check_digit_is_the_service_s_error(as_official):
    right = make_uscc()
    wrong = right[:17] + ("1" if right[17] != "1" else "2")
    data = xlsx([ENTERPRISE_EN, [wrong, "甲", "310115", "", "chemical", "", "", ""]])

    response = upload(as_official, "enterprises", data)

    assert response.status_code == 400
    assert errors_of(response) == [(1, "uscc")]
    assert "check digit" in response.json()["errors"][0]["message"]


def test_dates_as_text_are_read_only_when_the_year_comes_first(as_official):
    rows: list[list[object]] = [list(ENTERPRISE_EN)]
    for text in ("5/1/2024", "05.01.2024", "Jan 5, 2024", "2024-02-30"):
        rows.append([make_uscc(), "甲", "310115", "", "chemical", "", "", text])
    rows.append([make_uscc(), "乙", "310115", "", "chemical", "", "", 45296])

    response = upload(as_official, "enterprises", xlsx(rows))

    assert response.status_code == 400
    assert errors_of(response) == [(n, "active_from") for n in range(1, 6)]
    assert "YYYY-MM-DD" in response.json()["errors"][0]["message"]
    assert not Enterprise.objects.exists()


@pytest.mark.parametrize("text", ["2024-01-05", "2024-1-5", "2024/1/5", "2024.1.5", "2024年1月5日"])
def test_year_first_dates_as_text_are_read(as_official, text):
    uscc = make_uscc()
    data = xlsx([ENTERPRISE_EN, [uscc, "甲", "310115", "", "chemical", "", "", text]])

    response = upload(as_official, "enterprises", data)

    assert response.status_code == 200, response.json()
    assert Enterprise.objects.get(uscc=uscc).active_from == dt.date(2024, 1, 5)


def test_a_duplicated_uscc_is_refused_on_its_second_row(as_official):
    uscc = make_uscc()
    data = xlsx([ENTERPRISE_EN, row(uscc, park=""), row(make_uscc(), park=""), row(uscc, park="")])

    response = upload(as_official, "enterprises", data)

    assert response.status_code == 400
    assert errors_of(response) == [(3, "uscc")]
    assert "row 1" in response.json()["errors"][0]["message"]


def test_rows_are_numbered_as_in_the_sheet_blank_rows_included(as_official):
    data = xlsx(
        [
            ENTERPRISE_EN,
            row(make_uscc(), park=""),
            [None] * 8,
            row(make_uscc(), park="", key="perhaps"),
        ]
    )

    response = upload(as_official, "enterprises", data)

    assert errors_of(response) == [(3, "is_key")]


def test_existing_enterprises_are_updated_only_in_the_columns_given(as_official, zj):
    enterprise = EnterpriseFactory(is_key=False, above_scale=True, name="旧名称")
    data = xlsx([["统一社会信用代码", "重点企业"], [enterprise.uscc, "是"]])

    response = upload(as_official, "enterprises", data)

    assert response.status_code == 200, response.json()
    assert (response.json()["created"], response.json()["updated"]) == (0, 1)
    enterprise.refresh_from_db()
    assert (enterprise.is_key, enterprise.above_scale, enterprise.name) == (True, True, "旧名称")


def test_a_row_identical_to_the_stored_enterprise_is_unchanged(as_official, zj):
    enterprise = EnterpriseFactory(park=zj, is_key=True, name="甲医药有限公司")
    data = xlsx(
        [
            ["uscc", "name", "district", "park", "segment", "is_key"],
            [enterprise.uscc, "甲医药有限公司", "310115", "ZJ", "chemical", "true"],
        ]
    )

    response = upload(as_official, "enterprises", data)

    assert response.json()["unchanged"] == 1
    assert response.json()["updated"] == 0
    assert not RecomputeRequest.objects.exists()


def test_a_new_row_without_a_column_it_needs_is_refused(as_official):
    data = xlsx([["uscc", "name", "district"], [make_uscc(), "甲", "310115"]])

    response = upload(as_official, "enterprises", data)

    assert response.status_code == 400
    assert errors_of(response) == [(1, "")]
    assert "segment" in response.json()["errors"][0]["message"]


def test_a_park_in_another_district_is_the_service_s_error(as_official):
    ParkFactory(code="MH", district=District.objects.get(code="310112"))
    data = xlsx([ENTERPRISE_EN, row(make_uscc(), park="MH")])

    response = upload(as_official, "enterprises", data)

    assert response.status_code == 400
    assert errors_of(response) == [(1, "park")]
    assert "another district" in response.json()["errors"][0]["message"]


def test_the_whole_import_records_its_changes_for_one_rollup(
    as_official, zj, django_capture_on_commit_callbacks
):
    data = xlsx([ENTERPRISE_ZH, *[row(make_uscc()) for _ in range(5)]])

    with django_capture_on_commit_callbacks(execute=True):
        response = upload(as_official, "enterprises", data)

    assert response.status_code == 200
    assert RecomputeRequest.objects.count() == 5
    assert RollupRun.objects.count() == 1
    assert set(RecomputeRequest.objects.values_list("run_id", flat=True)) == {
        RollupRun.objects.get().pk
    }


def test_only_officials_import(api, analyst, park_manager, zj):
    data = xlsx([ENTERPRISE_ZH, row(make_uscc())])
    reporter = ReporterFactory()
    for user in (analyst, park_manager, reporter):
        assert upload(client_for(user), "enterprises", data).status_code == 403
    assert upload(api, "enterprises", data).status_code in (401, 403)
    assert not Enterprise.objects.filter(name="甲医药有限公司").exists()


def test_a_request_without_a_file_is_a_400_naming_the_field(as_official):
    response = as_official.post("/api/v1/imports/enterprises/", {}, format="multipart")

    assert response.status_code == 400
    assert "file" in response.json()


def test_the_template_downloads_and_imports_once_filled_in(as_official, zj):
    response = as_official.get("/api/v1/imports/enterprises/template/")

    assert response.status_code == 200
    assert response["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml"
    )
    workbook = load_workbook(io.BytesIO(response.content))
    sheet = workbook.worksheets[0]
    sheet.append([make_uscc(), "模板企业", "310115", "ZJ", "tcm", "是", "否", "2024-02-01"])
    assert sheet["A1"].number_format == "@" or sheet.column_dimensions["A"].number_format == "@"
    buffer = io.BytesIO()
    workbook.save(buffer)

    imported = upload(as_official, "enterprises", buffer.getvalue())

    assert imported.status_code == 200, imported.json()["errors"]
    assert Enterprise.objects.get(name="模板企业").segment.code == "tcm"


def test_a_retry_with_the_same_idempotency_key_replays_the_first_answer(as_official):
    data = xlsx([ENTERPRISE_EN, row(make_uscc(), park="")])

    first = upload(as_official, "enterprises", data, HTTP_IDEMPOTENCY_KEY="import-1")
    again = upload(as_official, "enterprises", data, HTTP_IDEMPOTENCY_KEY="import-1")

    assert first.status_code == again.status_code == 200
    assert again["Idempotent-Replayed"] == "true"
    assert again.json()["created"] == 1
    assert Enterprise.objects.count() == 1
