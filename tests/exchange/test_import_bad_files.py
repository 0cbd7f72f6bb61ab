"""Bad files get one clear message (400 {"file": [message]}), never a 500 and never a
half-import; good files in awkward encodings are read."""

from __future__ import annotations

import io
import zipfile
from unittest import mock

import openpyxl.xml
import pytest

from enterprises.models import Enterprise
from tests.factories import make_uscc

from .import_support import (
    ENTERPRISE_EN,
    ENTERPRISE_ZH,
    csv_bytes,
    upload,
    xlsx,
    zip_add,
    zip_replace,
)

pytestmark = pytest.mark.django_db


def good_row(uscc=None, name="甲医药有限公司"):
    return [uscc or make_uscc(), name, "310115", "", "chemical", "是", "否", "2024-01-01"]


def refused(response) -> str:
    assert response.status_code == 400, response.content
    body = response.json()
    assert list(body) == ["file"], body
    assert not Enterprise.objects.exists()
    return str(body["file"][0])


# --- not a spreadsheet ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("photo.xlsx", b"\x89PNG\r\n\x1a\n" + b"\x00" * 64),
        ("report.pdf", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj"),
        ("notes.json", b'{"uscc": "x"}'),
        ("binary.csv", b"uscc,name\n\x00\x01\x02\x03"),
    ],
)
def test_a_file_that_is_not_a_spreadsheet_is_refused(as_official, name, data):
    message = refused(upload(as_official, "enterprises", data, name=name))

    assert "not a spreadsheet" in message


def test_a_zip_that_is_not_a_workbook_is_refused(as_official):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("word/document.xml", "<w:document/>")

    message = refused(upload(as_official, "enterprises", buffer.getvalue(), name="a.docx"))

    assert "not a spreadsheet" in message


def test_an_empty_file_is_refused(as_official):
    assert "empty" in refused(upload(as_official, "enterprises", b"", name="e.csv"))


# --- zip bombs: checked from the zip's directory before anything is parsed ---------------


def test_a_zip_bomb_by_compression_ratio_is_refused_before_parsing(as_official):
    bomb = zip_add(xlsx([ENTERPRISE_ZH, good_row()]), {"xl/media/zeros.bin": b"\0" * 20_000_000})
    assert len(bomb) < 100_000

    with mock.patch("openpyxl.load_workbook", side_effect=AssertionError("parsed")) as load:
        message = refused(upload(as_official, "enterprises", bomb))

    assert "zip bomb" in message
    load.assert_not_called()


@pytest.mark.parametrize("limit", [{"DX_IMPORT_MAX_UNCOMPRESSED_BYTES": 200_000}])
def test_a_workbook_unpacking_beyond_the_size_limit_is_refused(as_official, settings, limit):
    for name, value in limit.items():
        setattr(settings, name, value)
    import random

    noise = bytes(random.Random(1).getrandbits(8) for _ in range(300_000))
    data = zip_add(xlsx([ENTERPRISE_ZH, good_row()]), {"xl/media/noise.bin": noise})

    assert "zip bomb" in refused(upload(as_official, "enterprises", data))


def test_a_workbook_with_too_many_parts_is_refused(as_official):
    parts = {f"xl/media/part{i}.xml": b"<a/>" for i in range(1001)}
    data = zip_add(xlsx([ENTERPRISE_ZH, good_row()]), parts)

    assert "zip bomb" in refused(upload(as_official, "enterprises", data))


# --- XML entities ----------------------------------------------------------------------------

LAUGHS = (
    b'<?xml version="1.0"?>\n<!DOCTYPE lolz [<!ENTITY lol "lol">'
    b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>\n'
)


def _sheet_body(data: bytes) -> bytes:
    """The sheet's XML without its declaration."""
    xml = zipfile.ZipFile(io.BytesIO(data)).read("xl/worksheets/sheet1.xml")
    return xml.split(b"?>", 1)[1] if xml.startswith(b"<?xml") else xml


def test_a_workbook_with_xml_entities_is_refused(as_official):
    data = xlsx([ENTERPRISE_ZH, good_row()])
    body = _sheet_body(data)
    attack = zip_replace(data, "xl/worksheets/sheet1.xml", LAUGHS + body)

    assert "DTD or entities" in refused(upload(as_official, "enterprises", attack))


def test_entities_hidden_past_the_first_kilobytes_are_stopped_by_defusedxml(as_official):
    assert openpyxl.xml.DEFUSEDXML is True
    data = xlsx([ENTERPRISE_ZH, good_row()])
    body = _sheet_body(data)
    padding = b"<!--" + b"x" * 8000 + b"-->"
    doctype = LAUGHS.split(b"\n", 1)[1]
    attack = b'<?xml version="1.0"?>' + padding + doctype + body
    data = zip_replace(data, "xl/worksheets/sheet1.xml", attack)

    assert "DTD or entities" in refused(upload(as_official, "enterprises", data))


# --- encrypted, old and damaged workbooks ---------------------------------------------------

OLE = bytes.fromhex("D0CF11E0A1B11AE1")


def test_an_encrypted_workbook_is_refused(as_official):
    data = OLE + b"\0" * 512 + "EncryptedPackage".encode("utf-16-le") + b"\0" * 512

    assert "password" in refused(upload(as_official, "enterprises", data))


def test_an_old_xls_workbook_is_refused_with_what_to_do(as_official):
    data = OLE + b"\0" * 512 + "Workbook".encode("utf-16-le") + b"\0" * 512

    assert ".xls" in refused(upload(as_official, "enterprises", data, name="old.xls"))


def test_a_truncated_workbook_is_refused_as_damaged(as_official):
    data = xlsx([ENTERPRISE_ZH, good_row()])

    assert "damaged" in refused(upload(as_official, "enterprises", data[: len(data) // 2]))


def test_a_workbook_with_broken_xml_is_refused_as_damaged(as_official):
    data = zip_replace(xlsx([ENTERPRISE_ZH, good_row()]), "xl/worksheets/sheet1.xml", b"<work")

    assert "damaged" in refused(upload(as_official, "enterprises", data))


# --- headers ---------------------------------------------------------------------------------


def test_a_wrong_header_is_named_with_the_expected_columns(as_official):
    headers = ["统一信用代码", *ENTERPRISE_ZH[1:]]

    message = refused(upload(as_official, "enterprises", xlsx([headers, good_row()])))

    assert "统一信用代码" in message
    assert "统一社会信用代码 (uscc)" in message


def test_a_missing_key_column_is_refused(as_official):
    message = refused(upload(as_official, "enterprises", xlsx([ENTERPRISE_ZH[1:], good_row()[1:]])))

    assert "uscc" in message


def test_a_file_without_a_header_row_is_refused(as_official):
    message = refused(upload(as_official, "enterprises", xlsx([good_row(), good_row()])))

    assert "does not know" in message


def test_a_repeated_column_is_refused(as_official):
    headers = [*ENTERPRISE_ZH, "name"]

    assert "twice" in refused(
        upload(as_official, "enterprises", xlsx([headers, [*good_row(), "x"]]))
    )


def test_values_under_no_header_are_refused(as_official):
    headers = [*ENTERPRISE_ZH, None]

    assert "no header" in refused(
        upload(as_official, "enterprises", xlsx([headers, [*good_row(), "stray"]]))
    )


def test_headers_without_rows_are_refused(as_official):
    assert "no data rows" in refused(upload(as_official, "enterprises", xlsx([ENTERPRISE_ZH])))


# --- merged cells and formulas ---------------------------------------------------------------


def test_merged_cells_are_refused_with_their_range(as_official):
    data = xlsx([ENTERPRISE_ZH, good_row(), good_row()], merge="C2:C3")

    message = refused(upload(as_official, "enterprises", data))

    assert "merged" in message
    assert "C2:C3" in message


def test_formulas_are_refused_with_their_cells(as_official):
    row = good_row()
    row[1] = '=CONCATENATE("甲","乙")'
    data = xlsx([ENTERPRISE_ZH, good_row(), row])

    message = refused(upload(as_official, "enterprises", data))

    assert "formulas" in message
    assert "B3" in message


# --- CSV encodings -----------------------------------------------------------------------------


@pytest.mark.parametrize("encoding", ["gbk", "gb18030", "utf-8", "utf-8-sig"])
def test_a_csv_from_chinese_excel_is_read_in_its_encoding(as_official, encoding):
    uscc = make_uscc()
    data = csv_bytes([ENTERPRISE_ZH, good_row(uscc, name="上海甲医药有限公司")], encoding=encoding)

    response = upload(as_official, "enterprises", data, name="企业.csv")

    assert response.status_code == 200, response.json()
    assert Enterprise.objects.get(uscc=uscc).name == "上海甲医药有限公司"


def test_a_gbk_csv_saved_by_chinese_excel_with_its_date_format_is_read(as_official):
    uscc = make_uscc()
    row = [uscc, "上海乙生物有限公司", "310115", "", "biologics", "TRUE", "FALSE", "2023/7/1"]
    data = csv_bytes([ENTERPRISE_ZH, row], encoding="gbk")

    response = upload(as_official, "enterprises", data, name="企业.csv")

    assert response.status_code == 200, response.json()
    enterprise = Enterprise.objects.get(uscc=uscc)
    assert (enterprise.is_key, enterprise.above_scale) == (True, False)
    assert enterprise.active_from.isoformat() == "2023-07-01"


def test_a_gbk_csv_with_an_error_reports_the_row(as_official):
    data = csv_bytes(
        [ENTERPRISE_ZH, good_row(), [make_uscc(), "乙", "310115", "", "chemical", "对", "否", ""]],
        encoding="gbk",
    )

    response = upload(as_official, "enterprises", data, name="e.csv")

    assert response.status_code == 400
    assert [(e["row"], e["field"]) for e in response.json()["errors"]] == [(2, "is_key")]
    assert "对" in response.json()["errors"][0]["message"]


def test_a_semicolon_csv_is_read(as_official):
    uscc = make_uscc()
    text = ";".join(ENTERPRISE_EN) + "\n" + ";".join(str(v) for v in good_row(uscc)) + "\n"

    response = upload(as_official, "enterprises", text.encode(), name="e.csv")

    assert response.status_code == 200, response.json()


def test_utf16_text_is_refused_with_what_to_do(as_official):
    data = csv_bytes([ENTERPRISE_EN, good_row()], encoding="utf-16")

    assert "UTF-16" in refused(upload(as_official, "enterprises", data, name="e.csv"))


def test_text_in_no_known_encoding_is_refused(as_official):
    data = b"uscc,name\n" + b"\xff\xfe\xfd\x80\x81,x\n"

    assert "neither UTF-8 nor GBK" in refused(
        upload(as_official, "enterprises", data, name="e.csv")
    )


def test_a_malformed_csv_is_refused_with_its_line(as_official):
    data = b'uscc,name\n"unterminated,x\n'

    assert "malformed" in refused(upload(as_official, "enterprises", data, name="e.csv"))


# --- limits ---------------------------------------------------------------------------------


def test_a_file_over_the_size_limit_is_refused(as_official, settings):
    settings.DX_IMPORT_MAX_BYTES = 4096
    data = xlsx([ENTERPRISE_ZH, *[good_row() for _ in range(200)]])
    assert len(data) > 4096

    message = refused(upload(as_official, "enterprises", data))

    assert "4.0" in message
    assert "11." in message


def test_a_file_over_the_row_limit_is_refused(as_official, settings):
    settings.DX_IMPORT_MAX_ROWS = 3
    data = csv_bytes([ENTERPRISE_EN, *[good_row() for _ in range(4)]])

    message = refused(upload(as_official, "enterprises", data, name="e.csv"))

    assert "more than 3 data rows" in message


def test_rows_up_to_the_limit_are_imported(as_official, settings):
    settings.DX_IMPORT_MAX_ROWS = 3
    data = csv_bytes([ENTERPRISE_EN, *[good_row() for _ in range(3)]])

    response = upload(as_official, "enterprises", data, name="e.csv")

    assert response.status_code == 200
    assert Enterprise.objects.count() == 3
