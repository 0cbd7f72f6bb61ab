"""The workbook writer: every text comes back as the same text (never a formula, never XML,
control characters escaped as XlsxWriter and Excel do), numbers and dates keep their formats,
and CSV is safe too."""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
import xlsxwriter
from django.utils import timezone
from xlsxwriter.xmlwriter import XMLwriter

from exchange.workbook.writer import (
    CSV_BOM,
    Book,
    Column,
    Kind,
    Typed,
    csv_text,
    is_formula_like,
    sheet_name,
)

HOSTILE_TEXTS = [
    '=HYPERLINK("http://evil.example","x")',
    "+1+2",
    "-3+4",
    "@SUM(A1:A2)",
    "\t=1+1",
    "\r=1+1",
    "<r><t>rich</t></r>",
    '</t></is></c><c r="Z9"><f>1+1</f></c><c><is><t>',
    "_x0041_ literal",
    "bell\x07 and nul\x00",
    "  leading and trailing  ",
    "A & B < C > D \"quoted\" 'single'",
    "中文名称（有限公司）",
    "😀 emoji",
]
COLUMNS = [
    Column("Text", Kind.TEXT),
    Column("=Header", Kind.COUNT),
    Column("Decimal", Kind.DECIMAL),
    Column("Share", Kind.SHARE),
    Column("Date", Kind.DATE),
    Column("When", Kind.DATETIME),
    Column("Id", Kind.ID),
    Column("Wrapped", Kind.TEXT, wrap=True),
]


def _rows() -> list[list[object]]:
    when = timezone.make_aware(dt.datetime(2024, 5, 6, 7, 8, 9))
    rows: list[list[object]] = []
    for index, text in enumerate(HOSTILE_TEXTS):
        rows.append(
            [
                text,
                1234567 + index,
                Decimal("1234.5678"),
                Typed(Decimal("12.5"), Kind.SHARE),
                dt.date(2024, 2, 29),
                when,
                98765,
                text,
            ]
        )
    rows.append([None, None, Typed(None, Kind.COUNT), None, None, None, None, None])
    rows.append(["last", Typed(7, Kind.DECIMAL), 0, 100, dt.date(2030, 12, 31), when, 1, "x"])
    return rows


def _write(path: Path) -> None:
    book = Book(str(path))
    sheet = book.sheet("Data: [all]?", COLUMNS)
    sheet.header(freeze_columns=1, height=30)
    sheet.rows_write(_rows())
    sheet.finish()
    book.bar_chart(
        sheet, title="Chart", categories=0, series=[(1, "#123456")], rows=sheet.rows, anchor=(20, 0)
    )
    book.close()


def as_stored(text: str) -> str:
    """What the file holds (and openpyxl returns) for a text: control characters as Excel's
    _xHHHH_ escapes, which Excel shows as the characters again (XlsxWriter's own rule)."""
    return XMLwriter._escape_control_characters(text)


INJECTION = (
    '<r><t>a</t></r></is></c><c r="Z9"><f>1+1</f></c><c r="Z10" t="inlineStr"><is><r><t>b</t></r>'
)


def test_xlsxwriters_own_constant_memory_path_would_run_an_injected_formula(tmp_path):
    """Why rows are encoded here: XlsxWriter writes this text raw, and a formula appears."""
    path = tmp_path / "raw.xlsx"
    workbook = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    workbook.add_worksheet().write_string(0, 0, INJECTION)
    workbook.close()
    assert openpyxl.load_workbook(path).active["Z9"].value == "=1+1"

    ours = tmp_path / "ours.xlsx"
    book = Book(str(ours))
    sheet = book.sheet("Data", [Column("Name")])
    sheet.header()
    sheet.row([INJECTION])
    book.close()
    loaded = openpyxl.load_workbook(ours).active
    assert loaded["A2"].value == INJECTION
    assert loaded["Z9"].value is None


def test_every_hostile_text_comes_back_unchanged_as_text(tmp_path):
    path = tmp_path / "book.xlsx"
    _write(path)
    workbook = openpyxl.load_workbook(path)
    sheet = workbook.active
    assert sheet.title == "Data_ _all__"
    assert sheet.freeze_panes == "B2"
    assert sheet.auto_filter.ref == f"A1:H{len(_rows()) + 1}"
    header = [c.value for c in sheet[1]]
    assert header[1] == "=Header"
    assert sheet["B1"].data_type == "s"
    assert sheet["B1"].quotePrefix
    for number, text in enumerate(HOSTILE_TEXTS, start=2):
        for column in ("A", "H"):
            cell = sheet[f"{column}{number}"]
            assert cell.value == as_stored(text), (column, number)
            assert cell.data_type == "s"
            assert bool(cell.quotePrefix) == is_formula_like(text), text
    with zipfile.ZipFile(path) as package:
        xml = package.read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in xml  # no formula anywhere
    assert "<r><t>rich" not in xml  # XlsxWriter's raw rich-string path is not used


def test_numbers_and_dates_are_numbers_with_formats(tmp_path):
    path = tmp_path / "book.xlsx"
    _write(path)
    sheet = openpyxl.load_workbook(path).active
    assert sheet["B2"].value == 1234567
    assert sheet["B2"].number_format == "#,##0"
    assert sheet["C2"].value == pytest.approx(1234.5678)
    assert sheet["C2"].number_format == "#,##0.00"
    assert sheet["D2"].value == 12.5
    assert sheet["D2"].number_format == '0.0"%"'
    assert sheet["E2"].value == dt.datetime(2024, 2, 29)
    assert sheet["E2"].number_format == "yyyy-mm-dd"
    assert sheet["F2"].value == dt.datetime(2024, 5, 6, 7, 8, 9)  # the site's local time
    assert sheet["G2"].number_format == "0"
    last = len(_rows()) + 1
    assert sheet[f"B{last}"].number_format == "#,##0.00"  # a Typed value's own format
    assert all(cell.value is None for cell in sheet[last - 1])


def test_sheet_names_are_made_valid():
    assert sheet_name("a/b\\c?d*e[f]g:h") == "a_b_c_d_e_f_g_h"
    assert len(sheet_name("x" * 40)) == 31
    assert sheet_name("''") == "Sheet"


def test_csv_fields_that_look_like_formulas_start_with_an_apostrophe():
    for text in ("=1+1", "+1", "-1", "@A1", "\t=1", "\r=1"):
        assert csv_text(text) == "'" + text
    assert csv_text("普通文本") == "普通文本"
    assert csv_text(None) == ""
    assert csv_text(12) == "12"
    buffer = io.StringIO()
    buffer.write(CSV_BOM)
    csv.writer(buffer).writerow([csv_text('=HYPERLINK("x")'), "企业"])
    assert buffer.getvalue().encode("utf-8").startswith(b"\xef\xbb\xbf")
    assert buffer.getvalue()[1:] == '"\'=HYPERLINK(""x"")",企业\r\n'
