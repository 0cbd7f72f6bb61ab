"""Writing sheets row by row, in order, with XlsxWriter's ``constant_memory`` mode.

Why XlsxWriter: on the 10,000-enterprise benchmark (bench/export.py, README "Benchmarks":
375k rows, 3.9 million cells) the same workbook took 13-20 s this way, 35-47 s through
XlsxWriter's own per-cell ``write_*`` calls and 97-105 s with openpyxl's ``write_only`` mode,
all three at the same 164 MB peak (the peak comes from the reads, not the writer: both
libraries stream rows to temporary files). ``constant_memory`` writes each row out when the
next one starts, so rows come in order and are never revisited, and strings are written
inline (no shared-string table growing with the data).

Rows are encoded here, not by XlsxWriter's per-cell ``write_*`` calls: XlsxWriter still
makes the package (styles, column widths, frozen panes, autofilters, the chart, the zip) and
owns each worksheet's row stream, but a data row's ``<c>`` elements are put together by
``_RowEncoder`` in one pass, the same XML XlsxWriter writes for them (about 10 µs a cell
through XlsxWriter's layers on this machine, a fraction of that here). It also closes a
hole of that path: in ``constant_memory`` mode XlsxWriter writes a string that starts with
``<r>`` and ends with ``</r>`` into the XML unescaped (as a rich string), so a hostile name
could inject cells, a formula among them (tests/exchange/test_export_writer.py shows it).
Here every text is escaped as XML, control characters as ``_xHHHH_`` exactly as XlsxWriter
does.

Safety: no cell is ever a formula. Every text is written as an inline string (never through
the type-guessing ``write``; the workbook also turns ``strings_to_formulas``/``_numbers``/
``_urls`` off), and a text that a spreadsheet would read as a formula or command when typed
in (starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return) also carries the
"quote prefix" style: Excel and LibreOffice show it as text and keep it text when the cell is
edited, and the file holds the text unchanged (an enterprise named ``=HYPERLINK(...)`` reads
back as exactly that). CSV has no cell types: ``csv_text`` puts an apostrophe in front of
such texts instead, and ``CSV_BOM`` starts every CSV download so that Excel reads UTF-8.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, NamedTuple

import xlsxwriter
from django.utils import timezone
from xlsxwriter.format import Format
from xlsxwriter.utility import xl_col_to_name
from xlsxwriter.worksheet import Worksheet

# Texts that spreadsheets read as formulas or commands (OWASP "CSV injection"), and the
# control characters that start DDE payloads.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
CSV_BOM = "\ufeff"
EXCEL_MAX_ROWS = 1_048_576
SHEET_NAME_MAX = 31
SHEET_NAME_FORBIDDEN = str.maketrans(dict.fromkeys("[]:*?/\\", "_"))
EXCEL_EPOCH = dt.date(1899, 12, 30).toordinal()  # serial 0 (1900 date system, after 1900-02-28)


def is_formula_like(text: str) -> bool:
    return text.startswith(FORMULA_STARTS)


def csv_text(value: object) -> str:
    """A CSV field that a spreadsheet shows as text: formula-like texts get a leading
    apostrophe (the csv module quotes fields as needed)."""
    if value is None:
        return ""
    text = str(value)
    return "'" + text if is_formula_like(text) else text


def sheet_name(text: str) -> str:
    """A valid worksheet name: at most 31 characters, none of []:*?/\\ ."""
    return str(text).translate(SHEET_NAME_FORBIDDEN).strip("'")[:SHEET_NAME_MAX] or "Sheet"


class Kind(StrEnum):
    """What a column holds, and so its cell format."""

    TEXT = "text"
    ID = "id"  # whole numbers without separators (report numbers): 0
    COUNT = "count"  # whole numbers: #,##0
    DECIMAL = "decimal"  # #,##0.00
    SHARE = "share"  # 0-100 with one decimal and a % sign: 0.0"%"
    DATE = "date"
    DATETIME = "datetime"


NUMBER_FORMATS = {
    Kind.ID: "0",
    Kind.COUNT: "#,##0",
    Kind.DECIMAL: "#,##0.00",
    Kind.SHARE: '0.0"%"',
    Kind.DATE: "yyyy-mm-dd",
    Kind.DATETIME: "yyyy-mm-dd hh:mm",
}
NUMERIC = frozenset({Kind.ID, Kind.COUNT, Kind.DECIMAL, Kind.SHARE})


class Typed(NamedTuple):
    """A value whose kind differs from its column's (the Summary's actual values are
    counts, sums or shares depending on the target)."""

    value: Any
    kind: Kind


@dataclass(frozen=True)
class Column:
    header: str
    kind: Kind = Kind.TEXT
    width: float = 14
    wrap: bool = False  # long texts (About): wrapped within the column's width


def local_naive(value: dt.datetime) -> dt.datetime:
    """Spreadsheets have no time zones: an aware time in the site's zone, without one."""
    if timezone.is_aware(value):
        value = timezone.localtime(value)
    return value.replace(tzinfo=None)


def excel_serial(value: dt.date) -> float:
    """A date or time as Excel's serial number (days since 1899-12-30, time as a fraction)."""
    if isinstance(value, dt.datetime):
        value = local_naive(value)
        seconds = value.hour * 3600 + value.minute * 60 + value.second
        return value.toordinal() - EXCEL_EPOCH + (seconds + value.microsecond / 1e6) / 86400
    return value.toordinal() - EXCEL_EPOCH


# XlsxWriter's own escapes (xlsxwriter.xmlwriter): "_xHHHH_" literals get their underscore
# escaped, control characters become "_xHHHH_", then &, < and > become entities.
_NEEDS_ESCAPE = re.compile("[&<>\x00-\x08\x0b-\x1f\ufffe\uffff]|_x[0-9a-fA-F]{4}_")
_LITERAL_ESCAPE = re.compile("(_x[0-9a-fA-F]{4}_)")
_CONTROL = re.compile("([\x00-\x08\x0b-\x1f])")


def xml_text(text: str) -> str:
    """A text as the content of an inline string's ``<t>`` element."""
    if not _NEEDS_ESCAPE.search(text):
        return text
    text = _LITERAL_ESCAPE.sub(r"_x005F\1", text)
    text = _CONTROL.sub(lambda match: f"_x{ord(match.group(1)):04X}_", text)
    text = text.replace("\ufffe", "_xFFFE_").replace("\uffff", "_xFFFF_")
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


class _RowEncoder:
    """One data row's ``<row>`` element, put together in one pass."""

    def __init__(self, book: Book, columns: Sequence[Column]) -> None:
        self.kinds = [column.kind for column in columns]
        self.refs = [f'<c r="{xl_col_to_name(index)}' for index in range(len(columns))]
        self.styles = {
            kind: f' s="{book.formats[kind]._get_xf_index()}"' for kind in NUMBER_FORMATS
        }
        self.text_style = [
            f' s="{book.wrap._get_xf_index()}"' if column.wrap else "" for column in columns
        ]
        self.quoted_style = [
            f' s="{(book.wrap_quoted if column.wrap else book.quoted)._get_xf_index()}"'
            for column in columns
        ]

    def encode(self, number: int, values: Sequence[Any]) -> str:
        """Row ``number`` (1-based, as in the file) of ``values``; None is an empty cell."""
        row = str(number)
        parts = [f'<row r="{row}">']
        append = parts.append
        kinds = self.kinds
        for index, value in enumerate(values):
            if value is None:
                continue
            kind = kinds[index]
            if value.__class__ is Typed:
                kind = value.kind
                value = value.value
                if value is None:
                    continue
            if kind is Kind.TEXT:
                text = value if value.__class__ is str else str(value)
                style = (
                    self.quoted_style[index]
                    if text.startswith(FORMULA_STARTS)
                    else self.text_style[index]
                )
                space = (
                    ' xml:space="preserve"'
                    if text and (text[0].isspace() or text[-1].isspace())
                    else ""
                )
                append(
                    f'{self.refs[index]}{row}"{style} t="inlineStr"><is><t{space}>'
                    f"{xml_text(text)}</t></is></c>"
                )
            elif kind in NUMERIC:
                append(
                    f'{self.refs[index]}{row}"{self.styles[kind]}><v>{float(value):.16G}</v></c>'
                )
            else:
                serial = excel_serial(value)
                append(f'{self.refs[index]}{row}"{self.styles[kind]}><v>{serial:.16G}</v></c>')
        append("</row>")
        return "".join(parts)


class StreamingWorksheet(Worksheet):
    """A ``constant_memory`` worksheet that also takes whole rows already encoded.

    It leans on XlsxWriter's row stream (``_write_single_row``, ``_check_dimensions``,
    ``fh``; written against XlsxWriter 3.3): tests/exchange/test_export_writer.py and the
    LibreOffice test read every kind of cell back, so an upgrade that changes them fails
    there, not in a user's spreadsheet."""

    def row_xml_write(self, row: int, last_column: int, xml: str) -> None:
        """Write row ``row`` (0-based) after XlsxWriter's own pending row, if any."""
        if self._check_dimensions(row, last_column) or self._check_dimensions(row, 0):
            raise ValueError(f"Row {row + 1} is outside the worksheet.")
        self._write_single_row(row)  # flushes the row XlsxWriter holds (the header)
        self.fh.write(xml)


class Sheet:
    """One worksheet being written: the header row, then ``row()`` calls in order."""

    def __init__(
        self, book: Book, worksheet: StreamingWorksheet, columns: Sequence[Column]
    ) -> None:
        self.book = book
        self.worksheet = worksheet
        self.columns = list(columns)
        self.rows = 0  # data rows written
        self._encoder = _RowEncoder(book, self.columns)

    def header(self, *, freeze_columns: int = 0, height: float | None = None) -> None:
        write = self.worksheet.write_string
        quoted = self.book.header_quoted
        plain = self.book.header_format
        for index, column in enumerate(self.columns):
            self.worksheet.set_column(index, index, column.width)
            write(0, index, column.header, quoted if is_formula_like(column.header) else plain)
        if height is not None:
            self.worksheet.set_row(0, height)
        self.worksheet.freeze_panes(1, freeze_columns)

    def row(self, values: Sequence[Any]) -> None:
        if self.rows + 1 >= EXCEL_MAX_ROWS:
            raise ValueError("A sheet holds at most 1,048,575 rows of data.")
        self.rows += 1
        xml = self._encoder.encode(self.rows + 1, values)
        self.worksheet.row_xml_write(self.rows, len(self.columns) - 1, xml)

    def rows_write(
        self,
        rows: Iterable[Sequence[Any]],
        *,
        every: int = 0,
        tick: Callable[[int], None] | None = None,
    ) -> None:
        for values in rows:
            self.row(values)
            if tick is not None and every and self.rows % every == 0:
                tick(self.rows)

    def finish(self) -> None:
        """The autofilter over the header and every row written."""
        if self.columns:
            self.worksheet.autofilter(0, 0, max(self.rows, 1), len(self.columns) - 1)


class Book:
    """An .xlsx file written with XlsxWriter in ``constant_memory`` mode."""

    def __init__(self, path: str) -> None:
        self.workbook = xlsxwriter.Workbook(
            path,
            {
                "constant_memory": True,
                "strings_to_formulas": False,
                "strings_to_numbers": False,
                "strings_to_urls": False,
                "nan_inf_to_errors": True,
            },
        )
        add = self.workbook.add_format
        header = {"bold": True, "text_wrap": True, "valign": "top", "bg_color": "#E8EEF7"}
        self.header_format = add({**header, "bottom": 1})
        self.header_quoted = add({**header, "bottom": 1, "quote_prefix": True})
        self.quoted = add({"quote_prefix": True})
        self.wrap = add({"text_wrap": True, "valign": "top"})
        self.wrap_quoted = add({"text_wrap": True, "valign": "top", "quote_prefix": True})
        self.formats: dict[Kind, Format] = {
            kind: add({"num_format": pattern}) for kind, pattern in NUMBER_FORMATS.items()
        }

    # -- sheets and charts -------------------------------------------------------------

    def sheet(self, name: str, columns: Sequence[Column]) -> Sheet:
        worksheet = self.workbook.add_worksheet(
            sheet_name(name), worksheet_class=StreamingWorksheet
        )
        return Sheet(self, worksheet, columns)

    def bar_chart(
        self,
        sheet: Sheet,
        *,
        title: str,
        categories: int,
        series: Sequence[tuple[int, str]],
        rows: int,
        anchor: tuple[int, int],
    ) -> None:
        """A native clustered bar chart of ``series`` (column index, colour) against the
        ``categories`` column, over data rows 1..rows, placed at ``anchor`` (row, col)."""
        if rows < 1:
            return
        name = sheet.worksheet.get_name()
        chart = self.workbook.add_chart({"type": "bar"})
        if chart is None:  # pragma: no cover - "bar" is a known type
            return
        for column, colour in series:
            chart.add_series(
                {
                    "name": [name, 0, column],
                    "categories": [name, 1, categories, rows, categories],
                    "values": [name, 1, column, rows, column],
                    "fill": {"color": colour},
                    "gap": 60,
                }
            )
        chart.set_title({"name": title})
        chart.set_y_axis({"reverse": True})
        chart.set_x_axis({"major_gridlines": {"visible": True}})
        chart.set_legend({"position": "top"})
        chart.set_size({"width": 900, "height": max(320, 26 * rows + 120)})
        sheet.worksheet.insert_chart(anchor[0], anchor[1], chart)

    def close(self) -> None:
        self.workbook.close()
