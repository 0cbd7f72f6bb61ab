"""Writing a table: an .xlsx workbook through the safe streaming writer
(``exchange.workbook.writer``: texts never become formulas, numbers stay numbers with their
formats, the header row frozen, an autofilter, column widths), with an About sheet (the
table, the page and its filters, who exported it and when); or CSV in UTF-8 with a BOM, one
line at a time (formula-like texts start with an apostrophe).

Rows are read while they are written: the writer keeps one row in memory
(``constant_memory``), the CSV goes out line by line. Both run in the table's language:
a row's words (statuses, yes/no) are made as the row is read.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from ..workbook.writer import CSV_BOM, Book, Column, Kind, Typed, csv_text
from .base import Table

TICK_ROWS = 2000


def about_columns() -> list[Column]:
    return [
        Column(_("Topic"), Kind.TEXT, 26, wrap=True),
        Column(_("Value"), Kind.TEXT, 90, wrap=True),
    ]


def about_rows(table: Table, *, user: Any, at: dt.datetime, rows: int) -> list[list[Any]]:
    role = user.get_role_display() if getattr(user, "role", "") else ""
    who = f"{user.get_username()} ({role})" if role else user.get_username()
    lines: list[list[Any]] = [
        [_("Table"), table.heading],
        [_("Web page"), table.page or None],
        *[[label, value] for label, value in table.filters],
        [_("Rows"), Typed(rows, Kind.COUNT)],
        [_("Exported by"), who],
        [_("Exported at"), Typed(at, Kind.DATETIME)],
        [
            _("Notes"),
            _(
                "The rows the page shows with the same filters and sort, every page of them. "
                "Dates and times are in the %(zone)s time zone."
            )
            % {"zone": settings.TIME_ZONE},
        ],
    ]
    return lines


def xlsx_write(
    table: Table,
    path: str,
    *,
    user: Any,
    at: dt.datetime | None = None,
    tick: Callable[[int], None] | None = None,
) -> int:
    """Write the table and its About sheet to ``path``; returns the rows written."""
    at = at or timezone.now()
    with translation.override(table.language or None):
        book = Book(path)
        try:
            sheet = book.sheet(table.title, table.columns)
            about = book.sheet(_("About"), about_columns())
            sheet.header(height=32)
            sheet.rows_write(table.rows, every=TICK_ROWS, tick=tick)
            sheet.finish()
            about.header(height=20)
            about.rows_write(about_rows(table, user=user, at=at, rows=sheet.rows))
        finally:
            book.close()
    return sheet.rows


class _Line:
    """A file-like object the csv writer writes one line into."""

    def __init__(self) -> None:
        self.text = ""

    def write(self, text: str) -> int:
        self.text = text
        return len(text)


def csv_lines(table: Table, *, tick: Callable[[int], None] | None = None) -> Iterator[str]:
    """The table as CSV, a line at a time: the BOM and the header first."""
    with translation.override(table.language or None):
        line = _Line()
        writer = csv.writer(line)
        writer.writerow([csv_text(column.header) for column in table.columns])
        yield CSV_BOM + line.text
        for number, row in enumerate(table.rows, start=1):
            writer.writerow([csv_value(value) for value in row])
            yield line.text
            if tick is not None and number % TICK_ROWS == 0:
                tick(number)


def csv_value(value: Any) -> Any:
    """A cell as CSV text: numbers as they are (no thousands separators), dates in ISO
    form, times to the minute in the site's zone, formula-like texts quoted."""
    if isinstance(value, Typed):
        value = value.value
    if value is None:
        return ""
    if isinstance(value, str):
        return csv_text(value)
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, Decimal):
        text = f"{value:f}"
        return text.rstrip("0").rstrip(".") if "." in text else text
    if isinstance(value, float):
        return f"{value:.15g}"
    if isinstance(value, dt.datetime):
        moment = timezone.localtime(value) if timezone.is_aware(value) else value
        return moment.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, int):
        return value
    return csv_text(value)


def content_type(file_format: str) -> str:
    if file_format == "csv":
        return "text/csv; charset=utf-8"
    return "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
