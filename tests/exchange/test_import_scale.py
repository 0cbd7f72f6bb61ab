"""A 5,000-row enterprise file imports in one transaction and one rollup (the time is
measured by the note's benchmark, not asserted here)."""

from __future__ import annotations

import io

import pytest
from openpyxl import Workbook, load_workbook

from enterprises.models import Enterprise
from progress.models import RollupRun
from tests.factories import ParkFactory, make_uscc

from .import_support import ENTERPRISE_ZH, upload

pytestmark = pytest.mark.django_db

ROWS = 5000
SEGMENTS = ["chemical", "biologics", "tcm", "devices", "cxo"]


def big_workbook(rows: int) -> bytes:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("企业")
    sheet.append(ENTERPRISE_ZH)
    for n in range(rows):
        sheet.append(
            [
                make_uscc(),
                f"规模测试医药企业{n:05d}有限公司",
                "310115",
                "ZJ" if n % 3 == 0 else "",
                SEGMENTS[n % len(SEGMENTS)],
                "是" if n % 7 == 0 else "否",
                "是" if n % 2 == 0 else "否",
                "2023-01-01",
            ]
        )
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def test_a_5000_row_file_imports_whole_with_one_rollup(
    as_official, django_capture_on_commit_callbacks
):
    ParkFactory(code="ZJ")
    data = big_workbook(ROWS)

    with django_capture_on_commit_callbacks(execute=True):
        response = upload(as_official, "enterprises", data)

    assert response.status_code == 200, response.json()["errors"][:3]
    assert response.json()["created"] == ROWS
    assert Enterprise.objects.count() == ROWS
    assert Enterprise.objects.filter(park__code="ZJ").count() == (ROWS + 2) // 3
    assert RollupRun.objects.count() == 1


def test_one_bad_row_among_many_saves_none(as_official):
    ParkFactory(code="ZJ")
    data = big_workbook(1000)
    workbook = load_workbook(io.BytesIO(data))
    workbook.worksheets[0]["C801"] = "999999"
    buffer = io.BytesIO()
    workbook.save(buffer)

    response = upload(as_official, "enterprises", buffer.getvalue())

    assert response.status_code == 400
    assert [(e["row"], e["field"]) for e in response.json()["errors"]] == [(800, "district")]
    assert not Enterprise.objects.exists()
