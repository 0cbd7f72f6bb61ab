"""Benchmark of the programme workbook at national scale, on PostgreSQL.

    .venv/bin/python bench/export.py [--engine xlsxwriter|xlsxwriter-cells|openpyxl]
                                     [--compare] [--scope city] [--regenerate] [--keep-file]

Uses the dx_bench database of bench/rollup.py (generated with its ``database_recreate()``
and ``generate()`` when missing or empty, or always with ``--regenerate``), makes sure the
progress snapshots and the user ``bench-official`` exist, then builds the workbook of the
latest quarter through ``exchange.services.export_build`` in a fresh process per engine
(Linux keeps a parent's peak RSS across fork + exec, so each figure is the build's own), and
prints its wall time, the peak RSS of that process (``ru_maxrss``), the rows per sheet and
the file size.

Engines (the same sheets, rows and formats; ``--compare`` runs all three):
  xlsxwriter        XlsxWriter constant_memory, rows encoded by exchange.workbook.writer
                    (what the product uses);
  xlsxwriter-cells  XlsxWriter constant_memory through its public per-cell write_* calls;
  openpyxl          openpyxl write_only with WriteOnlyCell styles.

Goal (issue 9): ≤ 45 s and ≤ 250 MB for the 10,000-enterprise data (≈ 370k rows).
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib.util
import json
import os
import resource
import subprocess
import sys
import time
import types
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ENGINES = ("xlsxwriter", "xlsxwriter-cells", "openpyxl")
USERNAME = "bench-official"
SHEET_ORDER = (
    "summary",
    "quarterly",
    "districts",
    "parks",
    "enterprises",
    "reports",
    "evidence",
    "about",
)


def rollup_module() -> types.ModuleType:
    """bench/rollup.py, imported by path; importing it points DATABASE_URL at dx_bench."""
    spec = importlib.util.spec_from_file_location("bench_rollup", HERE / "rollup.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


rollup = rollup_module()
os.environ["DATABASE_URL"] = f"{rollup.SERVER}/{rollup.DB}"
os.environ.pop("CELERY_BROKER_URL", None)
os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.dev"
os.environ["DJANGO_DEBUG"] = "0"  # DEBUG keeps a log of every query
os.environ["DJANGO_LOG_LEVEL"] = "WARNING"


def say(message: str) -> None:
    print(f"# {message}", flush=True)


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# --- preparing the database (in this process) -------------------------------------------


def prepare(regenerate: bool) -> None:
    pages = _pages_module()
    pages.database_prepare(regenerate)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)  # a reused database may be of an older schema
    pages.snapshots_ensure()
    from accounts.models import Role, User

    User.objects.update_or_create(
        username=USERNAME, defaults={"role": Role.OFFICIAL, "is_active": True}
    )


def _pages_module() -> types.ModuleType:
    spec = importlib.util.spec_from_file_location("bench_pages", HERE / "pages.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["bench_pages"] = module  # its dataclasses look their module up
    spec.loader.exec_module(module)
    return module


# --- the engines compared ---------------------------------------------------------------


def book_factory(engine: str) -> Any:
    from exchange.workbook.writer import Book

    if engine == "xlsxwriter":
        return Book
    if engine == "xlsxwriter-cells":
        return _cells_book()
    if engine == "openpyxl":
        return _openpyxl_book()
    raise SystemExit(f"unknown engine {engine}")


def _cells_book() -> Any:
    """The product's Book, but every cell through XlsxWriter's public write_* calls."""
    from exchange.workbook.writer import NUMERIC, Book, Kind, Sheet, Typed, excel_serial

    class CellsSheet(Sheet):
        def row(self, values: Any) -> None:
            self.rows += 1
            number = self.rows
            worksheet = self.worksheet
            book = self.book
            for index, value in enumerate(values):
                kind = self.columns[index].kind
                if value.__class__ is Typed:
                    kind, value = value.kind, value.value
                if value is None:
                    continue
                if kind is Kind.TEXT:
                    text = str(value)
                    style = (
                        book.quoted if text.startswith(("=", "+", "-", "@", "\t", "\r")) else None
                    )
                    worksheet.write_string(number, index, text, style)
                elif kind in NUMERIC:
                    worksheet.write_number(number, index, float(value), book.formats[kind])
                else:
                    worksheet.write_number(number, index, excel_serial(value), book.formats[kind])

    class CellsBook(Book):
        def sheet(self, name: str, columns: Any) -> Any:
            from exchange.workbook.writer import sheet_name

            return CellsSheet(self, self.workbook.add_worksheet(sheet_name(name)), columns)

    return CellsBook


def _openpyxl_book() -> Any:
    """The same sheets with openpyxl's write_only mode."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.chart import BarChart, Reference
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    from exchange.workbook.writer import (
        FORMULA_STARTS,
        NUMBER_FORMATS,
        Kind,
        Typed,
        local_naive,
        sheet_name,
    )

    class OpenpyxlSheet:
        def __init__(self, book: Any, worksheet: Any, columns: Any) -> None:
            self.book = book
            self.worksheet = worksheet
            self.columns = list(columns)
            self.rows = 0
            self.pending_header = True

        def header(self, *, freeze_columns: int = 0, height: float | None = None) -> None:
            worksheet = self.worksheet
            for index, column in enumerate(self.columns, start=1):
                worksheet.column_dimensions[get_column_letter(index)].width = column.width
            worksheet.freeze_panes = f"{get_column_letter(freeze_columns + 1)}2"
            cells = []
            for column in self.columns:
                cell = WriteOnlyCell(worksheet, value=column.header)
                cell.data_type = "s"
                cell.font = Font(bold=True)
                cell.fill = PatternFill("solid", fgColor="E8EEF7")
                cell.alignment = Alignment(wrap_text=True, vertical="top")
                cells.append(cell)
            worksheet.append(cells)

        def _cell(self, kind: Kind, value: Any) -> Any:
            worksheet = self.worksheet
            if kind is Kind.TEXT:
                text = str(value)
                cell = WriteOnlyCell(worksheet, value=text)
                cell.data_type = "s"  # never a formula
                if text.startswith(FORMULA_STARTS):
                    cell.quotePrefix = True
                return cell
            if kind in (Kind.DATE, Kind.DATETIME) and hasattr(value, "tzinfo"):
                value = local_naive(value)
            elif kind not in (Kind.DATE, Kind.DATETIME):
                value = float(value)
            cell = WriteOnlyCell(worksheet, value=value)
            cell.number_format = NUMBER_FORMATS[kind]
            return cell

        def row(self, values: Any) -> None:
            self.rows += 1
            cells = []
            for index, value in enumerate(values):
                kind = self.columns[index].kind
                if value.__class__ is Typed:
                    kind, value = value.kind, value.value
                cells.append(None if value is None else self._cell(kind, value))
            self.worksheet.append(cells)

        def rows_write(self, rows: Any, *, every: int = 0, tick: Any = None) -> None:
            for values in rows:
                self.row(values)
                if tick is not None and every and self.rows % every == 0:
                    tick(self.rows)

        def finish(self) -> None:
            last = get_column_letter(len(self.columns))
            self.worksheet.auto_filter.ref = f"A1:{last}{max(self.rows, 1) + 1}"

    class OpenpyxlBook:
        def __init__(self, path: str) -> None:
            self.path = path
            self.workbook = Workbook(write_only=True)

        def sheet(self, name: str, columns: Any) -> OpenpyxlSheet:
            return OpenpyxlSheet(self, self.workbook.create_sheet(sheet_name(name)), columns)

        def bar_chart(
            self, sheet: Any, *, title: str, categories: int, series: Any, rows: int, anchor: Any
        ) -> None:
            chart = BarChart()
            chart.type = "bar"
            chart.title = title
            for column, _colour in series:
                data = Reference(sheet.worksheet, min_col=column + 1, min_row=1, max_row=rows + 1)
                chart.add_data(data, titles_from_data=True)
            chart.set_categories(
                Reference(sheet.worksheet, min_col=categories + 1, min_row=2, max_row=rows + 1)
            )
            sheet.worksheet.add_chart(chart, f"A{anchor[0] + 1}")

        def close(self) -> None:
            self.workbook.save(self.path)

    return OpenpyxlBook


# --- one measured build (in its own process) ---------------------------------------------


def measure(engine: str, scope: str, keep_file: bool) -> dict[str, Any]:
    import django

    django.setup()
    from django.core.files.storage import default_storage
    from django.utils import timezone

    from accounts.models import User
    from exchange import services
    from exchange.models import Export
    from progress.selectors import snapshot_periods

    baseline = peak_mb()
    user = User.objects.get(username=USERNAME)
    period = snapshot_periods()[-1]
    now = timezone.now()
    export = Export.objects.create(
        requested_by=user,
        period=period,
        scope=scope,
        language="zh-hans",
        requested_at=now,
        expires_at=now + dt.timedelta(days=1),
    )
    started = time.perf_counter()
    built = services.export_build(export_id=export.pk, book_factory=book_factory(engine))
    wall = time.perf_counter() - started
    assert built is not None
    result = {
        "engine": engine,
        "scope": scope,
        "status": built.status,
        "error": built.error,
        "wall_s": round(wall, 2),
        "peak_rss_mb": round(peak_mb(), 1),
        "rss_before_build_mb": round(baseline, 1),
        "rows": built.rows,
        "rows_per_sheet": built.sheets,
        "file_mb": round(built.size / 1024 / 1024, 2),
    }
    if not keep_file:
        if built.file:
            default_storage.delete(built.file.name)
        built.delete()
    else:
        result["file"] = default_storage.path(built.file.name) if built.file else None
    return result


def line(result: dict[str, Any]) -> str:
    order = [*SHEET_ORDER, *sorted(set(result["rows_per_sheet"]) - set(SHEET_ORDER))]
    sheets = ", ".join(
        f"{key} {result['rows_per_sheet'][key]:,}"
        for key in order
        if key in result["rows_per_sheet"]
    )
    text = (
        f"export [{result['engine']}, {result['scope']}]: {result['wall_s']:.1f} s, "
        f"peak RSS {result['peak_rss_mb']:.0f} MB (Django loaded: "
        f"{result['rss_before_build_mb']:.0f} MB), {result['rows']:,} rows, "
        f"{result['file_mb']:.1f} MB file; {sheets}"
    )
    if result["status"] != "done":
        text += f"  <-- {result['status']}: {result['error']}"
    return text


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--engine", choices=ENGINES, default="xlsxwriter")
    parser.add_argument("--compare", action="store_true", help="run every engine")
    parser.add_argument("--scope", default="city", help="city | district:CODE | park:CODE")
    parser.add_argument("--regenerate", action="store_true", help="reload dx_bench first")
    parser.add_argument("--keep-file", action="store_true", help="keep the workbook")
    parser.add_argument("--measure", metavar="ENGINE", help=argparse.SUPPRESS)
    parser.add_argument("--generate-only", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--prepare-only", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.generate_only:
        rollup.database_recreate()
        rollup.generate()
        return
    if args.prepare_only:
        prepare(False)
        return
    if args.measure:
        print(json.dumps(measure(args.measure, args.scope, args.keep_file)), flush=True)
        return

    # The database is prepared in its own process so that the builds' RSS is their own.
    if args.regenerate:
        subprocess.run([sys.executable, __file__, "--generate-only"], check=True)
    subprocess.run([sys.executable, __file__, "--prepare-only"], check=True)
    engines = ENGINES if args.compare else (args.engine,)
    for engine in engines:
        command = [sys.executable, __file__, "--measure", engine, "--scope", args.scope]
        if args.keep_file:
            command.append("--keep-file")
        output = subprocess.run(command, check=True, capture_output=True, text=True).stdout
        result = json.loads(output.strip().splitlines()[-1])
        print(line(result), flush=True)


if __name__ == "__main__":
    main()
