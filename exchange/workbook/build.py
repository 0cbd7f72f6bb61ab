"""Putting the workbook together: every sheet in order, the Summary chart, the About sheet
last (it names the rows written), with progress reported as it goes."""

from __future__ import annotations

import datetime as dt
import functools
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from django.conf import settings
from django.utils.translation import gettext as _

from accounts.models import User
from core import policies
from progress.rules import DesignationCount, ItemDistinct
from targets.models import Target
from targets.periods import period_format
from targets.rules import RuleKind
from targets.scopes import Scope

from . import sheets
from .sheets import LEVEL_NAMES, SHEETS, Context, SheetSpec
from .writer import Book, Column, Kind, Sheet, Typed

# Progress is written at most this often (seconds), and at every sheet's start.
PROGRESS_EVERY = 0.5
TICK_ROWS = 2000


class BookLike(Protocol):
    """What the builder needs of a writer (writer.Book; bench/export.py has another)."""

    def sheet(self, name: str, columns: Sequence[Column]) -> Any: ...
    def bar_chart(
        self,
        sheet: Any,
        *,
        title: str,
        categories: int,
        series: Sequence[tuple[int, str]],
        rows: int,
        anchor: tuple[int, int],
    ) -> None: ...
    def close(self) -> None: ...


Progress = Callable[[int, str], None]  # (percent 0-99, sheet title)


@dataclass
class Outcome:
    rows: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.rows.values())


class _Meter:
    """Turns rows written into a percentage of the rows expected, reported at most every
    ``PROGRESS_EVERY`` seconds."""

    def __init__(self, report: Progress, expected: dict[str, int]) -> None:
        self.report = report
        self.expected = {key: max(n, 1) for key, n in expected.items()}
        self.total = sum(self.expected.values())
        self.done_before = 0
        self.title = ""
        self.last = 0.0

    def start(self, key: str, title: str) -> None:
        self.title = title
        self._send(0, force=True)

    def tick(self, rows: int, key: str) -> None:
        self._send(min(rows, self.expected.get(key, rows)))

    def finish(self, key: str) -> None:
        self.done_before += self.expected.get(key, 0)

    def _send(self, rows: int, *, force: bool = False) -> None:
        now = time.monotonic()
        if not force and now - self.last < PROGRESS_EVERY:
            return
        self.last = now
        percent = int(99 * (self.done_before + rows) / self.total) if self.total else 0
        self.report(min(percent, 99), self.title)


def workbook_write(
    *,
    path: str,
    user: User,
    period: int,
    scope: Scope,
    at: dt.datetime,
    progress: Progress,
    book_factory: Callable[[str], BookLike] = Book,
) -> Outcome:
    """Write the programme workbook of ``period`` and ``scope`` as ``user`` may see it to
    ``path``, in the active language."""
    context = Context.load(user=user, period=period, scope=scope, at=at)
    chosen = [spec for spec in SHEETS if spec.key != "districts" or context.has_districts]
    expected = {spec.key: spec.estimate(context) for spec in chosen}
    expected["about"] = len(context.targets) + 30
    meter = _Meter(progress, expected)
    book = book_factory(path)
    outcome = Outcome()
    try:
        # Every sheet is created first so that the tabs are in order; each is then filled
        # row by row (constant_memory keeps one row of one sheet in memory at a time).
        about_title = _("About")
        opened = {spec.key: _sheet_open(book, spec, context) for spec in chosen}
        about = book.sheet(about_title, about_columns())
        for spec in chosen:
            sheet = opened[spec.key]
            meter.start(spec.key, spec.title())
            sheet.rows_write(
                spec.rows(context),
                every=TICK_ROWS,
                tick=functools.partial(meter.tick, key=spec.key),
            )
            sheet.finish()
            outcome.rows[spec.key] = sheet.rows
            meter.finish(spec.key)
            if spec.key == "summary":
                _summary_chart(book, sheet, context)
        meter.start("about", about_title)
        about.header(height=20)
        about.rows_write(about_rows(context, chosen, outcome))
        outcome.rows["about"] = about.rows
    finally:
        book.close()
    return outcome


def _sheet_open(book: BookLike, spec: SheetSpec, context: Context) -> Sheet:
    sheet: Sheet = book.sheet(spec.title(), spec.columns(context))
    sheet.header(freeze_columns=spec.freeze_columns, height=spec.header_height)
    return sheet


def _summary_chart(book: BookLike, sheet: Sheet, context: Context) -> None:
    """Actual and planned per target. Targets differ in units and size by orders of
    magnitude, so where the scope has target values (the city; allocated scopes) both are
    drawn as a share of each target; elsewhere (no planned values) the actual values."""
    if any(figure.get("target_value") is not None for figure in _scope_figures(context)):
        title = _("Actual and planned, percent of each target")
        series = [
            (sheets.SUMMARY_PERCENT, "#1f5fa8"),
            (sheets.SUMMARY_PLANNED_PERCENT, "#a9c4e6"),
        ]
    else:
        title = _("Actual by target")
        series = [(sheets.SUMMARY_ACTUAL, "#1f5fa8")]
    book.bar_chart(
        sheet,
        title=title,
        categories=sheets.SUMMARY_CODE,
        series=series,
        rows=sheet.rows,
        anchor=(sheet.rows + 3, 0),
    )


def _scope_figures(context: Context) -> list[Any]:
    return list(context.figures([str(context.scope)]))


# --- About ------------------------------------------------------------------------------


def about_columns() -> list[Column]:
    return [
        Column(_("Topic"), Kind.TEXT, 26, wrap=True),
        Column(_("Value"), Kind.TEXT, 60, wrap=True),
        Column(_("Details"), Kind.TEXT, 90, wrap=True),
    ]


def _number(value: Any) -> str:
    text = f"{value:f}" if hasattr(value, "as_tuple") else str(value)
    return text.rstrip("0").rstrip(".") if "." in text else text


def _source(target: Target, context: Context) -> str:
    rule = context.rules[target.pk]
    kind = target.rule_kind
    if isinstance(rule, DesignationCount):
        return _("Designations recorded by officials.")
    if isinstance(rule, ItemDistinct):
        return _("Items listed in approved quarterly reports.")
    if kind in (RuleKind.FLAG_LATEST_COUNT, RuleKind.FLAG_LATEST_SHARE, RuleKind.FLAG_EVER_COUNT):
        return _("Yes/no answers in approved quarterly reports.")
    return _("Values in approved quarterly reports.")


def _definition(target: Target, context: Context) -> str:
    baseline = (
        _("the city's actual value in that quarter")
        if target.baseline_is_actual
        else _number(target.baseline_value)
    )
    milestones = ", ".join(
        f"{m.date.isoformat()}: {_number(m.value)}" for m in target.milestones.all()
    )
    parts = [
        context.rules[target.pk].describe(),
        _("Data source: %(source)s") % {"source": _source(target, context)},
        _("Counts from %(date)s.") % {"date": target.counts_from.isoformat()},
        _("Baseline on %(date)s: %(value)s.")
        % {"date": target.baseline_date.isoformat(), "value": baseline},
    ]
    if milestones:
        parts.append(_("Milestones: %(list)s.") % {"list": milestones})
    return " ".join(parts)


def _filters(context: Context) -> list[tuple[str, str]]:
    scope = context.scope
    lines = [
        (
            _("Scope"),
            _(
                "%(scope)s (%(code)s): the Summary and Quarterly sheets show this scope's "
                "figures; the Enterprises, Reports and Evidence sheets hold its enterprises "
                "and the items and designations its figures count."
            )
            % {"scope": scope.label, "code": str(scope)},
        )
    ]
    if scope.is_city:
        lines.append((_("Districts and parks"), _("Every district and every park.")))
    elif context.has_districts:
        lines.append((_("Districts and parks"), _("This district and the parks in it only.")))
    else:
        lines.append(
            (
                _("Districts and parks"),
                _(
                    "This park only. The Districts sheet is left out: a district's figures "
                    "include the enterprises of other parks."
                ),
            )
        )
    if policies.is_district_official(context.user):
        lines.append(
            (
                _("Access"),
                _(
                    "A district official's workbook holds only their own district and its "
                    "parks: their figures, their enterprises, their reports and the evidence "
                    "they gave."
                ),
            )
        )
    elif policies.own_scope(context.user) is not None:
        lines.append(
            (
                _("Access"),
                _(
                    "A park manager's workbook holds only their own park: its figures, its "
                    "enterprises, their reports and the evidence they gave."
                ),
            )
        )
    return lines


def about_rows(context: Context, chosen: list[SheetSpec], outcome: Outcome) -> list[Any]:
    user = context.user
    role = user.get_role_display() if getattr(user, "role", "") else ""
    as_of = context.as_of()
    zone = settings.TIME_ZONE
    rows: list[Any] = [
        [_("Workbook"), _("DX Tracker programme workbook"), None],
        [_("Exported by"), user.get_username(), role or None],
        [_("Exported at"), Typed(context.generated_at, Kind.DATETIME), zone],
        [_("Quarter"), period_format(context.period), None],
        *[[topic, text, None] for topic, text in _filters(context)],
        [
            _("Figures as of"),
            Typed(as_of, Kind.DATETIME) if as_of is not None else None,
            _("When the figures of this quarter and scope were last computed."),
        ],
    ]
    descriptions = {
        "summary": _(
            "One row per target: the figures of the quarter and scope, with a chart of "
            "actual and planned values as a share of each target (planned, percent of target: the "
            "planned value ÷ the target value)."
        ),
        "quarterly": _("Each target's actual and planned value per quarter."),
        "districts": _("Each target's actual value and share of the city per district."),
        "parks": _("Each target's actual value and share of the city per park."),
        "enterprises": _(
            "Each enterprise's profile, designations in force, the values of its latest "
            "approved report up to the quarter, its maturity levels and its report counts."
        ),
        "reports": _(
            "Each enterprise and quarter with a report or owing one: status, when it was "
            "submitted and reviewed, and whether it was late."
        ),
        "evidence": _(
            "Every item and designation the item and designation targets count, with its "
            "de-duplication key and the report that claimed it; the first claim of each key "
            "is the one counted, so each target's rows marked counted add up to its actual "
            "value. Sums and yes/no targets are read from the Reports and Enterprises sheets."
        ),
    }
    for spec in chosen:
        rows.append(
            [
                spec.title(),
                _("%(rows)s rows") % {"rows": f"{outcome.rows.get(spec.key, 0):,}"},
                descriptions.get(spec.key),
            ]
        )
    rows += [
        [
            _("Status"),
            _("Achieved, on track, at risk, off track, missed"),
            _(
                "Achieved: the final target is met (approximately: 90 percent of it). Missed: the "
                "deadline has passed. Otherwise actual ÷ planned: at least 1 on track, at "
                "least 0.85 at risk, below that off track."
            ),
        ],
        [
            _("Projections"),
            _("Least-squares line through the last up to 4 quarters"),
            _(
                "Projected at deadline: the line read at the deadline's quarter. Projected "
                "attainment: the first quarter in which the line reaches the target."
            ),
        ],
        [
            _("Formats"),
            _("Counts whole, sums with two decimals, shares and percentages in %"),
            _("Dates and times are in the %(zone)s time zone.") % {"zone": zone},
        ],
    ]
    for code, names in LEVEL_NAMES.items():
        rows.append(
            [
                _("DCMM level") if code == "dcmm_level" else _("Smart manufacturing level"),
                ", ".join(f"{level} {name}" for level, name in names.items()),
                None,
            ]
        )
    rows.append([_("Targets"), None, None])
    for target in context.targets:
        value = _number(target.value)
        unit = target.unit
        heading = _("%(name)s: %(comparator)s %(value)s %(unit)s by %(deadline)s") % {
            "name": target.name,
            "comparator": target.get_comparator_display(),
            "value": value,
            "unit": unit,
            "deadline": target.deadline.isoformat(),
        }
        rows.append([target.code, heading, _definition(target, context)])
    return rows
