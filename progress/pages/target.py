"""The target page: one target's figures quarter by quarter (a chart and the same numbers as
a table), where the quarter's figure comes from by district and park, the evidence behind
it, who is not delivering (for the rules that count enterprises) and the rule in plain words.

Every table's sort and page live in the URL, each under its own parameters (``bsort`` and
``bpage`` for the breakdown, ``esort`` and ``epage`` for the evidence, ``nsort`` and
``npage`` for who is not delivering), beside ``period`` and ``scope``. The evidence and the
list of enterprises not counted are sorted and paginated in SQL, in index order by default;
their length comes from the stored figure while it includes every recorded change, and the
split of enterprises into counted and not counted is kept in the cache for as long. The
number of queries does not grow with the data.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from math import ceil
from typing import Any, cast, overload

from django.core.cache import cache
from django.core.paginator import Page, Paginator
from django.db.models import F, Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _

from core import policies
from core.sorting import Sort
from core.templatetags.dx import num
from core.views import require
from enterprises.models import Enterprise
from parks.selectors import scopes_all
from reporting.evidence_selectors import evidence_links
from reporting.models import Submission
from reporting.selectors import submission_list
from targets.models import Allocation, RecomputeRequest, Target
from targets.periods import period_end, period_format, period_of
from targets.rules import RuleKind
from targets.scopes import Scope, ScopeError, ScopeKind

from .. import charts
from ..allocations import Level, allocation_for, allocation_levels, allocation_list
from ..arithmetic import round_half_away, share_round
from ..models import Snapshot
from ..presenters import FigureJSON, figure_json
from ..rules import EnterpriseSplit, FlagEverCount, ItemDistinct, Rule, rule_for
from ..selectors import snapshot_series
from .allocations import allocation_baseline, allocation_milestones, goal_target
from .common import QuarterChoice, quarter_choice, scope_url, target_or_404
from .overview import projection_words

PER_PAGE = 50
CLAIMS_SHOWN = 3  # reports shown per de-duplication key (the rest are counted)
PARKS_CHARTED = 20  # bars in the parks' chart (every park is in the table)
SERIES_HEIGHT = 480  # the series chart, drawn in a "tall" box


# --- sorting and paging, one set of URL parameters per table -----------------------------


@dataclass(frozen=True)
class Header:
    label: str
    numeric: bool = False
    href: str = ""  # empty: the column does not sort
    state: str = ""  # aria-sort: ascending, descending or none


@dataclass
class Table:
    """A table's header cells, the rows of its current page and the page's links."""

    anchor: str
    headers: list[Header]
    rows: list[dict[str, Any]]
    page: Page[Any] | None = None
    previous_href: str = ""
    next_href: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def count(self) -> int:
        return self.page.paginator.count if self.page is not None else len(self.rows)


def _href(request: HttpRequest, anchor: str, **changes: object) -> str:
    """The current URL's query with some parameters changed (None drops one), landing on the
    table it belongs to."""
    params = request.GET.copy()
    for name, value in changes.items():
        if value is None:
            params.pop(name, None)
        else:
            params[name] = str(value)
    query = params.urlencode()
    return f"?{query}#{anchor}" if query else f"#{anchor}"


def _sort(
    request: HttpRequest, param: str, columns: dict[str, tuple[str, ...]], default: str
) -> Sort:
    """As ``core.sorting.sort_from``, under the table's own parameter."""
    wanted = request.GET.get(param) or default
    key = wanted.lstrip("-")
    if key not in columns:
        wanted, key = default, default.lstrip("-")
    descending = wanted.startswith("-")
    ordering = tuple(
        (name[1:] if name.startswith("-") else f"-{name}") if descending else name
        for name in columns[key]
    )
    return Sort(key=key, descending=descending, ordering=ordering)


def _headers(
    request: HttpRequest,
    *,
    anchor: str,
    sort_param: str,
    page_param: str,
    sort: Sort,
    columns: list[tuple[str | None, str, bool]],
) -> list[Header]:
    """Header cells: (key or None, label, numeric). A sortable one links to the flipped
    order (ascending first) and says its state in aria-sort."""
    headers = []
    for key, label, numeric in columns:
        if key is None:
            headers.append(Header(label=label, numeric=numeric))
            continue
        active = sort.key == key
        descending = active and sort.descending
        value = key if descending or not active else f"-{key}"
        state = ("descending" if descending else "ascending") if active else "none"
        href = _href(request, anchor, **{sort_param: value, page_param: None})
        headers.append(Header(label=label, numeric=numeric, href=href, state=state))
    return headers


def _page_number(text: str | None) -> int:
    try:
        return max(1, int(text or 1))
    except ValueError:
        return 1


class _Counted(Sequence[Any]):
    """A paginator's list that knows only its length (the rows are fetched per page)."""

    def __init__(self, total: int) -> None:
        self.total = total

    def __len__(self) -> int:
        return self.total

    @overload
    def __getitem__(self, index: int) -> Any: ...
    @overload
    def __getitem__(self, index: slice) -> Sequence[Any]: ...
    def __getitem__(self, index: int | slice) -> Any:
        raise IndexError(index)

    def __iter__(self) -> Iterator[Any]:
        return iter(())


def _sql_page(
    request: HttpRequest,
    param: str,
    rows: QuerySet[Any],
    ordering: Sequence[str],
    total: int | None = None,
) -> Page[Any]:
    """One page of a ``values()`` queryset, LIMIT/OFFSET in SQL. ``total``: how many rows
    there are when it is known already (the stored figure, or lists in hand); counted in
    SQL otherwise."""
    if total is None:
        total = rows.order_by().count()
    last = max(1, ceil(total / PER_PAGE))
    number = min(_page_number(request.GET.get(param)), last)
    found = list(rows.order_by(*ordering)[(number - 1) * PER_PAGE : number * PER_PAGE])
    return Page(found, number, Paginator(_Counted(total), PER_PAGE))


def _list_page(request: HttpRequest, param: str, rows: list[dict[str, Any]]) -> Page[Any]:
    return Paginator(rows, PER_PAGE).get_page(request.GET.get(param))


def _pager_links(table: Table, request: HttpRequest, param: str) -> None:
    page = table.page
    if page is None:
        return
    if page.has_previous():
        table.previous_href = _href(request, table.anchor, **{param: page.previous_page_number()})
    if page.has_next():
        table.next_href = _href(request, table.anchor, **{param: page.next_page_number()})


# --- scope, quarter and the series --------------------------------------------------------


def _scope_of(request: HttpRequest, everything: list[Scope]) -> Scope:
    """The scope in the URL (the city, or a district or park the user may see: 404 for any
    other); the user's default without one."""
    user = request.user
    known = {str(scope): scope for scope in everything}
    text = request.GET.get("scope")
    if not text:
        default = policies.default_scope(user)
        return known.get(str(default), default)
    try:
        asked = Scope.parse(text)
    except ScopeError as error:
        raise Http404(str(error)) from error
    scope = known.get(str(asked))
    if scope is None or not (scope.is_city or policies.scope_allowed(user, scope)):
        raise Http404
    return scope


def _period_of(choice: QuarterChoice, periods: list[int]) -> int | None:
    """The quarter asked for (or the default) when the target has a figure for it; else the
    target's latest quarter before it, or its first."""
    if not periods:
        return None
    wanted = choice.period if choice.period is not None else periods[-1]
    if wanted in periods:
        return wanted
    earlier = [p for p in periods if p <= wanted]
    return earlier[-1] if earlier else periods[0]


@dataclass
class Point:
    snapshot: Snapshot
    figure: FigureJSON

    @property
    def period(self) -> int:
        return self.snapshot.period

    @property
    def x(self) -> str:
        return period_end(self.snapshot.period).isoformat()


def _label(value: Decimal | float | int | None) -> str:
    return num(value)


def _baseline(
    target: Target,
    points: list[Point],
    milestones: list[tuple[dt.date, Decimal]] | None = None,
) -> Decimal | None:
    """The baseline's value. "actual": the scope's actual in the baseline quarter (the
    city's, or an allocated district's or park's own); when that quarter has no stored
    figure (it precedes ``counts_from``), the planned line read at the baseline date, which
    passes through the baseline point by definition (DOMAIN.md). ``milestones``: the ones
    the scope's planned line runs through (the city's by default)."""
    if target.baseline_value is not None:
        return target.baseline_value
    quarter = period_of(target.baseline_date)
    for point in points:
        if point.period == quarter:
            return point.snapshot.actual
    if milestones is None:
        milestones = [(m.date, m.value) for m in target.milestones.all()]
    planned = [p for p in points if p.snapshot.planned is not None]
    if not milestones or not planned:
        return None
    (first_date, first_value), start = milestones[0], target.baseline_date
    point = planned[0]
    end = period_end(point.period)
    if end <= start:
        return point.snapshot.planned
    span = (first_date - start).days
    if span <= 0 or end >= first_date:
        return None
    t = Decimal((end - start).days) / Decimal(span)
    value = (point.snapshot.planned - first_value * t) / (1 - t)  # type: ignore[operator]
    places = 0 if _is_whole(target) else 1 if target.rule_kind == RuleKind.FLAG_LATEST_SHARE else 2
    return value.quantize(Decimal(1).scaleb(-places))


def _is_whole(target: Target) -> bool:
    return target.rule_kind not in (RuleKind.FLOW_SUM, RuleKind.FLAG_LATEST_SHARE)


def _series_chart(
    target: Target,
    scope: Scope,
    points: list[Point],
    chosen: Point | None,
    allocation: Allocation | None = None,
) -> dict[str, Any]:
    """Actual by quarter (solid), planned (dotted), the baseline and milestones (labelled
    diamonds), the final target (a horizontal line), the deadline (a vertical line), the
    projection from the chosen quarter (dashed) and the quarter it reaches the target."""
    data: list[dict[str, Any]] = []
    xs = [p.x for p in points]
    data.append(
        _scatter(
            x=xs,
            y=[p.figure["actual"] for p in points],
            name=_("Actual"),
            meta="actual",
            mode="lines+markers",
            line={"color": charts.BRAND, "width": 3},
            marker={"size": 7, "symbol": "circle"},
            hovertemplate=_("Actual") + ": %{y}<extra></extra>",
        )
    )
    planned = [p for p in points if p.figure["planned"] is not None]
    if planned:
        data.append(
            _scatter(
                x=[p.x for p in planned],
                y=[p.figure["planned"] for p in planned],
                name=_("Planned"),
                meta="planned",
                mode="lines",
                line={"color": charts.MUTED, "width": 2, "dash": "dot"},
                hovertemplate=_("Planned") + ": %{y}<extra></extra>",
            )
        )
    spread = [*xs, target.deadline.isoformat()]
    if scope.is_city:
        spread += _mark_traces(data, _city_marks(target, points))
    elif allocation is not None:
        spread += _mark_traces(data, _allocation_marks(target, allocation, points))
    target_value = _target_value(points, chosen)
    spread += _projection_traces(data, target, chosen, target_value)
    if target_value is not None:
        data.append(
            _scatter(
                x=[min(spread), max(spread)],
                y=[float(target_value), float(target_value)],
                name=_("Target: %(value)s") % {"value": _label(target_value)},
                meta="target",
                mode="lines",
                line={"color": charts.GREEN, "width": 2},
                hovertemplate=_("Target") + ": %{y}<extra></extra>",
            )
        )
    _deadline_trace(data, target)
    return charts.figure(data=data, layout=_series_layout(target, spread))


def _scatter(**trace: Any) -> dict[str, Any]:
    """A scatter trace as plain data: the figure is validated once, whole (a trace added
    at a time costs several times more). ``meta`` names what the trace is, whatever the
    language of its name (tests and scripts read it)."""
    return {"type": "scatter", **trace}


def _target_value(points: list[Point], chosen: Point | None) -> Decimal | None:
    """The scope's final target: the city's, or an allocation's (none for other scopes)."""
    if chosen is not None and chosen.snapshot.target_value is not None:
        return chosen.snapshot.target_value
    return points[-1].snapshot.target_value if points else None


Mark = tuple[dt.date, Decimal | None, bool]  # date, value, whether it is the baseline


def _city_marks(target: Target, points: list[Point]) -> list[Mark]:
    return [(target.baseline_date, _baseline(target, points), True)] + [
        (m.date, m.value, False) for m in target.milestones.all()
    ]


def _allocation_marks(target: Target, allocation: Allocation, points: list[Point]) -> list[Mark]:
    """An allocated scope's baseline and milestones: its own, or the city's scaled."""
    milestones = allocation_milestones(allocation)
    return [(target.baseline_date, _scope_baseline(target, allocation, points), True)] + [
        (day, value, False) for day, value in milestones
    ]


def _scope_baseline(target: Target, allocation: Allocation, points: list[Point]) -> Decimal | None:
    """An allocated scope's baseline: numeric (scaled, or as it is with own milestones), or
    its own actual then."""
    if target.baseline_value is not None:
        return allocation_baseline(allocation)
    return _baseline(target, points, allocation_milestones(allocation))


def _mark_traces(data: list[dict[str, Any]], marks: list[Mark]) -> list[str]:
    """The baseline (an open diamond) and the milestones (diamonds), labelled "2024: 6";
    returns their x values."""
    xs: list[str] = []
    for baseline in (True, False):
        shown = [(d, v) for d, v, b in marks if b is baseline and v is not None]
        if not shown:
            continue
        name = _("Baseline") if baseline else _("Milestones")
        data.append(
            _scatter(
                x=[d.isoformat() for d, _v in shown],
                y=[float(v) for _d, v in shown],
                text=[f"{d.year}: {_label(v)}" for d, v in shown],
                name=name,
                meta="baseline" if baseline else "milestones",
                mode="markers+text",
                textposition="top center",
                marker={
                    "size": 12,
                    "symbol": "diamond-open" if baseline else "diamond",
                    "color": charts.SEQUENCE[1],
                    "line": {"width": 2, "color": charts.SEQUENCE[1]},
                },
                hovertemplate=name + " %{text}<extra></extra>",
            )
        )
        xs += [d.isoformat() for d, _v in shown]
    return xs


def _threshold(target: Target, target_value: Decimal | None) -> Decimal:
    """The value that counts as reached (approximately: 90 %)."""
    if target_value is None:
        return target.achievement_threshold
    if target.comparator == Target.Comparator.APPROXIMATELY:
        return target_value * Decimal("0.9")
    return target_value


def _projection_traces(
    data: list[dict[str, Any]],
    target: Target,
    chosen: Point | None,
    target_value: Decimal | None,
) -> list[str]:
    """The dashed projection from the chosen quarter's actual to the deadline quarter's end
    (and on to the attainment quarter when that comes later), and the attainment marked;
    returns their x values."""
    if chosen is None:
        return []
    deadline_quarter = period_of(target.deadline)
    line: list[tuple[str, float]] = []
    projected = chosen.figure["projected_at_deadline"]
    if projected is not None:
        line = [
            (chosen.x, float(chosen.snapshot.actual)),
            (period_end(deadline_quarter).isoformat(), float(projected)),
        ]
    when = chosen.snapshot.projected_attainment
    reached: tuple[str, float] | None = None
    if when is not None:
        reached = (period_end(when).isoformat(), float(_threshold(target, target_value)))
        if line and when > deadline_quarter:
            line.append(reached)
    if line:
        data.append(
            _scatter(
                x=[x for x, _y in line],
                y=[y for _x, y in line],
                name=_("Projection from %(quarter)s") % {"quarter": period_format(chosen.period)},
                meta="projection",
                mode="lines",
                line={"color": charts.AMBER, "width": 2, "dash": "dash"},
                hovertemplate=_("Projection") + ": %{y}<extra></extra>",
            )
        )
    if when is not None and reached is not None:
        words = _("reaches %(value)s in %(quarter)s") % {
            "value": _label(_threshold(target, target_value)),
            "quarter": period_format(when),
        }
        data.append(
            _scatter(
                x=[reached[0]],
                y=[reached[1]],
                text=[words],
                name=_("Target reached (projected)"),
                meta="attainment",
                mode="markers+text",
                textposition="bottom left",
                marker={"size": 14, "symbol": "star", "color": charts.GREEN},
                hovertemplate="%{text}<extra></extra>",
            )
        )
        line.append(reached)
    return [x for x, _y in line]


def _quarter_ticks(spread: list[str]) -> dict[str, Any]:
    """Ticks at quarter ends labelled 2024Q4: every fourth quarter's (each year's end) over a
    long span, every quarter's over a short one."""
    first, last = (
        period_of(dt.date.fromisoformat(min(spread))),
        period_of(dt.date.fromisoformat(max(spread))),
    )
    quarters = range(first, last + 1)
    shown = [q for q in quarters if q % 4 == 3] if len(quarters) > 12 else list(quarters)
    return {
        "tickmode": "array",
        "tickvals": [period_end(q).isoformat() for q in shown],
        "ticktext": [period_format(q) for q in shown],
    }


def _series_layout(target: Target, spread: list[str]) -> dict[str, Any]:
    """Quarters on a date axis (hover and ticks say 2024Q3); the unit written level above
    the axis (a rotated CJK title reads sideways)."""
    layout = charts.base_layout(x_title=_("Quarter (plotted at its end)"), height=SERIES_HEIGHT)
    layout["xaxis"].update({"type": "date", "hoverformat": "%YQ%q", **_quarter_ticks(spread)})
    layout["legend"]["y"] = -0.18
    layout["margin"].update({"t": 36, "b": 96})
    if target.unit:
        layout["annotations"] = [
            {
                "x": 0,
                "y": 1,
                "xref": "paper",
                "yref": "paper",
                "xanchor": "left",
                "yanchor": "bottom",
                "text": _("Unit: %(unit)s") % {"unit": target.unit},
                "showarrow": False,
                "font": {"color": charts.MUTED, "size": 12},
            }
        ]
    return layout


def _deadline_trace(data: list[dict[str, Any]], target: Target) -> None:
    """The deadline as a vertical line with its date in the legend (a trace, so that its
    label never sits on a milestone's)."""
    top = 0.0
    for trace in data:
        top = max([top, *(float(y) for y in trace.get("y", ()) if y is not None)])
    deadline = target.deadline.isoformat()
    data.append(
        _scatter(
            x=[deadline, deadline],
            y=[0, top * 1.05 or 1],
            name=_("Deadline %(date)s") % {"date": deadline},
            meta="deadline",
            mode="lines",
            line={"color": charts.RED, "width": 1.5, "dash": "longdash"},
            hoverinfo="skip",
        )
    )


# --- the breakdown by district and park ---------------------------------------------------


@dataclass
class Place:
    scope: Scope
    actual: Decimal
    share: Decimal | None
    url: str | None
    # Where the target is allocated to the scope (None elsewhere):
    target_value: Decimal | None = None
    percent: Decimal | None = None
    status: str | None = None

    @property
    def label(self) -> str:
        return self.scope.label


def breakdown_places(
    request: HttpRequest, target: Target, period: int, everything: list[Scope]
) -> tuple[list[Place], Sort]:
    """The quarter's figure of every district and park the user may see (a park manager:
    their park; a district official: their district and its parks), in the order of
    ``?bsort=`` (ties in name order): the breakdown's rows, for the page and its download."""
    user = request.user
    rows = Snapshot.objects.filter(target=target, period=period)
    visible = policies.visible_scope_labels(user)
    if visible is not None:
        rows = rows.filter(scope__in=visible)
    else:
        rows = rows.filter(Q(scope__startswith="district:") | Q(scope__startswith="park:"))
    known = {str(scope): scope for scope in everything}
    label = period_format(period)
    places = [
        Place(
            scope=known[text],
            actual=actual,
            share=share,
            url=scope_url(user, known[text], period=label),
            target_value=value,
            percent=percent,
            status=status,
        )
        for text, actual, share, value, percent, status in rows.values_list(
            "scope", "actual", "share_of_city", "target_value", "percent_of_target", "status"
        )
        if text in known and policies.scope_allowed(user, known[text])
    ]
    columns: dict[str, tuple[str, ...]] = {
        "name": ("label",),
        "actual": ("actual",),
        "share": ("share",),
    }
    sort = _sort(request, "bsort", columns, "-actual")

    def key(place: Place) -> tuple[Any, ...]:
        if sort.key == "name":
            return (place.label,)
        if sort.key == "share":
            return (place.share is not None, place.share or 0)
        return (place.actual,)

    # Ties stay in name order whichever way the column sorts (the sort is stable).
    by_name = sorted(places, key=lambda place: place.label)
    return sorted(by_name, key=key, reverse=sort.descending), sort


def _breakdown(
    request: HttpRequest, target: Target, period: int, everything: list[Scope]
) -> dict[str, Any]:
    """The quarter's figure of every district and park (a park manager: their park; a
    district official: their district and its parks), with the share of the city, as sorted
    bar charts and sortable tables."""
    places, sort = breakdown_places(request, target, period, everything)
    districts = [p for p in places if p.scope.kind is ScopeKind.DISTRICT]
    parks = [p for p in places if p.scope.kind is ScopeKind.PARK]
    unit = target.unit
    header_columns: list[tuple[str | None, str, bool]] = [
        ("name", _("Name"), False),
        ("actual", _("Actual") + (f" ({unit})" if unit else ""), True),
        ("share", _("Share of city"), True),
    ]
    allocated = any(p.target_value is not None for p in places)
    if allocated:
        header_columns += [
            (None, _("Allocated target"), True),
            (None, _("Percent of target"), True),
            (None, _("Status"), False),
        ]
    tables = {}
    for name, chosen, anchor in (
        ("districts", districts, "districts-title"),
        ("parks", parks, "parks-title"),
    ):
        table = Table(
            anchor=anchor,
            headers=_headers(
                request,
                anchor=anchor,
                sort_param="bsort",
                page_param="bpage",
                sort=sort,
                columns=header_columns,
            ),
            rows=[],
        )
        if name == "parks":
            table.page = _list_page(request, "bpage", [{"place": p} for p in chosen])
            table.rows = list(table.page.object_list)
            _pager_links(table, request, "bpage")
        else:
            table.rows = [{"place": p} for p in chosen]
        tables[name] = table
    by_size = sorted(places, key=lambda p: (-p.actual, p.label))
    charts_ = {}
    for name, kind, limit in (
        ("districts", ScopeKind.DISTRICT, None),
        ("parks", ScopeKind.PARK, PARKS_CHARTED),
    ):
        shown = [p for p in by_size if p.scope.kind is kind][:limit]
        if len(shown) > 1:
            charts_[name] = _bar_chart(target, shown)
    return {
        "actuals": {str(p.scope): p.actual for p in places},
        "districts": tables["districts"],
        "parks": tables["parks"],
        "charts": charts_,
        "parks_charted": PARKS_CHARTED,
        "park_count": len(parks),
        "own": policies.own_scope(request.user),
        "allocated": allocated,
    }


def _bar_chart(target: Target, places: list[Place]) -> dict[str, Any]:
    bars = {
        "type": "bar",
        "x": [float(p.actual) for p in places],
        "y": [p.label for p in places],
        "orientation": "h",
        "marker": {"color": charts.BRAND},
        "text": [
            _label(p.actual) + (f" ({p.share:.1f}%)" if p.share is not None else "") for p in places
        ],
        "textposition": "auto",
        "hovertemplate": "%{y}: %{text}<extra></extra>",
        "name": _("Actual"),
    }
    layout = charts.base_layout(x_title=target.unit, height=max(220, 34 * len(places) + 90))
    layout["hovermode"] = "closest"
    layout["showlegend"] = False
    layout["margin"].update({"l": 8, "b": 40})
    layout["yaxis"].update({"autorange": "reversed", "automargin": True, "type": "category"})
    return charts.figure(data=[bars], layout=layout)


# --- evidence and who is not delivering ----------------------------------------------------


def _readable(
    user: policies.Actor, enterprise_ids: set[int], report_ids: set[int]
) -> tuple[set[int], set[int]]:
    """Of these enterprises and reports, those whose pages the user may open (one query
    each, whatever the page's length)."""
    enterprises: set[int] = set()
    if enterprise_ids and policies.can_read_enterprise_pages(user):
        enterprises = set(
            Enterprise.objects.filter(policies.enterprise_q(user), pk__in=enterprise_ids)
            .order_by()
            .values_list("pk", flat=True)
        )
    reports: set[int] = set()
    if report_ids:
        reports = set(
            submission_list(user=user)
            .filter(pk__in=report_ids)
            .order_by()
            .values_list("pk", flat=True)
        )
    return enterprises, reports


def _enterprise_url(uscc: str) -> str:
    return reverse("progress:enterprise", args=[uscc])


def _report_url(pk: int) -> str:
    return reverse("reporting:report-detail", args=[pk])


def _with_names(rows: list[dict[str, Any]]) -> None:
    """The USCC and name of the enterprises the page's rows name only by id (one query)."""
    ids = {row["enterprise_id"] for row in rows if row.get("enterprise_id")}
    ids -= {row["enterprise_id"] for row in rows if row.get("enterprise_uscc")}
    if not ids:
        return
    names = {
        pk: (uscc, name)
        for pk, uscc, name in Enterprise.objects.filter(pk__in=ids)
        .order_by()
        .values_list("pk", "uscc", "name")
    }
    for row in rows:
        if row.get("enterprise_id") in names and not row.get("enterprise_uscc"):
            row["enterprise_uscc"], row["enterprise_name"] = names[row["enterprise_id"]]


def _link_rows(user: policies.Actor, rows: list[dict[str, Any]]) -> None:
    """Adds ``enterprise_url`` and ``report_url`` to rows (and their claims) that name an
    enterprise or a report the user may open."""
    everything = [*rows, *(claim for row in rows for claim in row.get("claims", []))]
    enterprise_ids = {r["enterprise_id"] for r in everything if r.get("enterprise_id")}
    report_ids = {r["submission_id"] for r in everything if r.get("submission_id")}
    enterprises, reports = _readable(user, enterprise_ids, report_ids)
    for row in everything:
        pk = row.get("enterprise_id")
        row["enterprise_url"] = (
            _enterprise_url(row["enterprise_uscc"]) if pk in enterprises else None
        )
        report = row.get("submission_id")
        row["report_url"] = _report_url(report) if report in reports else None


def evidence_files_add(
    user: policies.Actor, rows: list[dict[str, Any]], *, absolute: bool = False
) -> None:
    """Adds to each claim of the rows (items) the evidence files the user may open behind
    it, as ``files`` [{name, url}] (one query for the page; ``absolute`` links for tables
    read away from the site)."""
    claims = [claim for row in rows for claim in row.get("claims", []) if isinstance(claim, dict)]
    links = evidence_links(
        user=user,
        claims={(c["submission_id"], c["identifier_key"]) for c in claims},
        absolute=absolute,
    )
    for claim in claims:
        claim["files"] = links.get((claim["submission_id"], claim["identifier_key"]), [])


def _reports_of(enterprise_ids: list[int], period: int) -> dict[int, dict[str, Any]]:
    """Each enterprise's latest report up to ``period`` (any status) and latest approved
    one: rows of the page's enterprises only."""
    found: dict[int, dict[str, Any]] = {pk: {} for pk in enterprise_ids}
    if not enterprise_ids:
        return found
    rows = (
        Submission.objects.filter(enterprise_id__in=enterprise_ids, period__lte=period)
        .order_by("enterprise_id", "-period")
        .values_list("enterprise_id", "pk", "period", "status")
    )
    for enterprise, pk, quarter, status in rows:
        seen = found[enterprise]
        seen.setdefault("latest", {"submission_id": pk, "period": quarter, "status": status})
        if status == Submission.Status.APPROVED:
            seen.setdefault("approved", {"submission_id": pk, "period": quarter})
    return found


@dataclass(frozen=True)
class EvidenceShape:
    """How one rule kind's evidence reads: its columns and their sort keys."""

    shape: str  # designations, items, reports or enterprises
    columns: dict[str, tuple[str, ...]]
    headers: list[tuple[str | None, str, bool]]
    default: str


def _evidence_shape(rule: Rule) -> EvidenceShape:
    kind = rule.kind
    if kind is RuleKind.DESIGNATION_COUNT:
        return EvidenceShape(
            "designations",
            {
                "granted": ("granted_on", "id"),
                "name": ("name", "id"),
                "reference": ("reference", "id"),
            },
            [
                ("name", _("Designation"), False),
                (None, _("Granted to"), False),
                ("reference", _("Document"), False),
                ("granted", _("Granted on"), False),
            ],
            "granted",
        )
    if isinstance(rule, ItemDistinct):
        return _items_shape(per_enterprise=rule.per_enterprise)
    if kind is RuleKind.FLOW_SUM:
        return EvidenceShape(
            "reports",
            {
                # An enterprise's reports together, in the order of the approved values'
                # index (a city-wide page reads 50 rows, not every report).
                "enterprise": ("enterprise_id", "period"),
                "period": ("period", "enterprise_id"),
                "value": ("value", "enterprise_id", "period"),
            },
            [
                ("enterprise", _("Enterprise"), False),
                ("period", _("Quarter"), False),
                ("value", _("Value"), True),
                (None, _("Report"), False),
            ],
            "enterprise",
        )
    columns = {
        "enterprise": ("enterprise_name", "enterprise_uscc"),
        "uscc": ("enterprise_uscc",),
        "park": ("park_code", "enterprise_uscc"),
    }
    headers: list[tuple[str | None, str, bool]] = [
        ("enterprise", _("Enterprise"), False),
        ("uscc", _("USCC"), False),
        ("park", _("Park"), False),
    ]
    if kind is RuleKind.FLAG_EVER_COUNT:
        headers.append((None, _("First answered yes"), False))
    else:
        headers.append((None, _("Latest approved report"), False))
    return EvidenceShape("enterprises", columns, headers, "park")


def _items_shape(*, per_enterprise: bool) -> EvidenceShape:
    if per_enterprise:
        return EvidenceShape(
            "items",
            {
                "first": ("first_date", "identifier_key", "enterprise_id"),
                "key": ("identifier_key", "enterprise_id"),
                "claims": ("claims", "identifier_key", "enterprise_id"),
            },
            [
                ("key", _("De-duplication key"), False),
                (None, _("Enterprise"), False),
                ("first", _("First dated"), False),
                ("claims", _("Items claiming it"), True),
                (None, _("Reports"), False),
            ],
            "key",
        )
    return EvidenceShape(
        "items",
        {
            "first": ("first_date", "identifier_key"),
            "key": ("identifier_key",),
            "claims": ("claims", "identifier_key"),
            "enterprises": ("enterprises", "identifier_key"),
        },
        [
            ("key", _("De-duplication key"), False),
            ("first", _("First dated"), False),
            ("enterprises", _("Enterprises claiming it"), True),
            ("claims", _("Items claiming it"), True),
            (None, _("Reports"), False),
        ],
        "key",
    )


def _with_claims(rule: ItemDistinct, period: int, scope: Scope, rows: list[dict[str, Any]]) -> None:
    """The first reports claiming each key of the page (one query)."""
    per_enterprise = rule.per_enterprise
    keys = [
        (row["enterprise_id"] if per_enterprise else None, row["identifier_key"]) for row in rows
    ]
    claims = rule.claims(period=period, scope=scope, keys=keys, limit=CLAIMS_SHOWN)
    for row, key in zip(rows, keys, strict=True):
        shown = claims.get(key, [])
        row["claim_count"] = int(row["claims"])
        row["claims_more"] = max(0, row["claim_count"] - len(shown))
        row["claims"] = shown


def _with_reports(rule: Rule, period: int, rows: list[dict[str, Any]]) -> None:
    """The report behind each counted enterprise of the page: its first answering yes
    (ever) or its latest approved one (latest)."""
    ids = [row["enterprise_id"] for row in rows]
    if isinstance(rule, FlagEverCount):
        firsts: dict[int, tuple[int, int]] = {}
        for enterprise, quarter, submission in (
            rule.flagged(period)
            .filter(enterprise_id__in=ids)
            .order_by("enterprise_id", "period")
            .values_list("enterprise_id", "period", "submission_id")
        ):
            firsts.setdefault(enterprise, (quarter, submission))
        for row in rows:
            first = firsts.get(row["enterprise_id"])
            row["report_period"], row["submission_id"] = first if first else (None, None)
        return
    reports = _reports_of(ids, period)
    for row in rows:
        approved = reports[row["enterprise_id"]].get("approved", {})
        row["submission_id"] = approved.get("submission_id")
        row["report_period"] = approved.get("period")


def evidence_query(
    request: HttpRequest, rule: Rule, period: int, scope: Scope
) -> tuple[EvidenceShape, Sort, QuerySet[Any]]:
    """What the figure of ``period`` in ``scope`` counts: the rule kind's shape, the order
    ``?esort=`` asks for, and the rows (``values()``, not yet ordered), for the page (a page
    at a time) and its download (all of them)."""
    shape = _evidence_shape(rule)
    sort = _sort(request, "esort", shape.columns, shape.default)
    rows = rule.evidence_rows(period=period, scope=scope)
    if shape.shape == "reports":
        # A sum's evidence lists the reports that add something (a 0 changes nothing).
        rows = rows.exclude(value=0)
    return shape, sort, rows


def evidence_complete(
    rule: Rule, period: int, scope: Scope, parks: dict[str, Scope], rows: list[dict[str, Any]]
) -> None:
    """Adds to some rows of the evidence what the query leaves out, a few queries for
    them all: the first claims of each key and the names (items), the report behind each
    enterprise (enterprises), and the park's scope (``park``)."""
    if isinstance(rule, ItemDistinct):
        _with_claims(rule, period, scope, rows)
        _with_names(rows)
    elif _evidence_shape(rule).shape == "enterprises":
        _with_reports(rule, period, rows)
    for row in rows:
        code = row.get("park_code")
        row["park"] = parks.get(f"park:{code}") if code else None


def _evidence(
    request: HttpRequest,
    rule: Rule,
    period: int,
    scope: Scope,
    parks: dict[str, Scope],
    counted: int | None,
) -> Table:
    """What the figure of ``period`` in ``scope`` counts, one page at a time; ``counted``:
    how many rows that is when known already."""
    shape, sort, rows = evidence_query(request, rule, period, scope)
    page = _sql_page(request, "epage", rows, sort.ordering, counted)
    found: list[dict[str, Any]] = [dict(row) for row in page.object_list]
    evidence_complete(rule, period, scope, parks, found)
    label = period_format(period)
    for row in found:
        row["park_url"] = (
            scope_url(request.user, row["park"], period=label) if row["park"] else None
        )
    _link_rows(request.user, found)
    evidence_files_add(request.user, found)
    anchor = "evidence-title"
    table = Table(
        anchor=anchor,
        headers=_headers(
            request,
            anchor=anchor,
            sort_param="esort",
            page_param="epage",
            sort=sort,
            columns=shape.headers,
        ),
        rows=found,
        page=page,
        extra={
            "shape": shape.shape,
            "per_enterprise": isinstance(rule, ItemDistinct) and rule.per_enterprise,
        },
    )
    _pager_links(table, request, "epage")
    return table


def not_delivering_query(
    request: HttpRequest, rule: Rule, period: int, scope: Scope
) -> tuple[Sort, QuerySet[Any]] | None:
    """Who is not delivering (the rules that count enterprises; None for the others): the
    order ``?nsort=`` asks for and the rows (``values()``, not yet ordered), for the page and
    its download."""
    enterprises = rule.not_counted(period=period, scope=scope)
    if enterprises is None:
        return None
    rows = enterprises.values(
        enterprise_id=F("pk"),
        enterprise_uscc=F("uscc"),
        enterprise_name=F("name"),
        park_code=F("park__code"),
    )
    columns = {
        "park": ("park_code", "enterprise_uscc"),
        "enterprise": ("enterprise_name", "enterprise_uscc"),
        "uscc": ("enterprise_uscc",),
    }
    return _sort(request, "nsort", columns, "park"), rows


def not_delivering_complete(
    period: int, parks: dict[str, Scope], rows: list[dict[str, Any]]
) -> None:
    """Adds to some rows of who is not delivering each enterprise's latest report up to the
    quarter (``latest``: period, status and its label) and latest approved one
    (``approved``), and the park's scope (``park``): one query for them all."""
    reports = _reports_of([row["enterprise_id"] for row in rows], period)
    for row in rows:
        seen = reports[row["enterprise_id"]]
        row["latest"] = seen.get("latest")
        row["approved"] = seen.get("approved")
        code = row.get("park_code")
        row["park"] = parks.get(f"park:{code}") if code else None
        latest = row["latest"]
        if latest is not None and "status" in latest:
            latest["status_label"] = Submission.Status(latest["status"]).label


def _not_delivering(
    request: HttpRequest,
    rule: Rule,
    period: int,
    scope: Scope,
    parks: dict[str, Scope],
    missing: int | None,
) -> Table | None:
    """For the rules that count enterprises: those of the rule's filter in the scope that
    the figure does not count, by park, with their latest report; ``missing``: how many
    when known already."""
    query = not_delivering_query(request, rule, period, scope)
    if query is None:
        return None
    sort, rows = query
    page = _sql_page(request, "npage", rows, sort.ordering, missing)
    found: list[dict[str, Any]] = [dict(row) for row in page.object_list]
    not_delivering_complete(period, parks, found)
    report_ids: set[int] = set()
    for row in found:
        for report in (row["latest"], row["approved"]):
            if report is not None:
                report_ids.add(report["submission_id"])
    enterprise_ids = {row["enterprise_id"] for row in found}
    readable_enterprises, readable_reports = _readable(request.user, enterprise_ids, report_ids)
    for row in found:
        row["enterprise_url"] = (
            _enterprise_url(row["enterprise_uscc"])
            if row["enterprise_id"] in readable_enterprises
            else None
        )
        for name in ("latest", "approved"):
            report = row[name]
            if report is not None:
                report["url"] = (
                    _report_url(report["submission_id"])
                    if report["submission_id"] in readable_reports
                    else None
                )
    anchor = "missing-title"
    table = Table(
        anchor=anchor,
        headers=_headers(
            request,
            anchor=anchor,
            sort_param="nsort",
            page_param="npage",
            sort=sort,
            columns=[
                ("park", _("Park"), False),
                ("enterprise", _("Enterprise"), False),
                ("uscc", _("USCC"), False),
                (None, _("Latest report"), False),
                (None, _("Latest approved report"), False),
            ],
        ),
        rows=found,
        page=page,
    )
    _pager_links(table, request, "npage")
    return table


def _missing_words(rule: Rule, period: int) -> str:
    quarter = period_format(period)
    if rule.kind is RuleKind.FLAG_EVER_COUNT:
        return _(
            "Enterprises of the rule's filter with no approved report answering yes from "
            "%(since)s up to %(quarter)s."
        ) % {"since": period_format(rule.first_period), "quarter": quarter}
    if rule.kind is RuleKind.FLAG_LATEST_SHARE:
        return _(
            "Enterprises of the rule's filter active at the end of %(quarter)s whose latest "
            "approved report up to that quarter does not answer yes, or that have none."
        ) % {"quarter": quarter}
    return _(
        "Enterprises of the rule's filter whose latest approved report up to %(quarter)s "
        "does not answer yes, or that have none."
    ) % {"quarter": quarter}


# --- the page -------------------------------------------------------------------------------


def _summary(target: Target, figure: FigureJSON | None, point: Point | None) -> str:
    """The projection in a sentence where the scope has a target (the city, or an allocated
    scope); nothing for a district or park without one."""
    if point is None or figure is None or figure["target_value"] is None:
        return ""
    return projection_words(goal_target(target, point.snapshot.target_value), point.snapshot)


@dataclass
class TargetView:
    """What the target page shows, resolved from its URL: the target, the scope (404 for
    one the user may not see), every quarter's figure and the quarter chosen. The page and
    its downloads (exchange.tables) read the same."""

    target: Target
    rule: Rule
    everything: list[Scope]
    scope: Scope
    choice: QuarterChoice
    points: list[Point]
    period: int | None
    point: Point | None
    # The target's allocation to the page's scope (None for the city or an unallocated one).
    allocation: Allocation | None = None


def target_view(request: HttpRequest, code: str) -> TargetView:
    target = target_or_404(code)
    everything = scopes_all()
    scope = _scope_of(request, everything)
    choice = quarter_choice(request)
    points = [Point(s, figure_json(s)) for s in snapshot_series(target=target, scope=scope)]
    period = _period_of(choice, [p.period for p in points])
    return TargetView(
        target=target,
        rule=rule_for(target),
        everything=everything,
        scope=scope,
        choice=choice,
        points=points,
        period=period,
        point=next((p for p in points if p.period == period), None),
        allocation=allocation_for(target=target, scope=scope),
    )


@require(policies.can_read_city_progress)
def target_page(request: HttpRequest, code: str) -> HttpResponse:
    """One target: its figures by quarter for a scope, and, for those who may read progress
    by district and park, the breakdown, the evidence and who is not delivering."""
    user = request.user
    view = target_view(request, code)
    target, rule, everything, scope = view.target, view.rule, view.everything, view.scope
    choice, points, period, point = view.choice, view.points, view.period, view.point
    periods = [p.period for p in points]
    figure = point.figure if point is not None else None
    scope_choices = [s for s in everything if s.is_city or policies.scope_allowed(user, s)]
    context: dict[str, Any] = {
        "target": target,
        "rule_words": rule.describe(),
        "scope": scope,
        "scope_choices": [(str(s), s.label) for s in scope_choices],
        "scope_url": None if scope.is_city else scope_url(user, scope, period=_quarter(period)),
        "period": period,
        "quarter": _quarter(period),
        "quarters": [period_format(p) for p in reversed(periods)],
        "asked_other": choice.period is not None and period is not None and choice.period != period,
        "points": points,
        "figure": figure,
        "point": point,
        "summary": _summary(target, figure, point),
        "chart": _series_chart(target, scope, points, point, view.allocation) if points else None,
        "milestones": list(target.milestones.all()),
        "baseline": _baseline(target, points) if scope.is_city else None,
        **_allocation_context(user, target, view.allocation, points),
        "is_share": target.rule_kind == RuleKind.FLAG_LATEST_SHARE,
        "api_url": (
            reverse("progress-series", args=[target.code]) + f"?scope={scope}"
            if policies.can_read_progress(user) and policies.scope_allowed(user, scope)
            else None
        ),
        "detail": False,
    }
    if policies.can_read_progress(user) and period is not None and point is not None:
        context.update(_detail(request, target, rule, scope, point, everything))
    return render(request, "progress/target.html", context)


def _allocation_context(
    user: policies.Actor, target: Target, allocation: Allocation | None, points: list[Point]
) -> dict[str, Any]:
    """The allocation of the page's scope (its value beside the city's, its baseline and
    milestones), how much of the target is allocated per level (for those who see every
    scope), and the officials' way to allocate."""
    context: dict[str, Any] = {"allocation": allocation, "levels": None, "allocate_url": None}
    if allocation is not None:
        context.update(
            allocation_baseline=_scope_baseline(target, allocation, points),
            allocation_milestones=allocation_milestones(allocation),
            allocation_percent=(
                round_half_away(100 * Fraction(allocation.value) / Fraction(target.value), 1)
                if target.value
                else None
            ),
        )
    if policies.sees_everything(user):
        levels: list[Level] = allocation_levels(
            target, list(allocation_list(user=user, target=target.code))
        )
        context["levels"] = levels if any(level.count for level in levels) else []
    if policies.can_manage_programme(user):
        context["allocate_url"] = reverse("progress:manage-allocations", args=[target.code])
    return context


def _detail(
    request: HttpRequest,
    target: Target,
    rule: Rule,
    scope: Scope,
    point: Point,
    everything: list[Scope],
) -> dict[str, Any]:
    """The breakdown, the evidence and who is not delivering, for those who may read
    progress by district and park: in the page's scope, or the user's own (a park manager's
    park, a district official's district)."""
    user = request.user
    period = point.period
    evidence_scope = detail_scope(user, scope, everything)
    if evidence_scope is None:
        return {}
    parks = park_scopes(everything)
    breakdown = _breakdown(request, target, period, everything)
    stored = (
        point.snapshot.actual
        if evidence_scope == scope
        else breakdown["actuals"].get(str(evidence_scope))
    )
    counted, missing = _known_totals(rule, period, evidence_scope, stored, point)
    evidence = _evidence(request, rule, period, evidence_scope, parks, counted)
    not_delivering = _not_delivering(request, rule, period, evidence_scope, parks, missing)
    return {
        "detail": True,
        "breakdown": breakdown,
        "evidence_scope": evidence_scope,
        "evidence": evidence,
        "missing": not_delivering,
        "missing_words": _missing_words(rule, period),
        "looked_at": (
            evidence.count + not_delivering.count if not_delivering is not None else None
        ),
        "stored_actual": stored,
        "drift": _drift(rule, stored, evidence, not_delivering),
    }


def detail_scope(user: policies.Actor, scope: Scope, everything: list[Scope]) -> Scope | None:
    """The scope of the evidence and of who is not delivering: the page's, or the user's own
    (a park manager's park, a district official's district; None: the user reads no
    detail)."""
    chosen = scope if policies.scope_allowed(user, scope) else policies.own_scope(user)
    if chosen is None:
        return None
    return next((s for s in everything if s == chosen), chosen)


def park_scopes(everything: list[Scope]) -> dict[str, Scope]:
    """Every park's scope (with its names) by its scope string."""
    return {str(s): s for s in everything if s.kind is ScopeKind.PARK}


def known_totals(
    rule: Rule, period: int, scope: Scope, stored: Decimal | None, point: Point
) -> tuple[int | None, int | None]:
    """``_known_totals``, for the downloads of the evidence and of who is not delivering."""
    return _known_totals(rule, period, scope, stored, point)


COUNT_KINDS = (
    RuleKind.DESIGNATION_COUNT,
    RuleKind.ITEM_DISTINCT,
    RuleKind.FLAG_EVER_COUNT,
    RuleKind.FLAG_LATEST_COUNT,
)
FRESH_CHECK = 200  # recent change requests read to tell whether the figures are current
SPLIT_SECONDS = 3600  # how long a split of enterprises stays in the cache


def _known_totals(
    rule: Rule, period: int, scope: Scope, stored: Decimal | None, point: Point
) -> tuple[int | None, int | None]:
    """How many rows the evidence and the list of who is not delivering have, when known
    without counting them again: the split of the rules that count enterprises, or the
    stored figure of a counting rule while it includes every recorded change (so that a
    page of a city-wide list costs one short query). None: count in SQL."""
    snapshot = point.snapshot
    fresh = _figures_fresh(snapshot.target.code, snapshot.computed_at)
    if isinstance(rule, EnterpriseSplit):
        yes, no = _split(
            rule, snapshot.target.code, period, scope, snapshot.computed_at if fresh else None
        )
        return len(yes), len(no)
    if stored is None or not fresh or rule.kind not in COUNT_KINDS:
        return None, None
    return int(stored), None


def _split(
    rule: EnterpriseSplit,
    code: str,
    period: int,
    scope: Scope,
    computed_at: dt.datetime | None,
) -> tuple[list[int], list[int]]:
    """Who counts and who does not: kept in the cache under the figures' computation time
    while they include every recorded change (``computed_at`` given), since the data they
    were computed from has not changed since; read afresh otherwise."""
    code = rule.target.code  # type: ignore[attr-defined]
    key = (
        f"dx:target-split:{code}:{period}:{scope}:{computed_at.isoformat() if computed_at else ''}"
    )
    if computed_at is not None:
        split = cache.get(key)
        if split is not None:
            rule.remember(period=period, scope=scope, split=split)
            return cast(tuple[list[int], list[int]], split)
    split = rule.delivering(period=period, scope=scope)
    if computed_at is not None:
        cache.set(key, split, SPLIT_SECONDS)
    return split


def _figures_fresh(code: str, computed_at: dt.datetime) -> bool:
    """Whether the stored figures of a target include every recorded change: none waits to
    be recomputed and none was recorded after they were computed
    (docs/decisions/0008-recorded-changes.md)."""
    recent = list(
        RecomputeRequest.objects.filter(Q(run_id__isnull=True) | Q(requested_at__gte=computed_at))
        .order_by()
        .values_list("targets", flat=True)[:FRESH_CHECK]
    )
    if len(recent) == FRESH_CHECK:
        return False
    return not any(codes is None or code in codes for codes in recent)


def _drift(rule: Rule, stored: Any, evidence: Table, missing: Table | None) -> bool:
    """Whether the stored figure differs from what the evidence now gives (the figures are
    being recomputed after a change): counts compare directly, the share by its formula."""
    if stored is None or rule.kind is RuleKind.FLOW_SUM:
        return False
    if rule.kind is RuleKind.FLAG_LATEST_SHARE:
        if missing is None:
            return False
        looked_at = evidence.count + missing.count
        share = share_round(evidence.count, looked_at)
        return Decimal(str(stored)) != share
    return Decimal(str(stored)) != evidence.count


def _quarter(period: int | None) -> str:
    return period_format(period) if period is not None else ""
