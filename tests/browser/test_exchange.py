"""Excel in and out in a real browser: an analyst builds the programme workbook and
downloads it; an official imports enterprises, sees a bad row, fixes it and imports."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest
from playwright.sync_api import Page, expect

from enterprises.models import Enterprise
from tests.factories import make_uscc

from .helpers import Programme, log_in, programme, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def world(db) -> Programme:
    return programme()


def test_an_analyst_builds_the_workbook_watches_it_reach_100_and_downloads_it(
    page: Page, live_server, world, tmp_path: Path
):
    log_in(page, live_server.url, world.analyst.username)
    page.goto(f"{live_server.url}/exchange/exports/")
    page.click("[data-testid=export-request]")
    bar = page.locator("[data-testid=export-progress]")
    expect(bar).to_have_attribute("aria-valuenow", "100", timeout=60_000)
    screenshot(page, "export-zh-CN")
    with page.expect_download() as waiting:
        page.click("[data-testid=export-download]")
    saved = tmp_path / waiting.value.suggested_filename
    waiting.value.save_as(saved)
    assert saved.suffix == ".xlsx"
    book = openpyxl.load_workbook(saved, read_only=True)
    assert len(book.sheetnames) >= 7


def _enterprises_csv(rows: list[tuple[str, str, str]]) -> bytes:
    lines = ["统一社会信用代码,名称,区,园区,细分领域,重点企业,规上企业,启用日期"]
    lines += [
        f"{uscc},{name},{district},,chemical,否,是,2024-01-01" for uscc, name, district in rows
    ]
    return ("\n".join(lines) + "\n").encode("utf-8-sig")


def test_an_official_sees_the_bad_row_fixes_it_and_imports(
    page: Page, live_server, world, tmp_path: Path
):
    good, bad = make_uscc(), make_uscc()
    broken = tmp_path / "enterprises.csv"
    broken.write_bytes(
        _enterprises_csv(
            [(good, "上海新导入医药有限公司", "310115"), (bad, "上海错区医药有限公司", "999999")]
        )
    )
    log_in(page, live_server.url, world.official.username)
    page.goto(f"{live_server.url}/exchange/imports/")
    page.set_input_files("[data-testid=import-upload] input[type=file]", str(broken))
    page.click("[data-testid=import-dry-run]")
    errors = page.locator("[data-testid=import-errors] [data-row='2']")
    expect(errors.first).to_be_visible()
    assert errors.first.get_attribute("data-field") == "district"
    expect(page.locator("[data-testid=import-confirm]")).to_have_count(0)
    screenshot(page, "import-errors-zh-CN")
    assert not Enterprise.objects.filter(uscc__in=[good, bad]).exists()

    fixed = tmp_path / "enterprises-fixed.csv"
    fixed.write_bytes(
        _enterprises_csv(
            [(good, "上海新导入医药有限公司", "310115"), (bad, "上海错区医药有限公司", "310104")]
        )
    )
    page.set_input_files("[data-testid=import-upload] input[type=file]", str(fixed))
    page.click("[data-testid=import-dry-run]")
    page.click("[data-testid=import-confirm]")
    expect(page.locator("[data-testid=import-result]")).to_be_visible()
    assert set(
        Enterprise.objects.filter(uscc__in=[good, bad]).values_list("district__code", flat=True)
    ) == {
        "310115",
        "310104",
    }
