"""What each sheet of the programme workbook holds: its columns and its rows, read from the
database in the order they are written (every query streams; nothing is read per scope or
per row).

Figures come from the same stored snapshots and the same presenter as the progress API
(``progress.presenters.figures_json``), so the Summary, Quarterly, Districts and Parks sheets
show exactly the API's numbers. The Evidence sheet is built on the rule objects' own
querysets (``progress.rules``): one query per target for the whole scope, never one per scope
or per figure; its de-duplication keys are the rules' keys and the first claim of each key is
what the figure counts.

Scope: the export's scope limits every sheet (the city: everything; a district: its
figures, its parks, its enterprises; a park: that park only, and no Districts sheet, since a
district's figures hold other parks' enterprises). A park manager's export is always their
park's, a district official's their district's or one of its parks'
(``core.policies.scope_allowed``), and the rows of enterprises and parks are filtered by
``core.policies.enterprise_q`` and ``park_q`` as well.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db import connection
from django.db.models import Count, F, Max, Q, QuerySet, Window
from django.db.models.functions import RowNumber
from django.utils import timezone
from django.utils.translation import get_language, pgettext, pgettext_lazy
from django.utils.translation import gettext as _

from accounts.models import User
from core import policies
from enterprises.models import Designation, Enterprise
from parks.models import Park
from progress.models import ProgressStatus, Snapshot
from progress.presenters import WHOLE_KINDS, FigureJSON, figures_json
from progress.rules import DesignationCount, ItemDistinct, Rule, rule_for
from reporting.evidence_selectors import evidence_links, evidence_links_text
from reporting.models import MetricValue, Submission
from targets.models import District, Metric, Target
from targets.periods import (
    PROGRAMME_FIRST_PERIOD,
    period_due_on,
    period_end,
    period_format,
)
from targets.rules import RuleKind
from targets.scopes import Scope, ScopeKind

from .writer import Column, Kind, Typed

STREAM_CHUNK = 5000
LEVEL_METRICS = ("dcmm_level", "smart_mfg_level")
NOT_ASSESSED = pgettext_lazy("maturity level", "Not assessed")
# The same words as the maturity page (progress/pages/maturity.py), so they share its
# translations.
LEVEL_NAMES = {
    "dcmm_level": {
        0: NOT_ASSESSED,
        1: pgettext_lazy("DCMM level", "Initial"),
        2: pgettext_lazy("DCMM level", "Managed"),
        3: pgettext_lazy("DCMM level", "Robust"),
        4: pgettext_lazy("DCMM level", "Quantitatively managed"),
        5: pgettext_lazy("DCMM level", "Optimising"),
    },
    "smart_mfg_level": {
        0: NOT_ASSESSED,
        1: pgettext_lazy("smart manufacturing level", "Planning"),
        2: pgettext_lazy("smart manufacturing level", "Standardised"),
        3: pgettext_lazy("smart manufacturing level", "Integrated"),
        4: pgettext_lazy("smart manufacturing level", "Optimised"),
        5: pgettext_lazy("smart manufacturing level", "Leading"),
    },
}


def english() -> bool:
    return (get_language() or "zh-hans").lower().startswith("en")


def bilingual(zh: str | None, en: str | None) -> str:
    """The name in the active language (Chinese when there is no English one)."""
    if english() and en:
        return en
    return zh or en or ""


def yes_no(value: bool | None) -> str | None:
    if value is None:
        return None
    return _("Yes") if value else _("No")


def actual_kind(rule_kind: str) -> Kind:
    if rule_kind == RuleKind.FLAG_LATEST_SHARE:
        return Kind.SHARE
    if rule_kind in WHOLE_KINDS:
        return Kind.COUNT
    return Kind.DECIMAL


def status_label(status: str | None) -> str | None:
    return str(ProgressStatus(status).label) if status else None


# --- what every sheet needs ------------------------------------------------------------


@dataclass
class Context:
    """The export's request, resolved: who, which quarter, which scope."""

    user: User
    period: int
    scope: Scope
    generated_at: dt.datetime
    targets: list[Target] = field(default_factory=list)
    rules: dict[int, Rule] = field(default_factory=dict)

    @classmethod
    def load(cls, *, user: User, period: int, scope: Scope, at: dt.datetime) -> Context:
        targets = list(Target.objects.select_related("plan").prefetch_related("milestones"))
        return cls(
            user=user,
            period=period,
            scope=scope,
            generated_at=at,
            targets=targets,
            rules={target.pk: rule_for(target) for target in targets},
        )

    @property
    def end(self) -> dt.date:
        return period_end(self.period)

    def enterprise_q(self, prefix: str = "") -> Q:
        """The enterprises of the export: its scope's, and only those the user may see."""
        return self.scope.enterprise_q(prefix) & policies.enterprise_q(self.user, prefix)

    def enterprises(self) -> QuerySet[Enterprise]:
        return Enterprise.objects.filter(self.enterprise_q())

    @property
    def has_districts(self) -> bool:
        return self.scope.kind is not ScopeKind.PARK

    def district_scopes(self) -> list[tuple[str, str]]:
        """(scope string, name) of the districts the export shows."""
        districts = District.objects.order_by("code")
        if self.scope.kind is ScopeKind.DISTRICT:
            districts = districts.filter(code=self.scope.code)
        elif self.scope.kind is ScopeKind.PARK:
            return []
        return [
            (f"district:{code}", bilingual(zh, en))
            for code, zh, en in districts.values_list("code", "name_zh", "name_en")
        ]

    def park_scopes(self) -> list[tuple[str, str]]:
        parks = Park.objects.order_by("code").filter(policies.park_q(self.user))
        if self.scope.kind is ScopeKind.DISTRICT:
            parks = parks.filter(district__code=self.scope.code)
        elif self.scope.kind is ScopeKind.PARK:
            parks = parks.filter(code=self.scope.code)
        return [
            (f"park:{code}", bilingual(zh, en))
            for code, zh, en in parks.values_list("code", "name_zh", "name_en")
        ]

    def figures(self, scopes: Sequence[str], *, period: int | None = None) -> list[FigureJSON]:
        """Stored figures as the progress API shows them: of the export's quarter (or every
        quarter up to it when ``period`` is 0), ordered by scope, target and quarter."""
        queryset = Snapshot.objects.filter(scope__in=list(scopes))
        if period == 0:
            queryset = queryset.filter(period__lte=self.period)
        else:
            queryset = queryset.filter(period=self.period if period is None else period)
        return figures_json(queryset.order_by("scope", "target__position", "target_id", "period"))

    def as_of(self) -> dt.datetime | None:
        return (
            Snapshot.objects.filter(scope=str(self.scope), period=self.period)
            .aggregate(last=Max("computed_at"))
            .get("last")
        )


@dataclass
class SheetSpec:
    """A sheet: its key (stable, for progress and row counts), its title in the active
    language, its columns, its rows, and how many rows to expect (for the progress bar)."""

    key: str
    title: Callable[[], str]
    columns: Callable[[Context], list[Column]]
    rows: Callable[[Context], Iterator[Sequence[Any]]]
    estimate: Callable[[Context], int]
    freeze_columns: int = 0
    header_height: float | None = 32


# --- Summary ----------------------------------------------------------------------------


def summary_columns(context: Context) -> list[Column]:
    return [
        Column(_("Code"), Kind.TEXT, 18),
        Column(_("Plan"), Kind.TEXT, 30),
        Column(_("Group"), Kind.TEXT, 16),
        Column(_("Target"), Kind.TEXT, 40),
        Column(_("Unit"), Kind.TEXT, 10),
        Column(_("Target value"), Kind.COUNT, 12),
        Column(_("Comparator"), Kind.TEXT, 12),
        Column(_("Deadline"), Kind.DATE, 12),
        Column(_("Actual"), Kind.DECIMAL, 12),
        Column(_("Planned"), Kind.DECIMAL, 12),
        Column(_("Percent of target"), Kind.SHARE, 11),
        Column(_("Planned, percent of target"), Kind.SHARE, 11),
        Column(_("Status"), Kind.TEXT, 12),
        Column(_("Projected at deadline"), Kind.DECIMAL, 14),
        Column(_("Projected attainment"), Kind.TEXT, 14),
        Column(_("Quarter"), Kind.TEXT, 10),
        Column(_("Figures as of"), Kind.DATETIME, 17),
    ]


SUMMARY_CODE, SUMMARY_ACTUAL, SUMMARY_PLANNED = 0, 8, 9
SUMMARY_PERCENT, SUMMARY_PLANNED_PERCENT = 10, 11


def planned_percent(planned: float | None, target_value: float | None) -> float | None:
    """The planned value as a share of the target value, one decimal (half away from zero),
    so that the Summary chart compares targets of any unit on one scale."""
    if planned is None or not target_value:
        return None
    share = Decimal(str(planned)) * 100 / Decimal(str(target_value))
    return float(share.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


def summary_rows(context: Context) -> Iterator[Sequence[Any]]:
    figures = {f["target"]: f for f in context.figures([str(context.scope)])}
    computed = dict(
        Snapshot.objects.filter(scope=str(context.scope), period=context.period).values_list(
            "target__code", "computed_at"
        )
    )
    for target in context.targets:
        figure = figures.get(target.code)
        kind = actual_kind(target.rule_kind)
        row: list[Any] = [
            target.code,
            target.plan.name,
            target.get_group_display(),
            target.name,
            target.unit,
            None,
            target.get_comparator_display(),
            target.deadline,
            None,
            None,
            None,
            None,
            None,
            None,
            None,
            period_format(context.period),
            computed.get(target.code),
        ]
        if figure is not None:
            value_kind = Kind.SHARE if kind is Kind.SHARE else Kind.COUNT
            if figure["target_value"] is not None:
                whole = float(figure["target_value"]).is_integer()
                row[5] = Typed(figure["target_value"], value_kind if whole else Kind.DECIMAL)
            row[8] = Typed(figure["actual"], kind)
            row[9] = figure["planned"]
            row[10] = figure["percent_of_target"]
            row[11] = planned_percent(figure["planned"], figure["target_value"])
            row[12] = status_label(figure["status"])
            row[13] = figure["projected_at_deadline"]
            row[14] = figure["projected_attainment"]
        yield row


# --- Quarterly --------------------------------------------------------------------------


def quarterly_periods(context: Context) -> list[int]:
    return list(
        Snapshot.objects.filter(scope=str(context.scope), period__lte=context.period)
        .order_by("period")
        .values_list("period", flat=True)
        .distinct()
    )


def quarterly_columns(context: Context) -> list[Column]:
    columns = [
        Column(_("Code"), Kind.TEXT, 18),
        Column(_("Target"), Kind.TEXT, 36),
        Column(_("Unit"), Kind.TEXT, 10),
    ]
    for period in quarterly_periods(context):
        label = period_format(period)
        columns.append(Column(_("%(quarter)s actual") % {"quarter": label}, Kind.DECIMAL, 11))
        columns.append(Column(_("%(quarter)s planned") % {"quarter": label}, Kind.DECIMAL, 11))
    return columns


def quarterly_rows(context: Context) -> Iterator[Sequence[Any]]:
    periods = quarterly_periods(context)
    position = {period_format(period): index for index, period in enumerate(periods)}
    by_target: dict[str, list[FigureJSON]] = defaultdict(list)
    for figure in context.figures([str(context.scope)], period=0):
        by_target[figure["target"]].append(figure)
    for target in context.targets:
        kind = actual_kind(target.rule_kind)
        row: list[Any] = [target.code, target.name, target.unit] + [None] * (2 * len(periods))
        for figure in by_target.get(target.code, []):
            at = 3 + 2 * position[figure["period"]]
            row[at] = Typed(figure["actual"], kind)
            row[at + 1] = figure["planned"]
        yield row


# --- Districts and Parks ----------------------------------------------------------------


def _scope_columns(label: str) -> list[Column]:
    return [
        Column(_("Code"), Kind.TEXT, 12),
        Column(label, Kind.TEXT, 24),
        Column(_("Target code"), Kind.TEXT, 18),
        Column(_("Target"), Kind.TEXT, 36),
        Column(_("Unit"), Kind.TEXT, 10),
        Column(_("Actual"), Kind.DECIMAL, 12),
        Column(_("Share of city"), Kind.SHARE, 12),
        Column(_("Target value"), Kind.DECIMAL, 12),
        Column(_("Planned"), Kind.DECIMAL, 12),
        Column(_("Status"), Kind.TEXT, 12),
        Column(_("Quarter"), Kind.TEXT, 10),
    ]


def _scope_rows(context: Context, scopes: list[tuple[str, str]]) -> Iterator[Sequence[Any]]:
    names = dict(scopes)
    targets = {target.code: target for target in context.targets}
    quarter = period_format(context.period)
    order = {target.code: index for index, target in enumerate(context.targets)}
    figures = context.figures(list(names))
    figures.sort(key=lambda f: (f["scope"], order.get(f["target"], 0)))
    for figure in figures:
        target = targets[figure["target"]]
        yield [
            figure["scope"].partition(":")[2],
            names[figure["scope"]],
            target.code,
            target.name,
            target.unit,
            Typed(figure["actual"], actual_kind(target.rule_kind)),
            figure["share_of_city"],
            figure["target_value"],
            figure["planned"],
            status_label(figure["status"]),
            quarter,
        ]


def districts_columns(context: Context) -> list[Column]:
    return _scope_columns(_("District"))


def districts_rows(context: Context) -> Iterator[Sequence[Any]]:
    return _scope_rows(context, context.district_scopes())


def parks_columns(context: Context) -> list[Column]:
    return _scope_columns(_("Park"))


def parks_rows(context: Context) -> Iterator[Sequence[Any]]:
    return _scope_rows(context, context.park_scopes())


# --- Enterprises ------------------------------------------------------------------------


def _metrics() -> list[Metric]:
    return list(Metric.objects.order_by("position", "id"))


def metric_kind(metric: Metric) -> Kind:
    if metric.type == Metric.Type.DECIMAL:
        return Kind.DECIMAL
    if metric.type == Metric.Type.BOOLEAN:
        return Kind.TEXT
    return Kind.COUNT


def enterprises_columns(context: Context) -> list[Column]:
    columns = [
        Column(_("USCC"), Kind.TEXT, 21),
        Column(_("Name"), Kind.TEXT, 30),
        Column(_("English name"), Kind.TEXT, 22),
        Column(_("District"), Kind.TEXT, 12),
        Column(_("Park"), Kind.TEXT, 20),
        Column(_("Segment"), Kind.TEXT, 14),
        Column(_("Key enterprise"), Kind.TEXT, 9),
        Column(_("Above designated size"), Kind.TEXT, 9),
        Column(_("Active from"), Kind.DATE, 11),
        Column(_("Active until"), Kind.DATE, 11),
        Column(_("Designations in force"), Kind.COUNT, 11),
        Column(_("Designations"), Kind.TEXT, 30),
        Column(_("Latest approved report"), Kind.TEXT, 11),
    ]
    for metric in _metrics():
        unit = f" ({metric.unit})" if metric.unit else ""
        columns.append(Column(f"{metric.name}{unit}", metric_kind(metric), 14))
    columns += [
        Column(_("DCMM level"), Kind.TEXT, 16),
        Column(_("Smart manufacturing level"), Kind.TEXT, 16),
        Column(_("Reports handed in"), Kind.COUNT, 10),
        Column(_("Reports approved"), Kind.COUNT, 10),
        Column(_("Reports returned"), Kind.COUNT, 10),
        Column(_("Reports late"), Kind.COUNT, 10),
    ]
    return columns


def _latest_values(context: Context) -> dict[int, dict[int, Decimal]]:
    """Each enterprise's values in its latest approved report up to the quarter (the same
    "latest report decides" reading as the latest-flag rules and the maturity page)."""
    among, params = (
        Enterprise.objects.filter(context.enterprise_q()).values("pk").query.sql_with_params()
    )
    latest = (
        f"SELECT s.enterprise_id, MAX(s.period) AS latest"  # noqa: S608
        f" FROM {Submission._meta.db_table} s"
        f" WHERE s.status = %s AND s.period <= %s AND s.enterprise_id IN ({among})"
        f" GROUP BY s.enterprise_id"
    )
    # Only table names and SQL the ORM built are interpolated; values are parameters.
    if context.scope.is_city:
        # Most enterprises: one pass over the approved values (a hash join).
        sql = (
            f"SELECT mv.enterprise_id, mv.metric_id, mv.value"  # noqa: S608
            f" FROM {MetricValue._meta.db_table} mv JOIN ({latest}) l"
            f" ON l.enterprise_id = mv.enterprise_id AND l.latest = mv.period"
            f" WHERE mv.approved"
        )
    else:
        # A district's or park's: the values of those reports only, by their index (the
        # join above scans every value: 140 ms for a park instead of 30).
        sql = (
            f"SELECT mv.enterprise_id, mv.metric_id, mv.value"  # noqa: S608
            f" FROM {MetricValue._meta.db_table} mv WHERE mv.approved AND mv.submission_id IN ("
            f" SELECT r.id FROM {Submission._meta.db_table} r JOIN ({latest}) l"
            f" ON l.enterprise_id = r.enterprise_id AND l.latest = r.period)"
        )
    values: dict[int, dict[int, Decimal]] = defaultdict(dict)
    with connection.cursor() as cursor:
        cursor.execute(sql, [Submission.Status.APPROVED, context.period, *params])
        while chunk := cursor.fetchmany(STREAM_CHUNK):
            for enterprise_id, metric_id, value in chunk:
                values[enterprise_id][metric_id] = value
    return values


def _report_counts(context: Context) -> dict[int, dict[str, Any]]:
    handed_in = Q(status__in=Submission.HANDED_IN)
    rows = (
        Submission.objects.filter(context.enterprise_q("enterprise__"), period__lte=context.period)
        .values("enterprise_id")
        .annotate(
            latest=Max("period", filter=Q(status=Submission.Status.APPROVED)),
            handed_in=Count("pk", filter=handed_in),
            approved=Count("pk", filter=Q(status=Submission.Status.APPROVED)),
            returned=Count("pk", filter=Q(status=Submission.Status.RETURNED)),
            late=Count("pk", filter=handed_in & Q(late=True)),
        )
        .order_by()
    )
    return {row["enterprise_id"]: row for row in rows}


def _designations_in_force(context: Context) -> dict[int, list[str]]:
    end = context.end
    rows = (
        Designation.objects.filter(
            context.enterprise_q("enterprise__"),
            enterprise__isnull=False,
            granted_on__lte=end,
        )
        .filter(Q(revoked_on__isnull=True) | Q(revoked_on__gt=end))
        .order_by("granted_on", "pk")
        .values_list("enterprise_id", "kind__name_zh", "kind__name_en")
    )
    found: dict[int, list[str]] = defaultdict(list)
    for enterprise_id, zh, en in rows:
        found[enterprise_id].append(bilingual(zh, en))
    return found


def _level_name(code: str, value: Decimal | None) -> str | None:
    if value is None:
        return None
    level = int(value)
    name = LEVEL_NAMES[code].get(level)
    if name is None:
        return str(level)
    return str(name) if level == 0 else f"L{level} · {name}"


def enterprises_rows(context: Context) -> Iterator[Sequence[Any]]:
    metrics = _metrics()
    levels = {metric.code: metric.pk for metric in metrics if metric.code in LEVEL_METRICS}
    latest = _latest_values(context)
    counts = _report_counts(context)
    designations = _designations_in_force(context)
    rows = (
        context.enterprises()
        .order_by("uscc")
        .values_list(
            "pk",
            "uscc",
            "name",
            "name_en",
            "district__name_zh",
            "district__name_en",
            "park__name_zh",
            "park__name_en",
            "segment__name_zh",
            "segment__name_en",
            "is_key",
            "above_scale",
            "active_from",
            "active_until",
        )
    )
    for (
        pk,
        uscc,
        name,
        name_en,
        district_zh,
        district_en,
        park_zh,
        park_en,
        segment_zh,
        segment_en,
        is_key,
        above_scale,
        active_from,
        active_until,
    ) in rows.iterator(chunk_size=STREAM_CHUNK):
        values = latest.get(pk, {})
        count = counts.get(pk, {})
        kinds = designations.get(pk, [])
        row: list[Any] = [
            uscc,
            name,
            name_en or None,
            bilingual(district_zh, district_en),
            bilingual(park_zh, park_en) if park_zh else None,
            bilingual(segment_zh, segment_en),
            yes_no(is_key),
            yes_no(above_scale),
            active_from,
            active_until,
            len(kinds),
            "; ".join(kinds) or None,
            period_format(count["latest"]) if count.get("latest") else None,
        ]
        for metric in metrics:
            value = values.get(metric.pk)
            if value is not None and metric.type == Metric.Type.BOOLEAN:
                row.append(yes_no(value > 0))
            else:
                row.append(value)
        for code in LEVEL_METRICS:
            row.append(_level_name(code, values.get(levels[code])) if code in levels else None)
        row += [
            count.get("handed_in", 0),
            count.get("approved", 0),
            count.get("returned", 0),
            count.get("late", 0),
        ]
        yield row


def enterprises_estimate(context: Context) -> int:
    return context.enterprises().count()


# --- Reports ----------------------------------------------------------------------------


def report_periods(context: Context) -> list[int]:
    """The quarters the Reports sheet covers: from the first quarter with figures (not
    before the programme's first, 2022Q1) to the export's."""
    first = (
        Snapshot.objects.filter(period__lte=context.period)
        .order_by("period")
        .values_list("period", flat=True)
        .first()
    )
    start = max(PROGRAMME_FIRST_PERIOD, first if first is not None else context.period)
    return list(range(start, context.period + 1))


def reports_columns(context: Context) -> list[Column]:
    return [
        Column(_("USCC"), Kind.TEXT, 21),
        Column(_("Enterprise"), Kind.TEXT, 30),
        Column(_("District"), Kind.TEXT, 12),
        Column(_("Park"), Kind.TEXT, 20),
        Column(_("Quarter"), Kind.TEXT, 10),
        Column(_("Status"), Kind.TEXT, 14),
        Column(_("Report"), Kind.ID, 9),
        Column(_("First submitted"), Kind.DATETIME, 17),
        Column(_("Last submitted"), Kind.DATETIME, 17),
        Column(_("Reviewed"), Kind.DATETIME, 17),
        Column(_("Late"), Kind.TEXT, 8),
        Column(_("Due on"), Kind.DATE, 11),
    ]


def reports_rows(context: Context) -> Iterator[Sequence[Any]]:
    """One row per enterprise and quarter that has a report or owes one (active at the
    quarter's end, reporting.obligations): enterprises by USCC, quarters in order."""
    periods = report_periods(context)
    if not periods:
        return
    labels = {period: period_format(period) for period in periods}
    due = {period: period_due_on(period) for period in periods}
    ends = {period: period_end(period) for period in periods}
    statuses = {value: str(label) for value, label in Submission.Status.choices}
    missing = _("No report")
    enterprises = list(
        context.enterprises()
        .order_by("uscc")
        .values_list(
            "pk",
            "uscc",
            "name",
            "district__name_zh",
            "district__name_en",
            "park__name_zh",
            "park__name_en",
            "active_from",
            "active_until",
        )
    )
    reports = (
        Submission.objects.filter(
            context.enterprise_q("enterprise__"),
            period__gte=periods[0],
            period__lte=periods[-1],
        )
        .order_by("enterprise__uscc", "period")
        .values_list(
            "enterprise_id",
            "period",
            "status",
            "pk",
            "first_submitted_at",
            "submitted_at",
            "reviewed_at",
            "late",
        )
        .iterator(chunk_size=STREAM_CHUNK)
    )
    pending = next(reports, None)
    for pk, uscc, name, district_zh, district_en, park_zh, park_en, start, until in enterprises:
        own: dict[int, tuple[Any, ...]] = {}
        while pending is not None and pending[0] == pk:
            own[pending[1]] = pending
            pending = next(reports, None)
        district = bilingual(district_zh, district_en)
        park = bilingual(park_zh, park_en) if park_zh else None
        for period in periods:
            report = own.get(period)
            if report is None:
                end = ends[period]
                if (start is not None and start > end) or (until is not None and until < end):
                    continue
                yield [
                    uscc,
                    name,
                    district,
                    park,
                    labels[period],
                    missing,
                    None,
                    None,
                    None,
                    None,
                    None,
                    due[period],
                ]
                continue
            _e, _p, status, report_id, first, last, reviewed, late = report
            handed_in = status in Submission.HANDED_IN
            yield [
                uscc,
                name,
                district,
                park,
                labels[period],
                statuses.get(status, status),
                report_id,
                first,
                last,
                reviewed,
                yes_no(late) if handed_in else None,
                due[period],
            ]


def reports_estimate(context: Context) -> int:
    return context.enterprises().count() * len(report_periods(context))


# --- Evidence ---------------------------------------------------------------------------


def evidence_columns(context: Context) -> list[Column]:
    return [
        Column(_("Target"), Kind.TEXT, 18),
        Column(_("Evidence"), Kind.TEXT, 11),
        Column(_("De-duplication key"), Kind.TEXT, 26),
        Column(_("Counted"), Kind.TEXT, 10),
        Column(_("Claims of the key"), Kind.COUNT, 9),
        Column(_("Date"), Kind.DATE, 11),
        Column(_("Identifier or name"), Kind.TEXT, 24),
        Column(_("Title or document"), Kind.TEXT, 24),
        Column(_("USCC or code"), Kind.TEXT, 21),
        Column(_("Enterprise, park or provider"), Kind.TEXT, 28),
        Column(_("Report"), Kind.ID, 9),
        Column(_("Report quarter"), Kind.TEXT, 10),
        Column(_("Revoked on"), Kind.DATE, 11),
        Column(_("Evidence files"), Kind.TEXT, 40),
    ]


def _designation_evidence(
    context: Context, target: Target, rule: DesignationCount
) -> Iterator[Sequence[Any]]:
    counted = pgettext("evidence", "counted")
    label = pgettext("evidence", "Designation")
    programme = _("the programme")
    rows = (
        rule.in_force(period=context.period, scope=context.scope)
        .filter(policies.designation_q(context.user))
        .order_by("granted_on", "pk")
        .values_list(
            "pk",
            "kind__code",
            "name",
            "reference",
            "granted_on",
            "revoked_on",
            "enterprise__uscc",
            "enterprise__name",
            "park__code",
            "park__name_zh",
            "park__name_en",
            "provider__uscc",
            "provider__name",
        )
    )
    for (
        pk,
        kind,
        name,
        reference,
        granted_on,
        revoked_on,
        enterprise_uscc,
        enterprise_name,
        park_code,
        park_zh,
        park_en,
        provider_uscc,
        provider_name,
    ) in rows.iterator(chunk_size=STREAM_CHUNK):
        if enterprise_uscc:
            code, subject = enterprise_uscc, enterprise_name
        elif park_code:
            code, subject = park_code, bilingual(park_zh, park_en)
        elif provider_uscc:
            code, subject = provider_uscc, provider_name
        else:
            code, subject = None, programme
        yield [
            target.code,
            label,
            f"{kind}#{pk}",
            counted,
            1,
            granted_on,
            name or None,
            reference or None,
            code,
            subject,
            None,
            None,
            revoked_on,
            None,
        ]


def _item_evidence(context: Context, target: Target, rule: ItemDistinct) -> Iterator[Sequence[Any]]:
    """Every item the figure reads in the scope, one row per claim, with its key, how many
    items claim the key and whether it is the key's first claim (by date, then entry): the
    first claims are what the figure counts."""
    counted = pgettext("evidence", "counted")
    duplicate = pgettext("evidence", "also claimed")
    label = pgettext("evidence", "Item")
    per_enterprise = rule.per_enterprise
    partition = (
        [F("enterprise_id"), F("identifier_key")] if per_enterprise else [F("identifier_key")]
    )
    ordering = ["enterprise__uscc"] if per_enterprise else []
    rows = (
        rule.counted(context.end)
        .filter(context.enterprise_q("enterprise__"))
        .annotate(
            claim=Window(RowNumber(), partition_by=partition, order_by=[F("date"), F("id")]),
            claims=Window(Count("id"), partition_by=partition),
        )
        .order_by(*ordering, "identifier_key", "date", "id")
        .values_list(
            "identifier_key",
            "claim",
            "claims",
            "date",
            "identifier",
            "title",
            "enterprise__uscc",
            "enterprise__name",
            "submission_id",
            "period",
        )
    )
    for chunk in _chunked(rows.iterator(chunk_size=STREAM_CHUNK), STREAM_CHUNK):
        # The evidence files behind a chunk's claims, in one query (links to the site).
        files = evidence_links(
            user=context.user, claims={(row[8], row[0]) for row in chunk}, absolute=True
        )
        for key, claim, claims, date, identifier, title, uscc, name, report, period in chunk:
            yield [
                target.code,
                label,
                f"{uscc}/{key}" if per_enterprise else key,
                counted if claim == 1 else duplicate,
                claims,
                date,
                identifier,
                title or None,
                uscc,
                name,
                report,
                period_format(period),
                None,
                evidence_links_text(files.get((report, key), [])),
            ]


def _chunked(rows: Iterator[Any], size: int) -> Iterator[list[Any]]:
    chunk: list[Any] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def evidence_rows(context: Context) -> Iterator[Sequence[Any]]:
    for target in context.targets:
        rule = context.rules[target.pk]
        if isinstance(rule, DesignationCount):
            yield from _designation_evidence(context, target, rule)
        elif isinstance(rule, ItemDistinct):
            yield from _item_evidence(context, target, rule)


def evidence_estimate(context: Context) -> int:
    items = 0
    for target in context.targets:
        rule = context.rules[target.pk]
        if isinstance(rule, ItemDistinct):
            items += rule.counted(context.end).filter(context.enterprise_q("enterprise__")).count()
    return items + 100


# --- the sheets, in the workbook's order ------------------------------------------------


def _few(context: Context) -> int:
    return len(context.targets)


SHEETS: list[SheetSpec] = [
    SheetSpec("summary", lambda: _("Summary"), summary_columns, summary_rows, _few),
    SheetSpec(
        "quarterly",
        lambda: _("Quarterly"),
        quarterly_columns,
        quarterly_rows,
        _few,
        freeze_columns=2,
    ),
    SheetSpec(
        "districts",
        lambda: _("Districts"),
        districts_columns,
        districts_rows,
        lambda c: len(c.targets) * len(c.district_scopes()),
    ),
    SheetSpec(
        "parks",
        lambda: _("Parks"),
        parks_columns,
        parks_rows,
        lambda c: len(c.targets) * len(c.park_scopes()),
    ),
    SheetSpec(
        "enterprises",
        lambda: _("Enterprises"),
        enterprises_columns,
        enterprises_rows,
        enterprises_estimate,
        freeze_columns=2,
        header_height=64,
    ),
    SheetSpec(
        "reports",
        lambda: _("Reports"),
        reports_columns,
        reports_rows,
        reports_estimate,
        freeze_columns=2,
    ),
    SheetSpec(
        "evidence",
        lambda: _("Evidence"),
        evidence_columns,
        evidence_rows,
        evidence_estimate,
        freeze_columns=1,
    ),
]


def now() -> dt.datetime:
    return timezone.now()
