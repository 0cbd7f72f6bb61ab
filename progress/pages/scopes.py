"""A district's or a park's page, and the comparison of every district or park.

The scope page shows, for one quarter, the scope's figure for every target beside the city's,
its enterprises with their report status and contribution, the quarter's completeness, the
maturity distribution and the designations; the comparison page a heat map of targets ×
districts (or parks). Each makes a fixed number of queries whatever the data size: one for
the quarter's figures, one per list (with its count), one aggregate for the maturity levels.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import (
    Case,
    Count,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Concat
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from core import policies
from core.pagination import page_of
from core.sorting import Sort, sort_from
from core.templatetags.dx import num, pct
from core.views import require
from enterprises.models import Designation, Enterprise, active_q
from parks.models import Park
from reporting.models import Item, MetricValue, Submission
from reporting.selectors import Completeness, completeness
from targets.models import District, Target
from targets.periods import period_due_on, period_end, period_format
from targets.scopes import CITY, Scope, ScopeKind

from ..arithmetic import share_round
from ..charts import BRAND, INK, SEQUENCE, base_layout, figure
from ..models import ProgressStatus, Snapshot
from .allocations import goal_target
from .common import QuarterChoice, quarter_choice, scope_or_404, scope_url, target_url, targets
from .overview import GROUP_LABELS, SPARK_QUARTERS, Card

Status = Submission.Status
DESIGNATIONS_PER_PAGE = 20
LEVELS = range(6)  # maturity levels 0-5
DCMM, SMART_MFG = "dcmm_level", "smart_mfg_level"

# GB/T 36073-2018 and GB/T 39116-2020 (DOMAIN.md, "Maturity and profiles").
DCMM_LEVELS = {
    0: pgettext_lazy("maturity level", "not assessed"),
    1: pgettext_lazy("DCMM level", "initial"),
    2: pgettext_lazy("DCMM level", "managed"),
    3: pgettext_lazy("DCMM level", "robust"),
    4: pgettext_lazy("DCMM level", "quantitatively managed"),
    5: pgettext_lazy("DCMM level", "optimising"),
}
SMART_MFG_LEVELS = {
    0: pgettext_lazy("maturity level", "not assessed"),
    1: pgettext_lazy("smart manufacturing level", "planning"),
    2: pgettext_lazy("smart manufacturing level", "standardised"),
    3: pgettext_lazy("smart manufacturing level", "integrated"),
    4: pgettext_lazy("smart manufacturing level", "optimised"),
    5: pgettext_lazy("smart manufacturing level", "leading"),
}
REPORT_STATUS_LABELS = {
    Status.APPROVED: Status.APPROVED.label,
    Status.SUBMITTED: Status.SUBMITTED.label,
    Status.PRE_APPROVED: Status.PRE_APPROVED.label,
    Status.RETURNED: Status.RETURNED.label,
    Status.DRAFT: Status.DRAFT.label,
    "missing": gettext_lazy("Missing"),
}
PURPLE = SEQUENCE[1]
# The heat map's colours: light to a medium blue, so that dark text stays readable on every
# cell (#6baed6 against the ink keeps a contrast above 6:1).
HEAT_SCALE = [[0.0, "#f7fbff"], [0.5, "#c6dbef"], [1.0, "#6baed6"]]
# Statuses ranked from worst to best, and light tints of their colours for the heat map (the
# icon and the words in each cell say the status; the colour is only a third cue).
STATUS_RANK = {
    ProgressStatus.MISSED: 0,
    ProgressStatus.OFF_TRACK: 1,
    ProgressStatus.AT_RISK: 2,
    ProgressStatus.ON_TRACK: 3,
    ProgressStatus.ACHIEVED: 4,
}
STATUS_SCALE = [
    [0.0, "#f6d3cf"],
    [0.25, "#fadfcc"],
    [0.5, "#fcefc7"],
    [0.75, "#d7e8f8"],
    [1.0, "#d3eedb"],
]
STATUS_ICONS = {"missed": "✗", "off_track": "↘", "at_risk": "⚠", "on_track": "↗", "achieved": "✓"}
MEASURES = ("share", "actual", "status")
LAGGING = frozenset({ProgressStatus.AT_RISK, ProgressStatus.OFF_TRACK, ProgressStatus.MISSED})


# --- the scope page ---------------------------------------------------------------------


@require(policies.can_read_progress)
def district_page(request: HttpRequest, code: str) -> HttpResponse:
    """A district's figures, enterprises, completeness, maturity and designations."""
    scope = scope_or_404(request.user, ScopeKind.DISTRICT, code)
    return _scope_page(request, scope)


@require(policies.can_read_progress)
def park_page(request: HttpRequest, code: str) -> HttpResponse:
    """A park's figures, enterprises, completeness, maturity and designations (a park
    manager's landing page; other parks answer 404 to them)."""
    scope = scope_or_404(request.user, ScopeKind.PARK, code)
    return _scope_page(request, scope)


@dataclass
class TargetRow:
    target: Target
    figure: Snapshot | None
    city: Snapshot | None
    url: str


@dataclass
class TargetGroup:
    label: str
    rows: list[TargetRow] = field(default_factory=list)


@dataclass
class PlanRows:
    name: str
    groups: list[TargetGroup] = field(default_factory=list)


def scope_figures(
    scope: Scope, period: int | None
) -> tuple[list[Target], dict[int, Snapshot], dict[int, Snapshot]]:
    """Every target, and the scope's and the city's figures of the quarter by target id
    (three queries)."""
    chosen = list(targets())
    mine: dict[int, Snapshot] = {}
    city: dict[int, Snapshot] = {}
    if period is not None:
        for row in Snapshot.objects.filter(period=period, scope__in=[str(scope), str(CITY)]):
            (city if row.scope == str(CITY) else mine)[row.target_id] = row
    return chosen, mine, city


def target_plans(
    chosen: list[Target],
    mine: dict[int, Snapshot],
    city: dict[int, Snapshot],
    scope: Scope,
    label: str,
) -> list[PlanRows]:
    plans: dict[int, PlanRows] = {}
    for target in chosen:
        plan = plans.setdefault(target.plan_id, PlanRows(name=target.plan.name))
        group_label = str(GROUP_LABELS.get(target.group, target.group))
        group = next((g for g in plan.groups if g.label == group_label), None)
        if group is None:
            group = TargetGroup(label=group_label)
            plan.groups.append(group)
        url = target_url(target.code, scope=str(scope), period=label)
        group.rows.append(TargetRow(target, mine.get(target.pk), city.get(target.pk), url))
    return list(plans.values())


def allocated_cards(
    scope: Scope, period: int | None, chosen: list[Target], mine: dict[int, Snapshot]
) -> list[Card]:
    """The targets allocated to the scope, as the overview shows the city's: the actual
    against the allocated value, the bar to the planned value, the status, the last quarters
    and the projection in words (one query for the series, none without an allocation)."""
    allocated = [t for t in chosen if t.pk in mine and mine[t.pk].target_value is not None]
    if period is None or not allocated:
        return []
    series: dict[int, list[tuple[int, Decimal]]] = {t.pk: [] for t in allocated}
    rows = (
        Snapshot.objects.filter(
            scope=str(scope),
            target_id__in=list(series),
            period__gt=period - SPARK_QUARTERS,
            period__lte=period,
        )
        .order_by("period")
        .values_list("target_id", "period", "actual")
    )
    for target_id, quarter, actual in rows:
        series[target_id].append((quarter, actual))
    label = period_format(period)
    return [
        Card(
            target=goal_target(t, mine[t.pk].target_value),
            figure=mine[t.pk],
            series=series[t.pk],
            url=target_url(t.code, scope=str(scope), period=label),
        )
        for t in allocated
    ]


def _share_chart(
    chosen: list[Target], mine: dict[int, Snapshot], city: dict[int, Snapshot]
) -> dict[str, Any] | None:
    """A horizontal bar per target: the scope's share of the city's figure."""
    shown = [t for t in chosen if t.pk in mine and mine[t.pk].share_of_city is not None]
    if not shown:
        return None
    shown.reverse()  # plotly draws the first bar at the bottom
    shares = [float(mine[t.pk].share_of_city or 0) for t in shown]
    hover = [
        _("%(name)s: %(share)s%% of the city (%(actual)s of %(city)s)")
        % {
            "name": t.name,
            "share": f"{mine[t.pk].share_of_city:.1f}",
            "actual": num(mine[t.pk].actual),
            "city": num(city[t.pk].actual) if t.pk in city else "—",
        }
        for t in shown
    ]
    layout = base_layout(x_title=_("Share of the city's figure (%)"), height=80 + 24 * len(shown))
    layout["hovermode"] = "closest"
    layout["margin"] = {"l": 130, "r": 56, "t": 16, "b": 48}
    layout["xaxis"]["range"] = [0, max(100.0, max(shares) * 1.15)]
    layout["yaxis"]["rangemode"] = "normal"
    layout["yaxis"]["automargin"] = True
    layout["showlegend"] = False
    bar = {
        "type": "bar",
        "x": shares,
        "y": [t.code for t in shown],
        "orientation": "h",
        "marker": {"color": BRAND},
        "name": _("Share of city (%)"),
        "hovertext": hover,
        "hoverinfo": "text",
        "text": [f"{s:.1f}%" for s in shares],
        "textposition": "outside",
        "cliponaxis": False,
    }
    return figure(data=[bar], layout=layout)


# -- enterprises --------------------------------------------------------------------------


ENTERPRISE_COLUMNS: dict[str, tuple[str, ...]] = {
    "name": ("name", "uscc"),
    "uscc": ("uscc",),
    "park": ("park__code", "uscc"),
    "segment": ("segment__id", "uscc"),
    "key": ("-is_key", "-above_scale", "uscc"),
    "status": ("report_status", "uscc"),
    "latest": ("latest_approved", "uscc"),
    "contribution": ("contribution", "uscc"),
}


def _flag_metric_codes(chosen: list[Target]) -> list[str]:
    """The metrics the flag targets read (on the cloud, self-upgrade, transformed...)."""
    return sorted(
        {
            str(t.rule.get("metric"))
            for t in chosen
            if str(t.rule.get("kind", "")).startswith("flag_") and t.rule.get("metric")
        }
    )


def _count_of(queryset: QuerySet[Any], expression: Any) -> Coalesce:
    """A correlated count per enterprise (0 when none)."""
    counted = queryset.values("enterprise_id").annotate(n=expression).values("n")[:1]
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def scope_enterprises(
    scope: Scope, period: int, *, user: policies.Actor, flag_metrics: list[str]
) -> QuerySet[Enterprise]:
    """The scope's enterprises active at the quarter's end, each with the status of its
    report of the quarter, its latest approved quarter up to P and its contribution:
    designations in force at the quarter's end, distinct approved items dated up to it, and
    the target flags answered yes in its latest approved report. One query per page."""
    end = period_end(period)
    latest = (
        Submission.objects.filter(enterprise=OuterRef("pk"), status=Status.APPROVED)
        .filter(period__lte=period)
        .order_by("-period")
        .values("period")[:1]
    )
    designations = Designation.objects.filter(
        Q(revoked_on__isnull=True) | Q(revoked_on__gt=end),
        enterprise=OuterRef("pk"),
        granted_on__lte=end,
    )
    items = Item.objects.filter(enterprise=OuterRef("pk"), approved=True, date__lte=end)
    # The quarter's report (one at most), read only for the rows of the page unless sorted by.
    report = Submission.objects.filter(enterprise=OuterRef("pk"), period=period)
    flags = MetricValue.objects.filter(
        enterprise=OuterRef("pk"),
        approved=True,
        period=OuterRef("latest_approved"),
        metric__code__in=flag_metrics,
        value__gt=0,
    )
    return (
        Enterprise.objects.filter(scope.enterprise_q(), active_q(end))
        .filter(policies.enterprise_q(user))
        .select_related("park", "segment")
        .annotate(
            report_status=Subquery(report.values("status")[:1]),
            report_late=Subquery(report.values("late")[:1]),
            latest_approved=Subquery(latest),
            n_designations=_count_of(designations, Count("pk")),
            n_items=_count_of(
                items, Count(Concat("kind_id", Value(":"), "identifier_key"), distinct=True)
            ),
            n_flags=_count_of(flags, Count("pk")),
        )
        .annotate(contribution=F("n_designations") + F("n_items") + F("n_flags"))
    )


@dataclass
class EnterpriseRow:
    enterprise: Enterprise
    status: str
    status_label: str
    overdue: bool
    late: bool
    url: str | None


def scope_enterprise_query(
    request: HttpRequest, scope: Scope, period: int, chosen: list[Target]
) -> tuple[Sort, QuerySet[Enterprise]]:
    """The scope's enterprises (``scope_enterprises``) in the order ``?sort=`` asks for: the
    page shows a page of them, its download all."""
    sort = sort_from(request, ENTERPRISE_COLUMNS, default="name")
    enterprises = scope_enterprises(
        scope, period, user=request.user, flag_metrics=_flag_metric_codes(chosen)
    ).order_by(*sort.ordering)
    return sort, enterprises


def enterprise_rows(
    enterprises: Iterable[Any], period: int, *, user: policies.Actor
) -> list[EnterpriseRow]:
    """The enterprises list's rows: the report's status in words, overdue and late."""
    due_on = period_due_on(period)
    past_due = timezone.localdate() > due_on
    linked = policies.can_read_enterprise_pages(user)
    rows = []
    for enterprise in enterprises:
        # report_status and report_late are annotated by scope_enterprises.
        status = getattr(enterprise, "report_status", None) or "missing"
        handed_in = status != Status.DRAFT and status != "missing"
        rows.append(
            EnterpriseRow(
                enterprise=enterprise,
                status=status,
                status_label=str(REPORT_STATUS_LABELS.get(status, status)),
                overdue=past_due and not handed_in,
                late=bool(getattr(enterprise, "report_late", False)) and handed_in,
                url=reverse("progress:enterprise", args=[enterprise.uscc]) if linked else None,
            )
        )
    return rows


# -- maturity -----------------------------------------------------------------------------


@dataclass
class Maturity:
    """How many of the scope's enterprises are at each level in their latest approved
    report up to the quarter (``None``: no approved report or no value)."""

    dcmm: dict[int | None, int]
    smart: dict[int | None, int]

    @property
    def total(self) -> int:
        return sum(self.dcmm.values())

    @property
    def rows(self) -> list[dict[str, Any]]:
        rows: list[dict[str, Any]] = [
            {
                "level": level,
                "dcmm_label": DCMM_LEVELS[level],
                "smart_label": SMART_MFG_LEVELS[level],
                "dcmm": self.dcmm.get(level, 0),
                "smart": self.smart.get(level, 0),
            }
            for level in LEVELS
        ]
        rows.append(
            {
                "level": None,
                "dcmm_label": "",
                "smart_label": "",
                "dcmm": self.dcmm.get(None, 0),
                "smart": self.smart.get(None, 0),
            }
        )
        return rows


def maturity_counts(scope: Scope, period: int) -> Maturity:
    """Counts per DCMM level and per smart-manufacturing level of the scope's enterprises
    active at the quarter's end, each read from its latest approved report up to P (a
    latest report without the value: no level).

    One aggregate query: per enterprise, the latest approved quarter is found once and both
    levels are read from it in one correlated sum that packs them into one number,
    ``(dcmm + 1) × 10 + (smart + 1)`` (levels are 0-5; a missing one adds nothing), then the
    enterprises are counted per packed number."""
    end = period_end(period)
    latest = (
        Submission.objects.filter(enterprise=OuterRef(OuterRef("pk")), status=Status.APPROVED)
        .filter(period__lte=period)
        .order_by("-period")
        .values("period")[:1]
    )
    packed = (
        MetricValue.objects.filter(
            enterprise=OuterRef("pk"),
            approved=True,
            period=Subquery(latest),
            metric__code__in=(DCMM, SMART_MFG),
        )
        .values("enterprise")
        .annotate(
            packed=Sum(
                Case(
                    When(metric__code=DCMM, then=(F("value") + 1) * 10),
                    default=F("value") + 1,
                    output_field=IntegerField(),
                )
            )
        )
        .values("packed")[:1]
    )
    rows = (
        Enterprise.objects.filter(scope.enterprise_q(), active_q(end))
        .annotate(packed=Subquery(packed, output_field=IntegerField()))
        .values_list("packed")
        .annotate(n=Count("pk"))
        .order_by()
    )
    dcmm: Counter[int | None] = Counter()
    smart: Counter[int | None] = Counter()
    for value, n in rows:
        number = round(float(value)) if value is not None else 0
        dcmm[_level(number // 10 - 1)] += n
        smart[_level(number % 10 - 1)] += n
    return Maturity(dcmm=dict(dcmm), smart=dict(smart))


def _level(number: int) -> int | None:
    return number if number in LEVELS else None


def _maturity_chart(maturity: Maturity) -> dict[str, Any] | None:
    if not maturity.total:
        return None
    labels = [str(level) for level in LEVELS] + [_("No value")]
    keys: list[int | None] = [*LEVELS, None]
    traces = []
    for name, counts, names, colour in (
        (_("DCMM (GB/T 36073)"), maturity.dcmm, DCMM_LEVELS, BRAND),
        (_("Smart manufacturing (GB/T 39116)"), maturity.smart, SMART_MFG_LEVELS, PURPLE),
    ):
        hover = [
            _("%(metric)s, level %(level)s (%(name)s): %(n)s enterprises")
            % {"metric": name, "level": key, "name": names[key], "n": counts.get(key, 0)}
            if key is not None
            else _("%(metric)s, no approved report or no value: %(n)s enterprises")
            % {"metric": name, "n": counts.get(key, 0)}
            for key in keys
        ]
        traces.append(
            {
                "type": "bar",
                "x": labels,
                "y": [counts.get(key, 0) for key in keys],
                "name": name,
                "marker": {"color": colour},
                "hovertext": hover,
                "hoverinfo": "text",
            }
        )
    layout = base_layout(x_title=_("Level"), y_title=_("Enterprises"), height=320)
    layout["barmode"] = "group"
    layout["hovermode"] = "closest"
    layout["xaxis"]["type"] = "category"
    layout["legend"]["y"] = -0.3
    layout["margin"]["b"] = 80
    return figure(data=traces, layout=layout)


# -- designations -------------------------------------------------------------------------


def scope_designations(scope: Scope, period: int, *, user: policies.Actor) -> QuerySet[Designation]:
    """Designations granted up to the quarter's end to the scope's enterprises, to the park
    (or the district's parks) and, for a district, to its providers; newest first."""
    if scope.kind is ScopeKind.PARK:
        subject = Q(enterprise__park__code=scope.code) | Q(park__code=scope.code)
    else:
        subject = (
            Q(enterprise__district__code=scope.code)
            | Q(park__district__code=scope.code)
            | Q(provider__district__code=scope.code)
        )
    return (
        Designation.objects.filter(subject, granted_on__lte=period_end(period))
        .filter(policies.designation_q(user))
        .select_related("kind", "enterprise", "park", "provider")
        .order_by("-granted_on", "-id")
    )


def _own_page(
    request: HttpRequest, queryset: QuerySet[Any], param: str, per_page: int
) -> Page[Any]:
    return Paginator(queryset, per_page).get_page(request.GET.get(param))


def _page_link(request: HttpRequest, param: str, number: int, anchor: str) -> str:
    params = request.GET.copy()
    params[param] = str(number)
    return f"?{params.urlencode()}#{anchor}"


# -- the page -----------------------------------------------------------------------------


def _scope_page(request: HttpRequest, scope: Scope) -> HttpResponse:
    user = request.user
    choice = quarter_choice(request)
    period = choice.period
    chosen, mine, city = scope_figures(scope, period)
    context: dict[str, Any] = {
        "scope": scope,
        "scope_kind": scope.kind.value,
        "choice": choice,
        "plans": target_plans(chosen, mine, city, scope, choice.label),
        "has_allocations": any(
            f.target_value is not None or f.planned is not None or f.status is not None
            for f in mine.values()
        ),
        "cards": allocated_cards(scope, period, chosen, mine),
        "share_chart": _share_chart(chosen, mine, city),
        "compare_url": (
            f"{reverse('progress:compare')}?level={scope.kind.value}&period={choice.label}"
            if policies.sees_everything(user)
            else None
        ),
        **_header(scope, user, choice),
    }
    if period is not None:
        sort, enterprises = scope_enterprise_query(request, scope, period, chosen)
        page = page_of(request, enterprises)
        designations = _own_page(
            request,
            scope_designations(scope, period, user=user),
            "dpage",
            DESIGNATIONS_PER_PAGE,
        )
        maturity = maturity_counts(scope, period)
        figures: Completeness = completeness(period=period, scope=scope)
        context.update(
            sort=sort,
            page=page,
            enterprises=enterprise_rows(page.object_list, period, user=user),
            completeness=figures,
            completeness_url=(
                f"{reverse('reporting:completeness')}?period={choice.label}&scope={scope}"
            ),
            maturity=maturity,
            maturity_chart=_maturity_chart(maturity),
            designations=designations,
            designation_prev=(
                _page_link(request, "dpage", designations.previous_page_number(), "designations")
                if designations.has_previous()
                else None
            ),
            designation_next=(
                _page_link(request, "dpage", designations.next_page_number(), "designations")
                if designations.has_next()
                else None
            ),
            period_end=period_end(period),
        )
    return render(request, "progress/scope.html", context)


def _header(scope: Scope, user: policies.Actor, choice: QuarterChoice) -> dict[str, Any]:
    """For a park its district (linked when the user may open it); for a district its
    parks (one query)."""
    if scope.kind is ScopeKind.PARK:
        park = Park.objects.select_related("district").filter(code=scope.code).first()
        district = park.district if park is not None else None
        district_url = (
            scope_url(user, Scope.district(district.code), period=choice.label)
            if district is not None
            else None
        )
        return {"district": district, "district_url": district_url, "parks": []}
    parks = [
        (park, scope_url(user, Scope.park(park.code), period=choice.label))
        for park in Park.objects.filter(district__code=scope.code).order_by("code")
    ]
    return {"district": None, "district_url": None, "parks": parks}


# --- the comparison ---------------------------------------------------------------------


@dataclass
class Cell:
    target: Target
    actual: Decimal | None
    share: Decimal | None
    behind: bool  # share of city below the scope's share of the city's active enterprises
    text: str = ""  # what the page shows (actual, share or status, as the measure says)
    status: str | None = None  # where the target is allocated to the scope

    @property
    def rank(self) -> int | None:
        """The status from worst (0, missed) to best (4, achieved); None without one."""
        return STATUS_RANK.get(ProgressStatus(self.status)) if self.status else None


@dataclass
class CompareRow:
    scope: Scope
    label: str
    url: str | None
    district: str
    enterprises: int
    enterprise_share: Decimal | None
    cells: list[Cell]
    html: SafeString = field(default_factory=lambda: SafeString(""))

    @property
    def behind(self) -> int:
        return sum(1 for cell in self.cells if cell.behind)

    def cells_html(self, behind_label: str) -> SafeString:
        """The row's cells (900 of them for the parks: written here, not by the template
        engine, which takes ten times as long)."""
        return format_html_join(
            "",
            '<td class="cell{}" data-target="{}">{}{}</td>',
            (
                (
                    " behind" if cell.behind else "",
                    cell.target.code,
                    cell.text,
                    format_html(
                        ' <span class="lag" title="{}">▼<span class="visually-hidden"> {}</span>'
                        "</span>",
                        behind_label,
                        behind_label,
                    )
                    if cell.behind
                    else "",
                )
                for cell in self.cells
            ),
        )


def compare_rows(
    level: ScopeKind, period: int | None, chosen: list[Target], measure: str = "share"
) -> list[CompareRow]:
    """Every district (or park) with its figure for every target (three queries: the scopes,
    the quarter's figures, the active enterprises per scope). A cell is "behind" when the
    scope's share of the city's figure is below its share of the city's active
    enterprises; by status (``measure`` "status"), when the target allocated to the scope is
    at risk, off track or missed."""
    if level is ScopeKind.PARK:
        parks = Park.objects.select_related("district").order_by("code")
        scopes = [(Scope.park(p.code, p.name_zh, p.name_en), p.district.name) for p in parks]
    else:
        scopes = [
            (Scope.district(d.code, d.name_zh, d.name_en), "")
            for d in District.objects.order_by("code")
        ]
    figures: dict[tuple[str, int], tuple[Decimal, Decimal | None, str | None]] = {}
    counts: dict[str, int] = {}
    if period is not None:
        rows = Snapshot.objects.filter(
            period=period, scope__startswith=f"{level.value}:"
        ).values_list("scope", "target_id", "actual", "share_of_city", "status")
        figures = {(s, t): (a, share, status) for s, t, a, share, status in rows}
        field_name = "park__code" if level is ScopeKind.PARK else "district__code"
        for code, n in (
            Enterprise.objects.active_on(period_end(period))
            .values_list(field_name)
            .annotate(n=Count("pk"))
            .order_by()
        ):
            if code is not None:
                counts[f"{level.value}:{code}"] = n
    # The city's active enterprises (those outside any park count for the city too).
    total = (
        Enterprise.objects.active_on(period_end(period)).count()
        if period is not None and level is ScopeKind.PARK
        else sum(counts.values())
    )
    # Targets no district (park) has any part of (a programme or, for parks, a provider
    # designation) flag no one.
    attributed = {t for (_s, t), (_a, share, _status) in figures.items() if share}
    result = []
    for scope, district in scopes:
        n = counts.get(str(scope), 0)
        enterprise_share = share_round(n, total) if total else None
        cells = []
        for target in chosen:
            actual, share, status = figures.get((str(scope), target.pk), (None, None, None))
            behind = (
                target.pk in attributed
                and share is not None
                and enterprise_share is not None
                and share < enterprise_share
            )
            if measure == "status":
                # Behind the allocation's plan, or past its deadline without reaching it.
                behind = status in LAGGING
                text = _status_words(status)
            else:
                text = num(actual) if measure == "actual" else pct(share)
            cells.append(Cell(target, actual, share, behind, text, status))
        result.append(CompareRow(scope, scope.label, None, district, n, enterprise_share, cells))
    return result


def _status_words(status: str | None) -> str:
    """A status as its icon and words ("—" without one: the target is not allocated)."""
    if not status:
        return "—"
    return f"{STATUS_ICONS[status]} {ProgressStatus(status).label}"


def _compare_sort(request: HttpRequest, chosen: list[Target]) -> Sort:
    columns: dict[str, tuple[str, ...]] = {
        "name": ("name",),
        "enterprises": ("enterprises",),
        "behind": ("behind",),
    }
    columns.update({t.code: (t.code,) for t in chosen})
    return sort_from(request, columns, default="name")


def _sorted(rows: list[CompareRow], sort: Sort, measure: str) -> list[CompareRow]:
    """Rows in the order asked (by code for "name"); empty cells last in either direction."""
    if sort.key == "name":
        return sorted(rows, key=lambda r: r.scope.code, reverse=sort.descending)
    if sort.key == "enterprises":
        return sorted(rows, key=lambda r: (r.enterprises, r.scope.code), reverse=sort.descending)
    if sort.key == "behind":
        return sorted(rows, key=lambda r: (r.behind, r.scope.code), reverse=sort.descending)
    if not rows:
        return rows
    index = next(i for i, c in enumerate(rows[0].cells) if c.target.code == sort.key)

    def value(row: CompareRow) -> Decimal | int | None:
        cell = row.cells[index]
        if measure == "status":
            return cell.rank
        return cell.actual if measure == "actual" else cell.share

    present = [r for r in rows if value(r) is not None]
    empty = [r for r in rows if value(r) is None]
    present.sort(key=lambda r: (value(r), r.scope.code), reverse=sort.descending)
    return present + empty


def _heatmap(rows: list[CompareRow], chosen: list[Target], measure: str) -> dict[str, Any] | None:
    """Targets across, scopes down; colours by share of city (0-100 %), or for actual values
    by each one's percentage of the highest in its target's column (targets differ in
    units). Dark text on a light-to-medium scale stays readable on every cell."""
    if not rows:
        return None
    highest: list[Decimal] = [
        max((row.cells[i].actual or Decimal(0) for row in rows), default=Decimal(0))
        for i in range(len(chosen))
    ]
    words = _("%(scope)s · %(target)s<br>actual %(actual)s · share of city %(share)s")
    behind_words = _("below its share of the city's enterprises")
    names = [t.name for t in chosen]
    z: list[list[float | None]] = []
    text: list[list[str]] = []
    hover: list[list[str]] = []
    status_words = _("%(scope)s · %(target)s<br>status: %(status)s · actual %(actual)s")
    for row in rows:
        z_row: list[float | None] = []
        hover_row: list[str] = []
        for i, cell in enumerate(row.cells):
            if measure == "status":
                z_row.append(None if cell.rank is None else float(cell.rank))
                hover_row.append(
                    status_words
                    % {
                        "scope": row.label,
                        "target": names[i],
                        "status": ProgressStatus(cell.status).label
                        if cell.status
                        else _("not allocated"),
                        "actual": num(cell.actual),
                    }
                )
                continue
            if measure == "actual":
                top = highest[i]
                z_row.append(
                    None
                    if cell.actual is None
                    else (float(cell.actual * 100 / top) if top else 0.0)
                )
            else:
                z_row.append(None if cell.share is None else float(cell.share))
            line = words % {
                "scope": row.label,
                "target": names[i],
                "actual": num(cell.actual),
                "share": pct(cell.share),
            }
            hover_row.append(f"{line}<br>▼ {behind_words}" if cell.behind else line)
        z.append(z_row)
        if measure == "status":
            text.append([STATUS_ICONS.get(cell.status or "", "") for cell in row.cells])
        else:
            text.append([cell.text.rstrip("%") for cell in row.cells])
        hover.append(hover_row)
    colour_title = (
        _("Percent of the highest for the target")
        if measure == "actual"
        else _("Share of city (%)")
    )
    # Shares of 50 parks are small: the darkest colour goes to the largest share shown, so
    # that the laggards stand out among them too.
    largest = max((v for z_row in z for v in z_row if v is not None), default=0.0)
    zmax = 100.0 if measure == "actual" else max(1.0, min(100.0, largest))
    colour_bar: dict[str, Any] = {
        "title": {"text": colour_title, "side": "right"},
        "thickness": 12,
    }
    scale: list[list[Any]] = HEAT_SCALE
    if measure == "status":
        zmax, scale = 4.0, STATUS_SCALE
        colour_bar = {
            "title": {"text": _("Status"), "side": "right"},
            "thickness": 12,
            "tickvals": list(STATUS_RANK.values()),
            "ticktext": [str(status.label) for status in STATUS_RANK],
        }
    heat = {
        "type": "heatmap",
        "z": z,
        "x": [t.code for t in chosen],
        "y": [row.label for row in rows],
        "text": text,
        "texttemplate": "%{text}",
        "textfont": {"color": INK, "size": 11},
        "hovertext": hover,
        "hoverinfo": "text",
        "colorscale": scale,
        "zmin": 0,
        "zmax": zmax,
        "xgap": 1,
        "ygap": 1,
        "colorbar": colour_bar,
    }
    layout = base_layout(height=140 + 26 * len(rows))
    layout["hovermode"] = "closest"
    layout["margin"] = {"l": 8, "r": 8, "t": 8, "b": 8}
    layout["xaxis"].update(
        {"side": "top", "tickangle": -45, "automargin": True, "gridcolor": "rgba(0,0,0,0)"}
    )
    layout["yaxis"].update(
        {
            "autorange": "reversed",
            "automargin": True,
            "rangemode": "normal",
            "gridcolor": "rgba(0,0,0,0)",
            "zeroline": False,
        }
    )
    return figure(data=[heat], layout=layout)


@dataclass
class Comparison:
    """The comparison the URL asks for (``period``, ``level``, ``measure``, ``sort``): the
    page and its download (exchange.tables) read the same."""

    choice: QuarterChoice
    level: ScopeKind
    measure: str
    targets: list[Target]
    rows: list[CompareRow]
    sort: Sort


def comparison(request: HttpRequest) -> Comparison:
    """Every district (or park) with its figure for every target, in the order asked."""
    choice = quarter_choice(request)
    level = ScopeKind.PARK if request.GET.get("level") == "park" else ScopeKind.DISTRICT
    asked = request.GET.get("measure")
    measure = asked if asked in MEASURES else "share"
    chosen = list(targets())
    rows = compare_rows(level, choice.period, chosen, measure)
    sort = _compare_sort(request, chosen)
    return Comparison(choice, level, measure, chosen, _sorted(rows, sort, measure), sort)


@require(policies.sees_everything)
def compare_page(request: HttpRequest) -> HttpResponse:
    """Targets × districts (or parks) as a heat map of share of city (or actual), with the
    same numbers in a table sortable by any target."""
    user = request.user
    found = comparison(request)
    choice, level, measure, chosen = found.choice, found.level, found.measure, found.targets
    rows, sort = found.rows, found.sort
    behind_label = (
        _("behind its allocation")
        if measure == "status"
        else _("below its share of the city's enterprises")
    )
    for row in rows:
        row.url = scope_url(user, row.scope, period=choice.label)
        row.html = row.cells_html(behind_label)
    context = {
        "choice": choice,
        "level": level.value,
        "measure": measure,
        "targets": chosen,
        "rows": rows,
        "sort": sort,
        "heatmap": _heatmap(rows, chosen, measure) if choice.period is not None else None,
        "level_choices": [("district", _("Districts")), ("park", _("Parks"))],
        "measure_choices": [
            ("share", _("Share of city")),
            ("actual", _("Actual")),
            ("status", _("Status (allocated targets)")),
        ],
    }
    return render(request, "progress/compare.html", context)
