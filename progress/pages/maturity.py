"""Maturity: how the enterprises' DCMM and smart-manufacturing levels are distributed by
segment and by park in a quarter, and how they moved since the same quarter a year before.

Which level an enterprise has at a quarter P: the value in its **latest approved report up
to P**, the report deciding as for the latest-flag rules (``progress.rules.FlagLatestCount``,
docs/decisions/0007): a latest report that leaves the level blank gives "no level reported",
as does having no approved report at all (0 is the explicit "not assessed"). Only
enterprises active at the end of the quarter are counted (those active at the end of the
quarter a year before, for that quarter). Enterprises with no level reported are shown
apart, outside the stacks of levels 0-5 and outside the shares; the shares "at level 3 or
above" are of the enterprises with a level.

Who sees it: officials and analysts any scope (city, a district, a park); a park manager
their own park only (``policies.own_scope``), a district official their district or one of
its parks (``policies.scope_allowed``); enterprise reporters not at all (403).

Speed: one aggregate query for both metrics and both quarters: each enterprise's latest
approved value of each metric up to each quarter, coded as ``period × 8 + level`` so that a
maximum gives the value and its quarter at once; it is the latest report's value unless an
approved report came after it (an index probe per enterprise whose value is older than the
quarter: a few hundred, not ten thousand). The counts by segment and by park are grouped
in SQL. On PostgreSQL the query runs without JIT compilation (``SET LOCAL jit = off``): the
planner prices those probes for every enterprise and would compile for longer than the
query takes.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import connection, transaction
from django.db.models import Case, F, IntegerField, Q, Value, When
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from core import policies
from core.templatetags.dx import num, pct
from core.views import require
from enterprises.models import Enterprise, active_q
from parks.models import Park
from parks.selectors import scope_resolve, scopes_all
from reporting.models import MetricValue, Submission
from targets.models import Metric, Segment
from targets.periods import period_end, period_format
from targets.scopes import Scope, ScopeError, ScopeKind

from ..charts import BRAND, INK, base_layout, figure
from .common import QuarterChoice, quarter_choice, scope_url

LEVELS = (0, 1, 2, 3, 4, 5)
THRESHOLD = 3  # "at level 3 or above": DCMM 稳健级, smart manufacturing 集成级
NO_LEVEL = -1  # active, but no approved report states the level
NOT_ACTIVE = -2  # not active at the quarter's end: not counted
YEAR = 4  # quarters

# Light to dark, level 0 grey; the table under every chart and the hover texts carry the
# numbers, the legend names each level and the bars also differ in pattern.
LEVEL_COLOURS = {
    0: "#c9ced8",
    1: "#cfe0f3",
    2: "#8db8e6",
    3: "#4a8fd4",
    4: BRAND,
    5: "#08306b",
}
LEVEL_PATTERNS = {0: "", 1: ".", 2: "/", 3: "", 4: "\\", 5: "x"}


@dataclass(frozen=True)
class LevelScale:
    """A maturity model: the metric that carries it and the names of its levels."""

    code: str
    title: Promise
    standard: str
    names: dict[int, Promise]

    def name(self, level: int) -> str:
        return str(self.names.get(level, level))

    def label(self, level: int) -> str:
        """ "L3 · Robust" (level 0: "Not assessed")."""
        if level == 0:
            return self.name(0)
        return _("L%(level)s · %(name)s") % {"level": level, "name": self.name(level)}


NOT_ASSESSED = pgettext_lazy("maturity level", "Not assessed")
DCMM = LevelScale(
    code="dcmm_level",
    title=gettext_lazy("Data management capability maturity (DCMM)"),
    standard="GB/T 36073-2018",
    names={
        0: NOT_ASSESSED,
        1: pgettext_lazy("DCMM level", "Initial"),
        2: pgettext_lazy("DCMM level", "Managed"),
        3: pgettext_lazy("DCMM level", "Robust"),
        4: pgettext_lazy("DCMM level", "Quantitatively managed"),
        5: pgettext_lazy("DCMM level", "Optimising"),
    },
)
SMART_MANUFACTURING = LevelScale(
    code="smart_mfg_level",
    title=gettext_lazy("Smart manufacturing capability maturity"),
    standard="GB/T 39116-2020",
    names={
        0: NOT_ASSESSED,
        1: pgettext_lazy("smart manufacturing level", "Planning"),
        2: pgettext_lazy("smart manufacturing level", "Standardised"),
        3: pgettext_lazy("smart manufacturing level", "Integrated"),
        4: pgettext_lazy("smart manufacturing level", "Optimised"),
        5: pgettext_lazy("smart manufacturing level", "Leading"),
    },
)
SCALES = (DCMM, SMART_MANUFACTURING)
SCALES_BY_CODE = {scale.code: scale for scale in SCALES}
MEASURES = ("share", "count")


# --- the figures ------------------------------------------------------------------------

# (segment or park id, level now, level a year before) → enterprises
Counts = dict[tuple[int | None, int, int], int]


@dataclass(frozen=True)
class Tally:
    """Enterprises by segment and by park, level now and level a year before (each a level
    0-5, NO_LEVEL or NOT_ACTIVE)."""

    by_segment: Counts
    by_park: Counts


def level_tallies(*, metric_ids: list[int], period: int, enterprises: Q) -> list[Tally]:
    """One aggregate query: for each enterprise matching ``enterprises`` and each level
    metric, the level in its latest approved report up to ``period`` and up to a year
    before (or NO_LEVEL / NOT_ACTIVE), counted by segment and by park with both levels."""
    if not metric_ids:
        return []
    before = period - YEAR
    chosen = (
        Enterprise.objects.filter(enterprises)
        .order_by()
        .values(
            e_id=F("id"),
            e_segment=F("segment_id"),
            e_park=F("park_id"),
            active_now=_active(period),
            active_before=_active(before),
        )
    )
    chosen_sql, chosen_params = chosen.query.sql_with_params()
    # In a district or park, start from its enterprises (index probes per enterprise);
    # for the city, one pass over the reports and the values is cheaper.
    among_sql, among_params = "", []
    if enterprises != Q():
        ids = Enterprise.objects.filter(enterprises).order_by().values("id")
        ids_sql, ids_params = ids.query.sql_with_params()
        among_sql = f" JOIN ({ids_sql}) x ON x.id = __table__.enterprise_id"
        among_params = list(ids_params)
    # A level and its quarter in one integer: the maximum is the latest quarter's level.
    coded = "mv.period * 8 + CAST(mv.value AS integer)"
    columns = []
    column_params: list[Any] = []
    for index, metric_id in enumerate(metric_ids):
        columns.append(
            f"MAX(CASE WHEN mv.metric_id = %s THEN {coded} END) AS now_{index},"
            f" MAX(CASE WHEN mv.metric_id = %s AND mv.period <= %s THEN {coded} END)"
            f" AS before_{index}"
        )
        column_params += [metric_id, metric_id, before]
    placeholders = ", ".join(["%s"] * len(metric_ids))
    values = (
        f"SELECT mv.enterprise_id, {', '.join(columns)}"  # noqa: S608
        f" FROM {MetricValue._meta.db_table} mv{among_sql.replace('__table__', 'mv')}"
        f" WHERE mv.approved = %s AND mv.metric_id IN ({placeholders}) AND mv.period <= %s"
        f" GROUP BY mv.enterprise_id"
    )
    state_params: list[Any] = []
    states = []
    for i in range(len(metric_ids)):
        for name, active, last in (
            ("now", "e.active_now", period),
            ("before", "e.active_before", before),
        ):
            states.append(f"{_state(active, f'v.{name}_{i}', last)} AS {name}_{i}")
            state_params.append(Submission.Status.APPROVED)
    groups = " UNION ALL ".join(
        f"SELECT {2 * i + part}, {column}, now_{i}, before_{i}, COUNT(*) FROM states"  # noqa: S608
        f" GROUP BY {column}, now_{i}, before_{i}"
        for i in range(len(metric_ids))
        for part, column in enumerate(("segment", "park"))
    )
    # Only table names and SQL the ORM built are interpolated; values are parameters.
    sql = (
        f"WITH states AS (SELECT e.e_segment AS segment, e.e_park AS park,"  # noqa: S608
        f" {', '.join(states)}"
        f" FROM ({chosen_sql}) e LEFT JOIN ({values}) v ON v.enterprise_id = e.e_id)"
        f" {groups}"
    )
    params = [
        *state_params,
        *chosen_params,
        *[*column_params, *among_params, True, *metric_ids, period],
    ]
    parts: list[Counts] = [{} for _ in range(2 * len(metric_ids))]
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # The planner prices the report checks as if every enterprise needed them (a
            # few hundred do) and would compile the query first (JIT), for far longer than
            # the query takes.
            cursor.execute("SET LOCAL jit = off")
        cursor.execute(sql, params)
        for part, group, now, then, n in cursor.fetchall():
            parts[int(part)][(group, int(now), int(then))] = int(n)
    return [
        Tally(by_segment=parts[2 * i], by_park=parts[2 * i + 1]) for i in range(len(metric_ids))
    ]


def _active(period: int) -> Case:
    """1 when the enterprise is active at the quarter's end (``active_q``), else 0."""
    return Case(
        When(active_q(period_end(period)), then=Value(1)),
        default=Value(0),
        output_field=IntegerField(),
    )


def _state(active: str, coded: str, last: int) -> str:
    """The level in the enterprise's latest approved report up to quarter ``last``: the
    latest approved value of the level (``coded``), unless a later approved report up to
    ``last`` leaves it blank (NO_LEVEL; one index probe, only for values older than
    ``last``); NOT_ACTIVE for an enterprise not active at the quarter's end. One parameter:
    the approved status."""
    later = (
        f"EXISTS (SELECT 1 FROM {Submission._meta.db_table} s"  # noqa: S608
        f" WHERE s.enterprise_id = e.e_id AND s.status = %s"
        f" AND s.period > {coded} / 8 AND s.period <= {int(last)})"
    )
    level = f"{coded} - ({coded} / 8) * 8"
    return (
        f"CASE WHEN {active} = 0 THEN {NOT_ACTIVE} WHEN {coded} IS NULL THEN {NO_LEVEL}"
        f" WHEN {coded} / 8 = {int(last)} THEN {level}"
        f" WHEN {later} THEN {NO_LEVEL} ELSE {level} END"
    )


@dataclass
class Row:
    """One bar: a segment or a park, its enterprises at each level."""

    key: int | None
    label: str
    url: str | None = None
    levels: Counter[int] = field(default_factory=Counter)
    no_level: int = 0
    # A year before: enterprises with a level, and those at THRESHOLD or above.
    before_levels: Counter[int] = field(default_factory=Counter)

    def add(self, now: int, before: int, n: int) -> None:
        if now >= 0:
            self.levels[now] += n
        elif now == NO_LEVEL:
            self.no_level += n
        if before >= 0:
            self.before_levels[before] += n

    @property
    def counts(self) -> list[int]:
        return [self.levels[level] for level in LEVELS]

    @property
    def with_level(self) -> int:
        return sum(self.levels.values())

    @property
    def at_threshold(self) -> int:
        return sum(n for level, n in self.levels.items() if level >= THRESHOLD)

    @property
    def share(self) -> Decimal | None:
        return _share(self.at_threshold, self.with_level)

    @property
    def before_with_level(self) -> int:
        return sum(self.before_levels.values())

    @property
    def before_at_threshold(self) -> int:
        return sum(n for level, n in self.before_levels.items() if level >= THRESHOLD)

    @property
    def before_share(self) -> Decimal | None:
        return _share(self.before_at_threshold, self.before_with_level)

    @property
    def change(self) -> Decimal | None:
        """Percentage points since a year before."""
        if self.share is None or self.before_share is None:
            return None
        return self.share - self.before_share

    @property
    def cells(self) -> list[tuple[str, str]]:
        """Each level's count and share of the enterprises with a level, as shown (formatted
        here: the park tables have hundreds of cells)."""
        whole = self.with_level
        return [(num(n, 0), pct(_share(n, whole))) for n in self.counts]


def _share(part: int, whole: int) -> Decimal | None:
    if not whole:
        return None
    return (Decimal(100) * part / whole).quantize(Decimal("0.1"))


@dataclass
class Transition:
    """Enterprises active at the quarter's end by level a year before (rows) and now."""

    rows: list[tuple[str, list[int], int]]
    columns: list[str]
    up: int
    down: int
    same: int


@dataclass
class ScaleView:
    scale: LevelScale
    metric: Metric | None
    by_segment: list[Row]
    by_park: list[Row]
    total: Row
    transition: Transition
    segment_chart: dict[str, Any] | None = None
    park_chart: dict[str, Any] | None = None
    movement_chart: dict[str, Any] | None = None

    @property
    def key(self) -> str:
        return self.scale.code

    @property
    def level_labels(self) -> list[str]:
        return [self.scale.label(level) for level in LEVELS]


def _rows(
    counts: Counts, labels: dict[int | None, str], urls: dict[int | None, str | None]
) -> list[Row]:
    rows: dict[int | None, Row] = {}
    for (group, now, before), n in counts.items():
        row = rows.get(group)
        if row is None:
            row = rows[group] = Row(group, labels.get(group, str(group)), urls.get(group))
        row.add(now, before, n)
    order = {key: index for index, key in enumerate(labels)}
    return sorted(rows.values(), key=lambda r: (order.get(r.key, len(order)), r.label))


def _total(counts: Counts, label: str) -> Row:
    total = Row(None, label)
    for (_group, now, before), n in counts.items():
        total.add(now, before, n)
    return total


def _transition(counts: Counts, scale: LevelScale) -> Transition:
    """Levels a year before → now, of the enterprises active now."""
    states = [*LEVELS, NO_LEVEL]
    matrix: dict[tuple[int, int], int] = defaultdict(int)
    for (_group, now, before), n in counts.items():
        if now != NOT_ACTIVE:
            matrix[(before, now)] += n
    names = {level: scale.label(level) for level in LEVELS}
    names[NO_LEVEL] = _("No level reported")
    names[NOT_ACTIVE] = _("Not active yet")
    newcomers = [NOT_ACTIVE] if any(b == NOT_ACTIVE for b, _a in matrix) else []
    rows = []
    for before in [*states, *newcomers]:
        cells = [matrix[(before, now)] for now in states]
        rows.append((names[before], cells, sum(cells)))
    return Transition(
        rows=rows,
        columns=[names[now] for now in states],
        up=sum(n for (b, a), n in matrix.items() if b >= 0 and a > b),
        down=sum(n for (b, a), n in matrix.items() if b > a >= 0),
        same=sum(n for (b, a), n in matrix.items() if b == a and a >= 0),
    )


# --- charts -----------------------------------------------------------------------------


def _stacked_chart(
    rows: list[Row], scale: LevelScale, *, axis_title: str, horizontal: bool, measure: str
) -> dict[str, Any]:
    """One bar per row, stacks = levels 0-5 (counts, or shares of the enterprises with a
    level when ``measure`` is "share"); hover texts give both."""
    labels = [row.label for row in rows]
    unit = _("enterprises")
    traces = []
    for level in LEVELS:
        counts = [row.levels[level] for row in rows]
        shares = [
            float(_share(n, row.with_level) or 0) for n, row in zip(counts, rows, strict=True)
        ]
        name = scale.label(level)
        hover = _("%(name)s: %(count)s %(unit)s (%(share)s%% of those with a level)") % {
            "name": name,
            "count": "%{customdata[0]}",
            "unit": unit,
            "share": "%{customdata[1]:.1f}",
        }
        values = shares if measure == "share" else counts
        traces.append(
            {
                "type": "bar",
                "name": name,
                "x": values if horizontal else labels,
                "y": labels if horizontal else values,
                "orientation": "h" if horizontal else "v",
                "customdata": [[n, s] for n, s in zip(counts, shares, strict=True)],
                "hovertemplate": hover + "<extra></extra>",
                "marker": {
                    "color": LEVEL_COLOURS[level],
                    "line": {"color": "#ffffff", "width": 0.5},
                    "pattern": {"shape": LEVEL_PATTERNS[level], "fgcolor": INK, "size": 6},
                },
            }
        )
    value_title = _("Share of enterprises with a level (%)") if measure == "share" else unit
    height = max(320, 80 + 24 * len(rows)) if horizontal else 400
    layout = base_layout(
        x_title=value_title if horizontal else axis_title,
        y_title=axis_title if horizontal else value_title,
        height=height,
    )
    layout["barmode"] = "stack"
    layout["hovermode"] = "y unified" if horizontal else "x unified"
    layout["legend"] = {
        "orientation": "h",
        "x": 0,
        "y": 1.0,
        "yanchor": "bottom",
        "traceorder": "normal",
    }
    layout["margin"]["t"] = 56
    category_axis, value_axis = ("yaxis", "xaxis") if horizontal else ("xaxis", "yaxis")
    layout[category_axis]["automargin"] = True
    if horizontal:
        layout["yaxis"]["autorange"] = "reversed"
    if measure == "share":
        layout[value_axis]["range"] = [0, 100]
    return figure(data=traces, layout=layout)


def _movement_chart(rows: list[Row], before: str, now: str) -> dict[str, Any]:
    """Per segment, the share at THRESHOLD or above a year before and now."""
    labels = [row.label for row in rows]
    traces = [
        {
            "type": "bar",
            "name": name,
            "x": labels,
            "y": [float(v) if v is not None else None for v in values],
            "marker": {"color": colour, "pattern": {"shape": pattern, "fgcolor": INK, "size": 6}},
            "hovertemplate": f"{name}: %{{y:.1f}}%<extra></extra>",
        }
        for name, values, colour, pattern in (
            (before, [row.before_share for row in rows], "#9aa3b2", "/"),
            (now, [row.share for row in rows], BRAND, ""),
        )
    ]
    layout = base_layout(
        x_title=_("Segment"),
        y_title=_("At level %(level)s or above (%%)") % {"level": THRESHOLD},
        height=360,
    )
    layout["barmode"] = "group"
    layout["yaxis"]["range"] = [0, 100]
    layout["xaxis"]["automargin"] = True
    layout["legend"] = {"orientation": "h", "x": 0, "y": 1.0, "yanchor": "bottom"}
    layout["margin"]["t"] = 40
    return figure(data=traces, layout=layout)


# --- the page ---------------------------------------------------------------------------


def _scope(request: HttpRequest, everything: list[Scope]) -> Scope:
    """The scope in the URL if the user may see it; their default otherwise (a park
    manager always their park, a district official their district unless they ask for one
    of its parks)."""
    user = request.user
    try:
        scope = scope_resolve(request.GET.get("scope"))
    except ScopeError:
        return _named(policies.default_scope(user), everything)
    if not policies.scope_allowed(user, scope):
        return _named(policies.default_scope(user), everything)
    return scope


def _named(scope: Scope, everything: list[Scope]) -> Scope:
    return next((s for s in everything if s == scope), scope)


def _measure(request: HttpRequest) -> str:
    measure = request.GET.get("measure", "")
    return measure if measure in MEASURES else MEASURES[0]


def scale_view(
    scale: LevelScale,
    metric: Metric | None,
    tally: Tally,
    *,
    segments: dict[int | None, str],
    parks: dict[int | None, str],
    park_urls: dict[int | None, str | None],
) -> ScaleView:
    return ScaleView(
        scale=scale,
        metric=metric,
        by_segment=_rows(tally.by_segment, segments, {}),
        by_park=_rows(tally.by_park, parks, park_urls),
        total=_total(tally.by_segment, _("All")),
        transition=_transition(tally.by_segment, scale),
    )


@dataclass
class MaturityView:
    """What the maturity page shows, from its URL (``period``, ``scope``, ``measure``):
    each level scale's rows by segment and by park, without the charts. The page and its
    downloads (exchange.tables) read the same."""

    choice: QuarterChoice
    scope: Scope
    everything: list[Scope]
    measure: str
    views: list[ScaleView]


def maturity_view(request: HttpRequest) -> MaturityView:
    user = request.user
    choice = quarter_choice(request)
    everything = scopes_all()
    scope = _scope(request, everything)
    metrics = {m.code: m for m in Metric.objects.filter(code__in=SCALES_BY_CODE)}
    segments: dict[int | None, str] = {s.pk: s.name for s in Segment.objects.all()}
    park_rows = Park.objects.order_by("code").values_list("pk", "code", "name_zh", "name_en")
    parks: dict[int | None, str] = {}
    park_urls: dict[int | None, str | None] = {}
    for pk, code, name_zh, name_en in park_rows:
        park_scope = Scope.park(code, name_zh, name_en)
        parks[pk] = park_scope.label
        park_urls[pk] = scope_url(user, park_scope, period=choice.label)
    parks[None] = _("No park")
    park_urls[None] = None
    # ``_scope`` only returns a scope ``policies.scope_allowed`` lets the user see, so its own
    # filter is the user's too (adding ``policies.enterprise_q`` again would only cloud the
    # planner's estimates).
    enterprises = scope.enterprise_q()
    views: list[ScaleView] = []
    period = choice.period
    if period is not None:
        present = [scale for scale in SCALES if scale.code in metrics]
        tallies = level_tallies(
            metric_ids=[metrics[scale.code].pk for scale in present],
            period=period,
            enterprises=enterprises,
        )
        for scale, tally in zip(present, tallies, strict=True):
            views.append(
                scale_view(
                    scale,
                    metrics[scale.code],
                    tally,
                    segments=segments,
                    parks=parks,
                    park_urls=park_urls,
                )
            )
    return MaturityView(choice, scope, everything, _measure(request), views)


@require(policies.can_read_progress)
def maturity_page(request: HttpRequest) -> HttpResponse:
    """DCMM and smart-manufacturing levels by segment and park for a quarter, and their
    movement since the same quarter a year before."""
    user = request.user
    found = maturity_view(request)
    choice, scope, measure, views = found.choice, found.scope, found.measure, found.views
    period = choice.period
    if period is not None:
        before, now = period_format(period - YEAR), choice.label
        for view in views:
            scale = view.scale
            if view.total.with_level:
                view.segment_chart = _stacked_chart(
                    view.by_segment,
                    scale,
                    axis_title=_("Segment"),
                    horizontal=False,
                    measure=measure,
                )
                if scope.kind is not ScopeKind.PARK:
                    view.park_chart = _stacked_chart(
                        view.by_park, scale, axis_title=_("Park"), horizontal=True, measure=measure
                    )
            if view.total.with_level or view.total.before_with_level:
                view.movement_chart = _movement_chart(view.by_segment, before, now)
    context = {
        "choice": choice,
        "scope": scope,
        "scopes": policies.visible_scopes(user, found.everything),
        "measure": measure,
        "views": views,
        "threshold": THRESHOLD,
        "before_label": period_format(period - YEAR) if period is not None else "",
        "by_park": scope.kind is not ScopeKind.PARK,
    }
    return render(request, "progress/maturity.html", context)
