"""Reading an uploaded .xlsx or .csv into rows, refusing what is unsafe or unreadable.

Every check runs before the rows are used, and every refusal is one ``ImportFileError``
whose message tells the person who uploaded the file what to do (the API answers
``400 {"file": [message]}``): no file causes a 500, and none is imported half-way.

- Size: above ``DX_IMPORT_MAX_BYTES``.
- What the file is, by its first bytes rather than its name: an .xlsx is a zip holding
  ``[Content_Types].xml`` and an ``xl/`` folder; an OLE compound file (``D0 CF 11 E0``)
  is a password-protected workbook (it holds an ``EncryptedPackage``) or an old .xls;
  other binaries (PDF, images, other zips) are not spreadsheets; text is read as CSV only
  from a .csv or .txt.
- Zip bombs, from the zip's directory before anything is inflated: the number of entries,
  their total uncompressed size and the compression ratio (Python's zipfile never inflates
  an entry beyond the size its directory declares, so the declared sizes bound the work).
- XML entities: an XML part with a DOCTYPE is refused, and openpyxl parses through
  defusedxml (installed) in any case.
- Merged cells and formulas in the sheets read: imports take values only.
- CSV text: UTF-8 with or without a BOM, else GB18030 (a superset of GBK: what Excel
  writes on Chinese Windows); UTF-16 and undecodable bytes are refused.
- More than ``DX_IMPORT_MAX_ROWS`` data rows.

The header is a sheet's first non-empty row; data rows are numbered from 1 after it, blank
rows included (so that row numbers match the sheet), and blank rows are left out.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import unicodedata
import warnings
import zipfile
from collections.abc import Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import PurePath
from typing import Any

from defusedxml import DefusedXmlException
from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

OLE_MAGIC = bytes.fromhex("D0CF11E0A1B11AE1")
ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")
ENCRYPTED_PACKAGE = "EncryptedPackage".encode("utf-16-le")
# Signatures of common files that are not spreadsheets.
OTHER_MAGIC = (b"%PDF", b"\x89PNG", b"\xff\xd8\xff", b"GIF8", b"{\\rtf", b"Rar!", b"\x1f\x8b")
TEXT_SUFFIXES = {".csv", ".txt", ""}
# Limits beyond the two settings; each may be overridden by a setting of the same name.
DEFAULT_MAX_ZIP_ENTRIES = 1000
DEFAULT_MAX_RATIO = 200
RATIO_CHECKED_ABOVE = 1024 * 1024
MAX_COLUMNS = 500
LISTED = 5
_XML_HEAD = 4096
_MERGE_RE = re.compile(rb"<(?:\w+:)?mergeCell\b[^>]*?\bref=\"([A-Z0-9:$]+)\"")
_DELIMITERS = (",", ";", "\t")


class ImportFileError(Exception):
    """The upload cannot be read as a table; ``message`` says why and what to do."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Sheet:
    """One table: the header as written in the file, then the data rows that are not
    blank, each with its number (from 1, counting the rows after the header)."""

    title: str
    headers: list[str]
    rows: list[tuple[int, list[Any]]] = field(default_factory=list)


@dataclass(frozen=True)
class Book:
    format: str  # "xlsx" or "csv"
    sheets: list[Sheet | None]


def limit(name: str, default: int) -> int:
    return int(getattr(settings, name, default))


def max_bytes() -> int:
    return limit("DX_IMPORT_MAX_BYTES", 10 * 1024 * 1024)


def max_rows() -> int:
    return limit("DX_IMPORT_MAX_ROWS", 100_000)


def read_upload(data: bytes, name: str, *, sheets: Sequence[Collection[str]] = ((),)) -> Book:
    """Read the sheets wanted, each known by any of its titles (normalised: NFKC,
    lower case); the first wanted sheet falls back to the workbook's first worksheet, the
    others are None when absent. A CSV file is the first sheet."""
    size_check(len(data))
    kind = _sniff(data, name)
    if kind == "xlsx":
        return Book("xlsx", _xlsx_read(data, sheets))
    text = _csv_decode(data)
    return Book("csv", [_csv_read(text), *[None] * (len(sheets) - 1)])


def size_check(size: int) -> None:
    if size == 0:
        raise ImportFileError(_("The file is empty."))
    if size > max_bytes():
        raise ImportFileError(
            _("The file is %(size)s; files up to %(limit)s can be imported. Split it in parts.")
            % {"size": filesizeformat(size), "limit": filesizeformat(max_bytes())}
        )


def _sniff(data: bytes, name: str) -> str:
    suffix = PurePath(name or "").suffix.lower()
    if data.startswith(OLE_MAGIC):
        if ENCRYPTED_PACKAGE in data:
            raise ImportFileError(
                _(
                    "The workbook is protected by a password (encrypted), so it cannot be "
                    "read. Remove the password in Excel (File → Info → Protect Workbook) and "
                    "upload it again."
                )
            )
        raise ImportFileError(
            _("This is an old Excel file (.xls). Save it as an Excel workbook (.xlsx) or CSV.")
        )
    if data.startswith(ZIP_MAGIC):
        return "xlsx"
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "csv"  # refused with what to do by _csv_decode
    if data.startswith(OTHER_MAGIC) or b"\x00" in data[:8192] or suffix not in TEXT_SUFFIXES:
        raise _not_a_spreadsheet()
    return "csv"


def _not_a_spreadsheet() -> ImportFileError:
    return ImportFileError(
        _("This file is not a spreadsheet. Upload an Excel workbook (.xlsx) or a CSV file.")
    )


def _damaged() -> ImportFileError:
    return ImportFileError(
        _(
            "The workbook is damaged and cannot be read. Open it in Excel, save it again as "
            "an Excel workbook (.xlsx) and upload the new file."
        )
    )


def _entities() -> ImportFileError:
    return ImportFileError(
        _(
            "The workbook contains XML declarations (DTD or entities) that are refused for "
            "safety. Save it again from Excel as an .xlsx workbook."
        )
    )


# --- xlsx -------------------------------------------------------------------------------


def _xlsx_read(data: bytes, wanted: Sequence[Collection[str]]) -> list[Sheet | None]:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError, OSError) as error:
        raise _damaged() from error
    with archive:
        _zip_check(archive, compressed=len(data))
        names = archive.namelist()
        if "[Content_Types].xml" not in names or not any(n.startswith("xl/") for n in names):
            raise _not_a_spreadsheet()
        _doctype_check(archive)
    try:
        return _workbook_read(data, wanted)
    except ImportFileError:
        raise
    except Exception as error:  # whatever openpyxl meets, the file is damaged
        if _caused_by(error, DefusedXmlException):
            raise _entities() from error
        raise _damaged() from error


def _caused_by(error: BaseException | None, kind: type[BaseException]) -> bool:
    """Whether ``kind`` is anywhere in the error's chain (openpyxl wraps what it meets)."""
    seen = 0
    while error is not None and seen < 20:
        if isinstance(error, kind):
            return True
        error = error.__cause__ or error.__context__
        seen += 1
    return False


def _zip_check(archive: zipfile.ZipFile, *, compressed: int) -> None:
    entries = archive.infolist()
    max_entries = limit("DX_IMPORT_MAX_ZIP_ENTRIES", DEFAULT_MAX_ZIP_ENTRIES)
    max_total = limit("DX_IMPORT_MAX_UNCOMPRESSED_BYTES", 20 * max_bytes())
    max_ratio = limit("DX_IMPORT_MAX_COMPRESSION_RATIO", DEFAULT_MAX_RATIO)
    total = sum(entry.file_size for entry in entries)
    ratios = [
        entry.file_size / max(entry.compress_size, 1)
        for entry in entries
        if entry.file_size > RATIO_CHECKED_ABOVE
    ]
    if (
        len(entries) > max_entries
        or total > max_total
        or any(ratio > max_ratio for ratio in ratios)
        or (total > RATIO_CHECKED_ABOVE and total / max(compressed, 1) > max_ratio)
    ):
        raise ImportFileError(
            _(
                "The workbook would unpack to %(size)s in %(n)d parts, far more than its "
                "contents can need (a “zip bomb”), so it was not opened. Save the data "
                "again in a new workbook."
            )
            % {"size": filesizeformat(total), "n": len(entries)}
        )
    if any(entry.flag_bits & 0x1 for entry in entries):
        raise ImportFileError(
            _("The workbook is protected by a password (encrypted), so it cannot be read.")
        )


def _doctype_check(archive: zipfile.ZipFile) -> None:
    for entry in archive.infolist():
        if not entry.filename.lower().endswith((".xml", ".rels", ".vml")):
            continue
        try:
            with archive.open(entry) as stream:
                head = stream.read(_XML_HEAD)
        except (zipfile.BadZipFile, OSError, EOFError, RuntimeError, NotImplementedError) as e:
            raise _damaged() from e
        if b"<!DOCTYPE" in head or b"<!ENTITY" in head:
            raise _entities()


def _workbook_read(data: bytes, wanted: Sequence[Collection[str]]) -> list[Sheet | None]:
    from openpyxl import load_workbook  # imported here: only imports need it

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        workbook = load_workbook(
            io.BytesIO(data), read_only=True, data_only=False, keep_links=False
        )
        try:
            worksheets = [ws for ws in workbook.worksheets if hasattr(ws, "_worksheet_path")]
            if not worksheets:
                raise _not_a_spreadsheet()
            chosen = _sheets_choose(worksheets, wanted)
            return [None if ws is None else _worksheet_read(ws) for ws in chosen]
        finally:
            workbook.close()


def title_key(text: str) -> str:
    return unicodedata.normalize("NFKC", str(text)).strip().lower()


def _sheets_choose(worksheets: list[Any], wanted: Sequence[Collection[str]]) -> list[Any]:
    by_title = {title_key(ws.title): ws for ws in worksheets}
    chosen: list[Any] = []
    for index, titles in enumerate(wanted):
        found = next((by_title[t] for t in (title_key(t) for t in titles) if t in by_title), None)
        if found is None and index == 0:
            found = worksheets[0]
        chosen.append(found)
    return chosen


def _worksheet_read(ws: Any) -> Sheet:
    merged = _merged_ranges(ws)
    if merged:
        raise ImportFileError(
            _(
                "The sheet “%(sheet)s” has merged cells (%(cells)s). Unmerge them "
                "(Home → Merge & Center → Unmerge Cells) so that every row holds its own "
                "values, and upload the file again."
            )
            % {"sheet": ws.title, "cells": _listing(merged)}
        )
    formulas: list[str] = []
    rows = _rows_collect(_xlsx_rows(ws, formulas), title=ws.title)
    if formulas:
        raise ImportFileError(
            _(
                "The sheet “%(sheet)s” has formulas (%(cells)s); imports take values only. "
                "Copy the sheet and paste it back as values (Paste Special → Values), then "
                "upload the file again."
            )
            % {"sheet": ws.title, "cells": _listing(formulas)}
        )
    return rows


def _merged_ranges(ws: Any) -> list[str]:
    """The merged ranges of a sheet, read from its XML (openpyxl's read-only sheets do not
    parse them), in chunks so that a large sheet is never held whole."""
    found: dict[str, None] = {}
    tail = b""
    with ws.parent._archive.open(ws._worksheet_path) as stream:
        while chunk := stream.read(1 << 16):
            window = tail + chunk
            found.update(dict.fromkeys(m.decode() for m in _MERGE_RE.findall(window)))
            tail = window[-256:]
    return list(found)


def _xlsx_rows(ws: Any, formulas: list[str]) -> Iterator[list[Any]]:
    for cells in ws.iter_rows(max_col=MAX_COLUMNS):
        values: list[Any] = []
        for cell in cells:
            if getattr(cell, "data_type", None) == "f":
                if len(formulas) < LISTED + 1:
                    formulas.append(cell.coordinate)
                values.append(None)
                continue
            values.append(cell.value)
        yield values


def _listing(cells: list[str]) -> str:
    shown = ", ".join(cells[:LISTED])
    return shown + (" …" if len(cells) > LISTED else "")


def is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _rows_collect(rows: Iterable[list[Any]], *, title: str) -> Sheet:
    headers: list[str] | None = None
    data: list[tuple[int, list[Any]]] = []
    number = 0
    ceiling = max_rows()
    for values in rows:
        if headers is None:
            if not all(is_blank(v) for v in values):
                headers = [_header_text(v) for v in _trimmed(values)]
            continue
        number += 1
        if all(is_blank(v) for v in values):
            continue
        if len(data) >= ceiling:
            raise ImportFileError(
                _(
                    "The file has more than %(limit)s data rows; split it into files of at "
                    "most %(limit)s rows."
                )
                % {"limit": f"{ceiling:,}"}
            )
        data.append((number, list(values)))
    if headers is None:
        raise ImportFileError(
            _("The sheet “%(sheet)s” is empty: its first row should hold the column headers.")
            % {"sheet": title}
        )
    return Sheet(title=title, headers=headers, rows=data)


def _trimmed(values: list[Any]) -> list[Any]:
    end = len(values)
    while end and is_blank(values[end - 1]):
        end -= 1
    return values[:end]


def _header_text(value: Any) -> str:
    return "" if value is None else str(value).strip()


# --- csv --------------------------------------------------------------------------------


def _csv_decode(data: bytes) -> str:
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise ImportFileError(
            _(
                "The text file is in UTF-16 (Excel's “Unicode Text”). Save it as “CSV UTF-8 "
                "(Comma delimited)” or as an Excel workbook (.xlsx)."
            )
        )
    if data.startswith(codecs.BOM_UTF8):
        encodings: tuple[str, ...] = ("utf-8-sig",)
    else:
        encodings = ("utf-8", "gb18030")
    for encoding in encodings:
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ImportFileError(
        _(
            "The CSV file's text is neither UTF-8 nor GBK/GB18030. Save it from Excel as "
            "“CSV UTF-8 (Comma delimited)” and upload it again."
        )
    )


def _csv_read(text: str) -> Sheet:
    first = text.split("\n", 1)[0]
    delimiter = max(_DELIMITERS, key=first.count) if first else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    try:
        return _rows_collect(_csv_rows(reader), title="CSV")
    except csv.Error as error:
        raise ImportFileError(
            _(
                "The CSV file is malformed near line %(line)d (a quote or separator out of "
                "place). Save it again from Excel and upload the new file."
            )
            % {"line": reader.line_num}
        ) from error


def _csv_rows(reader: Any) -> Iterator[list[Any]]:
    for values in reader:
        yield values[:MAX_COLUMNS]
