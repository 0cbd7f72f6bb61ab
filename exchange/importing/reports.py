"""The quarterly report file: its columns and how its rows become reports to write.

Sheet 1 (报表 / Reports): one row per enterprise and quarter — ``uscc``, ``period``
(2024Q1), ``submitted_on`` (the date the report was handed in; blank: the upload time),
then one column per metric, headed by its code or its name in either language; the
template also writes the enterprise's name and the report's current status, which are
read for orientation only. Sheet 2 (事项 / Items), optional: one row per item —
``uscc`` and ``period`` name the report row it belongs to, then ``kind`` (code or name),
``identifier``, ``title``, ``date``, ``attributes`` (``domain=rnd; …``) and
``evidence_url``. A CSV holds the first sheet only.

Values go to ``reporting.validation`` unchanged except flags, which also take 是/否, and
item dates, which take a date cell or ``YYYY-MM-DD`` (exchange.importing.columns). A row
with no value and no item is skipped: the template lists every enterprise owing the
quarter, and those left blank are not reported.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from targets.models import ItemKind, Metric
from targets.periods import PeriodError, period_end, period_format, period_parse

from .columns import (
    CellError,
    Column,
    RowError,
    code_value,
    columns_map,
    date_value,
    header_key,
    records,
    sheet_titles,
    text_value,
    uscc_value,
    yes_no_value,
)
from .reader import Book, ImportFileError, Sheet, is_blank

REPORT_SHEETS = (*sheet_titles("reports"), "季报")
ITEM_SHEETS = (*sheet_titles("items"), "成果事项")
ITEMS = "items"

REPORT_COLUMNS: tuple[Column, ...] = (
    Column(
        "uscc",
        "统一社会信用代码",
        gettext_lazy("Unified social credit code"),
        required=True,
        hint=gettext_lazy("18 characters, as text"),
        aliases=("unified social credit code", "信用代码"),
    ),
    Column("name", "企业名称", gettext_lazy("Enterprise"), info=True, aliases=("名称",)),
    Column(
        "period",
        "季度",
        gettext_lazy("Quarter"),
        required=True,
        hint=gettext_lazy("e.g. 2024Q1"),
        aliases=("报告期", "quarter"),
    ),
    Column(
        "submitted_on",
        "提交日期",
        gettext_lazy("Submitted on"),
        hint=gettext_lazy("a date cell or YYYY-MM-DD, after the quarter; blank: today"),
        aliases=("submitted on", "提交时间"),
    ),
    Column("status", "当前状态", gettext_lazy("Current status"), info=True, aliases=("状态",)),
)

ITEM_COLUMNS: tuple[Column, ...] = (
    REPORT_COLUMNS[0],
    REPORT_COLUMNS[2],
    Column(
        "kind",
        "事项类型",
        gettext_lazy("Kind"),
        required=True,
        hint=gettext_lazy("a kind's code or name (see the instructions)"),
        aliases=("类型",),
    ),
    Column(
        "identifier",
        "编号",
        gettext_lazy("Identifier"),
        required=True,
        hint=gettext_lazy("the kind's identifier: scenario name, approval number …"),
        aliases=("标识",),
    ),
    Column("title", "名称", gettext_lazy("Title"), aliases=("标题",)),
    Column("date", "日期", gettext_lazy("Date"), required=True, hint=gettext_lazy("YYYY-MM-DD")),
    Column(
        "attributes",
        "属性",
        gettext_lazy("Attributes"),
        hint=gettext_lazy("key=value, separated by ;, e.g. domain=rnd"),
    ),
    Column("evidence_url", "证明链接", gettext_lazy("Evidence link"), aliases=("链接",)),
)


def metric_columns(metrics: Iterable[Metric]) -> list[Column]:
    return [
        Column(
            metric.code,
            metric.name_zh,
            metric.name_en,
            hint=_metric_hint(metric),
            aliases=(metric.name_en,),
        )
        for metric in metrics
    ]


def _metric_hint(metric: Metric) -> str:
    if metric.type == Metric.Type.BOOLEAN:
        return _("是/否, true/false or 1/0")
    unit = f" {metric.unit}" if metric.unit else ""
    low = "" if metric.min_value is None else f"{metric.min_value.normalize():f}"
    high = "" if metric.max_value is None else f"{metric.max_value.normalize():f}"
    kind = _("whole number") if metric.type != Metric.Type.DECIMAL else _("number")
    return f"{kind}{unit}" + (f", {low}–{high}" if low or high else "")


@dataclass
class ItemRow:
    row: int
    data: dict[str, Any]


@dataclass
class ReportRow:
    row: int
    uscc: str
    period: int
    submitted_on: dt.date | None
    metrics: dict[str, Any] = field(default_factory=dict)
    items: list[ItemRow] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not self.metrics and not self.items


@dataclass
class ReportFile:
    reports: list[ReportRow]
    errors: list[RowError]
    rows: int
    skipped: int


def report_file_read(book: Book, *, metrics: list[Metric], kinds: list[ItemKind]) -> ReportFile:
    """The report rows with their items, and every error found in the cells (the
    services check the rest). Header problems raise ImportFileError."""
    sheet = book.sheets[0]
    if sheet is None:  # pragma: no cover - the first sheet always exists
        raise ImportFileError(_("The file has no sheet of reports."))
    by_code = {m.code: m for m in metrics}
    columns = [*REPORT_COLUMNS, *metric_columns(metrics)]
    keys = columns_map(sheet, columns)
    if not any(key in by_code for key in keys):
        raise ImportFileError(
            _("The sheet “%(sheet)s” has no metric column: download the template.")
            % {"sheet": sheet.title}
        )
    errors: list[RowError] = []
    reports: dict[tuple[str, int], ReportRow] = {}
    for record in records(sheet, keys):
        report = _report_row(record.row, record.values, by_code, errors)
        if report is None:
            continue
        first = reports.setdefault((report.uscc, report.period), report)
        if first is not report:
            errors.append(
                RowError(
                    report.row,
                    "period",
                    _("The same enterprise and quarter are also in row %(row)d.")
                    % {"row": first.row},
                )
            )
    items_sheet = book.sheets[1] if len(book.sheets) > 1 else None
    if items_sheet is not None:
        _items_attach(items_sheet, reports, kinds, errors)
    kept = [r for r in reports.values() if not r.empty]
    return ReportFile(
        reports=kept,
        errors=errors,
        rows=len(sheet.rows),
        skipped=len(reports) - len(kept),
    )


def _report_row(
    number: int, values: dict[str, Any], metrics: dict[str, Metric], errors: list[RowError]
) -> ReportRow | None:
    uscc = _cell(errors, number, "uscc", values.get("uscc"), uscc_value)
    period = _period(errors, number, values.get("period"))
    submitted_on = _cell(errors, number, "submitted_on", values.get("submitted_on"), date_value)
    if uscc == "":
        errors.append(RowError(number, "uscc", _("This column is required.")))
    # A date that cannot be right is reported once; the row is checked as of today.
    if (
        period is not None
        and submitted_on is not None
        and not _submitted_on_check(errors, number, period, submitted_on)
    ):
        submitted_on = None
    report_metrics: dict[str, Any] = {}
    for code, metric in metrics.items():
        raw = values.get(code)
        if is_blank(raw):
            continue
        if metric.type == Metric.Type.BOOLEAN:
            raw = _cell(errors, number, code, raw, yes_no_value)
            if raw is None:
                continue
        report_metrics[code] = raw
    if not uscc or period is None:
        return None
    return ReportRow(
        row=number,
        uscc=str(uscc),
        period=period,
        submitted_on=submitted_on,
        metrics=report_metrics,
    )


def _cell(errors: list[RowError], number: int, key: str, raw: Any, parse: Any, **kw: Any) -> Any:
    try:
        return parse(raw)
    except CellError as error:
        errors.append(RowError(number, key, str(error), sheet=kw.get("sheet", "")))
        return None


def _period(errors: list[RowError], number: int, raw: Any, sheet: str = "") -> int | None:
    text = re.sub(r"\s+", "", unicodedata.normalize("NFKC", text_value(raw)))
    if not text:
        errors.append(RowError(number, "period", _("This column is required."), sheet=sheet))
        return None
    try:
        return period_parse(text)
    except PeriodError as error:
        errors.append(RowError(number, "period", str(error), sheet=sheet))
        return None


def _submitted_on_check(
    errors: list[RowError], number: int, period: int, submitted_on: dt.date
) -> bool:
    end = period_end(period)
    if submitted_on <= end:
        errors.append(
            RowError(
                number,
                "submitted_on",
                _(
                    "%(date)s is not after the end of %(period)s (%(end)s): a report is "
                    "handed in after its quarter."
                )
                % {
                    "date": submitted_on.isoformat(),
                    "period": period_format(period),
                    "end": end.isoformat(),
                },
            )
        )
    elif submitted_on > timezone.localdate():
        errors.append(
            RowError(
                number,
                "submitted_on",
                _("%(date)s is in the future.") % {"date": submitted_on.isoformat()},
            )
        )
    else:
        return True
    return False


def _items_attach(
    sheet: Sheet,
    reports: dict[tuple[str, int], ReportRow],
    kinds: list[ItemKind],
    errors: list[RowError],
) -> None:
    keys = columns_map(sheet, ITEM_COLUMNS)
    kind_codes = _kind_codes(kinds)
    for record in records(sheet, keys):
        values, number = record.values, record.row
        found = len(errors)
        uscc = _cell(errors, number, "uscc", values.get("uscc"), uscc_value, sheet=ITEMS)
        period = _period(errors, number, values.get("period"), sheet=ITEMS)
        item = _item(errors, number, values, kind_codes)
        if len(errors) > found or item is None or period is None:
            continue
        report = reports.get((str(uscc), period))
        if report is None:
            errors.append(
                RowError(
                    number,
                    "uscc",
                    _(
                        "No row of the reports sheet has this enterprise and quarter "
                        "(%(uscc)s, %(period)s)."
                    )
                    % {"uscc": uscc, "period": period_format(period)},
                    sheet=ITEMS,
                )
            )
            continue
        report.items.append(ItemRow(row=number, data=item))


def _kind_codes(kinds: list[ItemKind]) -> dict[str, str]:
    codes: dict[str, str] = {}
    for kind in kinds:
        for name in (kind.code, kind.name_zh, kind.name_en):
            codes[header_key(name)] = kind.code
    return codes


def _item(
    errors: list[RowError], number: int, values: dict[str, Any], kinds: dict[str, str]
) -> dict[str, Any] | None:
    kind_text = code_value(values.get("kind"))
    item: dict[str, Any] = {
        "kind": kinds.get(header_key(kind_text), kind_text),
        "identifier": text_value(values.get("identifier")),
        "title": text_value(values.get("title")),
    }
    if is_blank(values.get("date")):
        errors.append(RowError(number, "date", _("This column is required."), sheet=ITEMS))
        return None
    date = _cell(errors, number, "date", values.get("date"), date_value, sheet=ITEMS)
    item["date"] = date.isoformat() if date else None
    attributes = _cell(
        errors, number, "attributes", values.get("attributes"), _attributes, sheet=ITEMS
    )
    if attributes:
        item["attributes"] = attributes
    url = text_value(values.get("evidence_url"))
    if url:
        item["evidence_url"] = url
    return item if date is not None else None


def _attributes(raw: Any) -> dict[str, str]:
    """``domain=rnd; level=national`` (``:`` also separates), or a JSON object."""
    text = unicodedata.normalize("NFKC", text_value(raw)).strip()
    if not text:
        return {}
    if text.startswith("{"):
        try:
            data = json.loads(text)
        except ValueError as error:
            raise CellError(_("Write attributes as key=value; key=value.")) from error
        if not isinstance(data, dict):
            raise CellError(_("Write attributes as key=value; key=value."))
        return {str(k): str(v) for k, v in data.items()}
    out: dict[str, str] = {}
    for part in re.split(r"[;\n]+", text):
        if not part.strip():
            continue
        pieces = re.split(r"[=:]", part, maxsplit=1)
        if len(pieces) != 2 or not pieces[0].strip():
            raise CellError(_("Write attributes as key=value; key=value."))
        out[pieces[0].strip()] = pieces[1].strip()
    return out
