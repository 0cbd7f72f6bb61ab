"""Workbooks offered for download around an import: each kind's template and the error
report of a file that was refused.

A template's first sheet is the one to fill in: one header row in the user's language
(Chinese headers, or the English column keys), each header with a note giving the key, what
to enter and whether a new row needs it (*); code columns and the USCC column are formatted
as text, so that Excel keeps every digit; yes/no, district, park and segment cells offer
their choices. Further sheets explain the columns and list the codes. The quarterly report
template lists every enterprise that owes the quarter (reporting.obligations) with its
current status, one column per metric, and an empty items sheet.

Written with XlsxWriter, which writes text as text (never as a formula).
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from typing import Any

import xlsxwriter
from django.conf import settings
from django.http import HttpResponse
from django.utils import translation
from django.utils.translation import gettext as _

from parks.models import Park
from reporting.models import Submission
from reporting.obligations import obligated_enterprises
from targets.models import District, ItemKind, Metric, Segment
from targets.periods import (
    REPORTS_FIRST_PERIOD,
    PeriodError,
    last_ended_period,
    period_format,
    period_parse,
)

from .columns import (
    ENTERPRISE_COLUMNS,
    PARK_COLUMNS,
    PROVIDER_COLUMNS,
    Column,
    RowError,
    header_label,
    sheet_title,
)
from .reports import ITEM_COLUMNS, REPORT_COLUMNS, metric_columns

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
COLUMNS: dict[str, tuple[Column, ...]] = {
    "enterprises": ENTERPRISE_COLUMNS,
    "parks": PARK_COLUMNS,
    "providers": PROVIDER_COLUMNS,
}
_LAST_ROW = 1_048_575
_CODE_KEYS = {"uscc", "district", "park", "segment", "code", "period", "kind"}
_DATE_KEYS = {"active_from", "active_until", "submitted_on", "date"}
_YES_NO_KEYS = {"is_key", "above_scale"}


def _zh(language: str) -> bool:
    return language.lower().startswith("zh")


class _Book:
    """An in-memory XlsxWriter workbook with the formats the templates share."""

    def __init__(self) -> None:
        self.buffer = io.BytesIO()
        self.workbook = xlsxwriter.Workbook(
            self.buffer,
            {
                "in_memory": True,
                "strings_to_formulas": False,
                "strings_to_numbers": False,
                "strings_to_urls": False,
            },
        )
        add = self.workbook.add_format
        self.header = add({"bold": True, "bg_color": "#DCE6F1", "border": 1, "text_wrap": True})
        self.text = add({"num_format": "@"})
        self.date = add({"num_format": "yyyy-mm-dd"})
        self.bold = add({"bold": True})
        self.wrap = add({"text_wrap": True, "valign": "top"})

    def close(self) -> bytes:
        self.workbook.close()
        return self.buffer.getvalue()


def column_labels(kind: str, language: str) -> dict[str, str]:
    """Column key → the header the user knows (for the page and the error report)."""
    columns: Iterable[Column]
    if kind == "reports":
        columns = [*REPORT_COLUMNS, *metric_columns(Metric.objects.all()), *ITEM_COLUMNS]
    else:
        columns = COLUMNS[kind]
    labels = {c.key: (c.zh if _zh(language) else str(c.label)) for c in columns}
    labels[""] = _("(the row)")
    return labels


# --- templates ------------------------------------------------------------------------------


def template_period(kind: str, text: str | None) -> int | None:
    """The quarter of a report template (the last ended by default; PeriodError with the
    reason for one that cannot be reported); None for the other kinds."""
    if kind != "reports":
        return None
    if not text:
        return last_ended_period()
    period = period_parse(text)
    if not REPORTS_FIRST_PERIOD <= period <= last_ended_period():
        raise PeriodError(
            _("Reports can be imported for %(first)s to %(last)s.")
            % {
                "first": period_format(REPORTS_FIRST_PERIOD),
                "last": period_format(last_ended_period()),
            }
        )
    return period


def template_response(kind: str, *, period: int | None) -> HttpResponse:
    """The template as a download, in the active language."""
    language = translation.get_language() or settings.LANGUAGE_CODE
    workbook = template_workbook(kind, language=language, period=period)
    suffix = f"-{period_format(period)}" if period is not None else ""
    return xlsx_response(workbook, f"dx-{kind}-template{suffix}.xlsx")


def xlsx_response(workbook: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(workbook, content_type=XLSX_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


def report_periods() -> list[int]:
    """The quarters a report template can be had for, newest first."""
    return list(range(last_ended_period(), REPORTS_FIRST_PERIOD - 1, -1))


def template_workbook(kind: str, *, language: str, period: int | None = None) -> bytes:
    book = _Book()
    if kind == "reports":
        if period is None:  # pragma: no cover - the views require it
            raise ValueError("a report template needs its quarter")
        _reports_template(book, language=language, period=period)
    else:
        columns = COLUMNS[kind]
        sheet = _data_sheet(book, sheet_title(kind, language), columns, language)
        _instructions(book, columns, language, notes=_notes(kind))
        _code_sheets(book, sheet, columns, language)
    return book.close()


def _data_sheet(
    book: _Book, title: str, columns: Sequence[Column], language: str, *, rows: int = 0
) -> Any:
    sheet = book.workbook.add_worksheet(title)
    for index, column in enumerate(columns):
        mark = "*" if (column.required or column.needed) else ""
        sheet.write_string(0, index, header_label(column, language) + mark, book.header)
        sheet.write_comment(0, index, _note(column), {"x_scale": 2.2, "y_scale": 1.6})
        width = 24 if column.key in ("uscc", "name", "name_en", "enterprises") else 14
        cell_format = book.date if column.key in _DATE_KEYS else None
        if column.key in _CODE_KEYS or column.key == "name":
            cell_format = book.text
        sheet.set_column(index, index, width, cell_format)
        if column.key in _YES_NO_KEYS:
            choices = ["是", "否"] if _zh(language) else ["true", "false"]
            _choices(sheet, index, choices, rows)
    sheet.freeze_panes(1, 0)
    return sheet


def _note(column: Column) -> str:
    lines = [f"{column.key} · {column.zh} · {column.label}"]
    if column.hint:
        lines.append(str(column.hint))
    if column.required:
        lines.append(_("Required: identifies the row."))
    elif column.needed:
        lines.append(_("Required for a new row."))
    if column.info:
        lines.append(_("For your orientation: not imported."))
    return "\n".join(lines)


def _choices(sheet: Any, index: int, source: Any, rows: int = 0) -> None:
    sheet.data_validation(
        1,
        index,
        max(rows, _LAST_ROW),
        index,
        {"validate": "list", "source": source, "error_type": "information"},
    )


def _notes(kind: str) -> list[str]:
    notes = [
        _("Fill in the first sheet: one row per record, the column headers in its first row."),
        _(
            "Headers may be in Chinese or English (the keys shown in each header's note); "
            "columns may be in any order; an update may leave out columns it does not change "
            "(a column marked * is needed for a new row)."
        ),
        _("Type values, not formulas; do not merge cells; keep dates as dates or YYYY-MM-DD."),
        _("Codes are listed on the following sheets."),
        _(
            "Upload the file as .xlsx or CSV (UTF-8 or GBK). Every row is checked first: if "
            "any row is invalid, nothing is imported and you get the list of errors."
        ),
    ]
    if kind in ("enterprises", "providers"):
        notes.insert(
            2,
            _(
                "Keep the unified social credit code as text: Excel turns an 18-digit number "
                "into 9.13E+17 and loses digits, and such codes are refused."
            ),
        )
    return notes


def _instructions(
    book: _Book, columns: Sequence[Column], language: str, *, notes: list[str]
) -> tuple[Any, int]:
    """The instructions sheet, and its first free row."""
    sheet = book.workbook.add_worksheet(_("Instructions"))
    sheet.set_column(0, 0, 26)
    sheet.set_column(1, 1, 18)
    sheet.set_column(2, 2, 14)
    sheet.set_column(3, 3, 70, book.wrap)
    row = 0
    for note in notes:
        sheet.write_string(row, 0, note)
        row += 1
    row += 1
    heads = [_("Chinese header"), _("English header"), _("Needed"), _("What to enter")]
    for index, text in enumerate(heads):
        sheet.write_string(row, index, text, book.header)
    for column in columns:
        row += 1
        sheet.write_string(row, 0, column.zh)
        sheet.write_string(row, 1, column.key)
        needed = column.required or column.needed
        sheet.write_string(row, 2, _("yes") if needed else "")
        hint = f"{column.label}" + (f" — {column.hint}" if column.hint else "")
        if column.info:
            hint += " " + _("(for your orientation: not imported)")
        sheet.write_string(row, 3, hint)
    return sheet, row + 2


def _code_sheets(book: _Book, data_sheet: Any, columns: Sequence[Column], language: str) -> None:
    keys = [c.key for c in columns]
    if "district" in keys:
        districts = [(d.code, d.name_zh, d.name_en) for d in District.objects.all()]
        _code_sheet(book, _("District codes"), districts)
        _choices(data_sheet, keys.index("district"), [d[0] for d in districts])
    if "park" in keys:
        parks = [
            (p.code, p.name_zh, p.name_en, p.district.code)
            for p in Park.objects.select_related("district")
        ]
        title = _("Park codes")
        _code_sheet(book, title, parks, extra=_("District"))
        if parks:
            _choices(data_sheet, keys.index("park"), f"='{title}'!$A$2:$A${len(parks) + 1}")
    if "segment" in keys:
        segments = [(s.code, s.name_zh, s.name_en) for s in Segment.objects.all()]
        _code_sheet(book, _("Segment codes"), segments)
        _choices(data_sheet, keys.index("segment"), [s[0] for s in segments])


def _code_sheet(
    book: _Book, title: str, rows: Sequence[tuple[str, ...]], *, extra: str | None = None
) -> None:
    sheet = book.workbook.add_worksheet(title)
    heads = [_("Code"), _("Name (Chinese)"), _("Name (English)")] + ([extra] if extra else [])
    for index, text in enumerate(heads):
        sheet.write_string(0, index, text, book.header)
    sheet.set_column(0, 0, 16, book.text)
    sheet.set_column(1, 2, 30)
    for number, row in enumerate(rows, 1):
        for index, value in enumerate(row):
            sheet.write_string(number, index, str(value or ""))
    sheet.freeze_panes(1, 0)


def _reports_template(book: _Book, *, language: str, period: int) -> None:
    metrics = list(Metric.objects.all())
    columns = [*REPORT_COLUMNS, *metric_columns(metrics)]
    enterprises = list(
        obligated_enterprises(period).order_by("uscc").values_list("pk", "uscc", "name")
    )
    status = dict(Submission.objects.filter(period=period).values_list("enterprise_id", "status"))
    labels = dict(Submission.Status.choices)
    sheet = _data_sheet(
        book, sheet_title("reports", language), columns, language, rows=len(enterprises)
    )
    quarter = period_format(period)
    for row, (pk, uscc, name) in enumerate(enterprises, 1):
        sheet.write_string(row, 0, uscc)
        sheet.write_string(row, 1, name)
        sheet.write_string(row, 2, quarter)
        current = status.get(pk)
        if current:
            sheet.write_string(row, 4, str(labels.get(current, current)))
    for index, metric in enumerate(metrics, len(REPORT_COLUMNS)):
        if metric.type == Metric.Type.BOOLEAN:
            choices = ["是", "否"] if _zh(language) else ["true", "false"]
            _choices(sheet, index, choices, len(enterprises))
    items = _data_sheet(book, sheet_title("items", language), ITEM_COLUMNS, language)
    kinds = list(ItemKind.objects.all())
    _choices(items, 2, [k.code for k in kinds])
    notes = [
        _(
            "One row per enterprise owing %(period)s; fill in the values of those that "
            "reported. A row left without any value and without items is skipped."
        )
        % {"period": quarter},
        _(
            "Imported reports are handed in as submitted on the date in 提交日期 "
            "(submitted_on; blank: the day of the upload) and then go through review."
        ),
        _(
            "Items go on the second sheet, each with the enterprise's code and the quarter "
            "of its report."
        ),
        *_notes("reports")[1:],
    ]
    instructions, free = _instructions(book, [*columns, *ITEM_COLUMNS[2:]], language, notes=notes)
    _kinds_table(book, instructions, kinds, start=free)


def _kinds_table(book: _Book, sheet: Any, kinds: list[ItemKind], *, start: int) -> None:
    heads = [_("Item kind"), _("Name"), _("Identifier"), _("Attributes")]
    for index, text in enumerate(heads):
        sheet.write_string(start, index, text, book.header)
    for row, kind in enumerate(kinds, start + 1):
        attributes = "; ".join(
            f"{key}={'|'.join(values)}" for key, values in (kind.attributes or {}).items()
        )
        sheet.write_string(row, 0, kind.code)
        sheet.write_string(row, 1, kind.name)
        sheet.write_string(row, 2, kind.identifier_label)
        sheet.write_string(row, 3, attributes)


# --- the error report -----------------------------------------------------------------------


def errors_workbook(errors: Sequence[RowError], *, kind: str, language: str) -> bytes:
    """One line per error: row, sheet, column (as the user knows it), the cell's value
    and the message."""
    book = _Book()
    sheet = book.workbook.add_worksheet(_("Errors"))
    labels = column_labels(kind, language)
    heads = [_("Row"), _("Sheet"), _("Column"), _("Value"), _("Problem")]
    for index, text in enumerate(heads):
        sheet.write_string(0, index, text, book.header)
    sheet.set_column(0, 0, 8)
    sheet.set_column(1, 1, 12)
    sheet.set_column(2, 2, 24)
    sheet.set_column(3, 3, 28, book.text)
    sheet.set_column(4, 4, 90, book.wrap)
    sheets = {"": sheet_title(kind, language) if kind in COLUMNS or kind == "reports" else ""}
    sheets["items"] = sheet_title("items", language)
    for number, error in enumerate(errors, 1):
        if error.row:
            sheet.write_number(number, 0, error.row)
        sheet.write_string(number, 1, sheets.get(error.sheet, error.sheet))
        sheet.write_string(number, 2, labels.get(error.field, error.field))
        sheet.write_string(number, 3, error.value)
        sheet.write_string(number, 4, error.message)
    sheet.freeze_panes(1, 0)
    sheet.autofilter(0, 0, max(len(errors), 1), len(heads) - 1)
    return book.close()
