"""The enterprise profile: who the enterprise is, how it stands on the dimensions officials
judge an enterprise by (seed 004: 空间 space, 人才 talent, 资本 capital, 产品 product,
创新 innovation, 经营 operations), its reports quarter by quarter, its figures over time,
the items it claimed and whether the targets count them, and its designations.

Who may open it: ``policies.can_read_enterprise_pages`` and the enterprise among
``policies.enterprise_q`` (officials and analysts any, a park manager their park's, a
district official their district's, a reporter their own); any other enterprise answers
404, as if it did not exist.

Figures come from approved reports only: for each metric the latest approved value, with
the quarter it is from. Whether an item or a designation counts is the rule's own answer:
the ``counted(...)`` querysets of ``progress.rules`` (ItemDistinct, DesignationCount), read
for every target that reads the item's or designation's kind.

Queries are bounded whatever the number of reports, values, items and designations: one per
kind of row, plus one for the items all item targets count and one for the designations all
designation targets count.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import F, IntegerField, Q, QuerySet, Value
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core import policies
from core.templatetags.dx import num
from core.views import require
from enterprises.models import Designation, Enterprise
from enterprises.uscc import uscc_normalise
from reporting.forms import ATTRIBUTE_VALUE_LABELS
from reporting.models import Item, MetricValue, Submission
from reporting.obligations import reporting_periods
from reporting.selectors import submission_list
from targets.models import ItemKind, Metric, Target
from targets.periods import last_ended_period, period_due_on, period_end, period_format, today
from targets.rules import RuleKind
from targets.scopes import Scope

from ..charts import BRAND, GRID, INK, base_layout, figure, is_chinese
from ..rules import DesignationCount, ItemDistinct, Rule, rule_for
from .common import scope_url, target_url
from .maturity import SCALES_BY_CODE

Status = Submission.Status

# --- the dimensions ---------------------------------------------------------------------

SPACE, TALENT, CAPITAL, PRODUCT, INNOVATION, OPERATIONS = (
    "space",
    "talent",
    "capital",
    "product",
    "innovation",
    "operations",
)
DIMENSIONS: dict[str, tuple[Promise, Promise]] = {
    SPACE: (gettext_lazy("Space"), gettext_lazy("Where the enterprise is: district and park.")),
    TALENT: (
        gettext_lazy("Talent"),
        gettext_lazy("High-end and backbone digital talents added, dedicated digital staff."),
    ),
    CAPITAL: (
        gettext_lazy("Capital"),
        gettext_lazy("Digital investment, R&D spending and revenue."),
    ),
    PRODUCT: (
        gettext_lazy("Product"),
        gettext_lazy(
            "AI-assisted drugs entering clinical trials and intelligent devices approved."
        ),
    ),
    INNOVATION: (
        gettext_lazy("Innovation"),
        gettext_lazy("Standards and application scenarios, data management maturity (DCMM)."),
    ),
    OPERATIONS: (
        gettext_lazy("Operations"),
        gettext_lazy(
            "Information systems in use, cloud, transformation, smart-manufacturing maturity."
        ),
    ),
}
# The catalogue's metric groups (targets.models.Metric.Group) onto the dimensions; DCMM (data
# management capability) is read as innovation, the other maturity level as operations.
GROUP_DIMENSIONS: dict[str, str] = {
    Metric.Group.TALENT: TALENT,
    Metric.Group.INVESTMENT: CAPITAL,
    Metric.Group.TRANSFORMATION: OPERATIONS,
    Metric.Group.SYSTEMS: OPERATIONS,
    Metric.Group.MATURITY: OPERATIONS,
}
METRIC_DIMENSIONS = {"dcmm_level": INNOVATION}
ITEM_DIMENSIONS = {"ai_drug_clinical": PRODUCT, "smart_device_approval": PRODUCT}


def metric_dimension(metric: Metric) -> str:
    return METRIC_DIMENSIONS.get(metric.code) or GROUP_DIMENSIONS.get(metric.group, OPERATIONS)


def item_dimension(kind_code: str) -> str:
    return ITEM_DIMENSIONS.get(kind_code, INNOVATION)


# --- figures ----------------------------------------------------------------------------

Series = dict[int, dict[int, Decimal]]  # metric id → quarter → approved value


def value_display(metric: Metric, value: Decimal | None) -> str:
    """A metric's value as people read it: yes/no, a level with its name, a number."""
    if value is None:
        return "—"
    if metric.type == Metric.Type.BOOLEAN:
        return _("Yes") if value else _("No")
    if metric.type == Metric.Type.LEVEL:
        scale = SCALES_BY_CODE.get(metric.code)
        return scale.label(int(value)) if scale is not None else num(value, 0)
    return num(value)


@dataclass
class Figure:
    """A metric's latest approved value and the quarter it is from."""

    metric: Metric
    value: Decimal | None
    period: int | None
    targets: list[tuple[str, str]] = field(default_factory=list)  # (code, url)

    @property
    def display(self) -> str:
        return value_display(self.metric, self.value)

    @property
    def unit(self) -> str:
        if self.value is None or self.metric.type in (Metric.Type.BOOLEAN, Metric.Type.LEVEL):
            return ""
        return self.metric.unit

    @property
    def period_label(self) -> str:
        return period_format(self.period) if self.period is not None else ""

    @property
    def semantics(self) -> str:
        return str(Metric.Semantics(self.metric.semantics).label)


@dataclass
class ItemSummary:
    kind_code: str
    kind_name: str
    claimed: int = 0
    counting: int = 0


@dataclass
class Dimension:
    key: str
    title: str
    lead: str
    figures: list[Figure] = field(default_factory=list)
    items: list[ItemSummary] = field(default_factory=list)
    chart: dict[str, Any] | None = None
    table_rows: list[tuple[str, list[str]]] = field(default_factory=list)

    @property
    def chart_id(self) -> str:
        return f"chart-{self.key}"


def series_of(enterprise: Enterprise) -> Series:
    """Every approved value of the enterprise (one query)."""
    series: Series = defaultdict(dict)
    rows = MetricValue.objects.filter(enterprise=enterprise, approved=True).values_list(
        "metric_id", "period", "value"
    )
    for metric_id, period, value in rows:
        series[metric_id][period] = value
    return series


def latest_figure(metric: Metric, series: Series) -> Figure:
    values = series.get(metric.pk, {})
    if not values:
        return Figure(metric, None, None)
    period = max(values)
    return Figure(metric, values[period], period)


# --- small multiples ---------------------------------------------------------------------


@dataclass
class Panel:
    title: str
    unit: str
    values: list[Decimal | None]
    level: bool = False


def small_multiples(panels: list[Panel], quarters: list[str]) -> dict[str, Any]:
    """One line chart per panel, stacked, sharing the quarter axis."""
    count = len(panels)
    gap = 0.32 / count if count > 1 else 0.0
    size = (1 - gap * (count - 1)) / count
    layout = base_layout(height=70 + 190 * count)
    x_style, y_style = layout.pop("xaxis"), layout.pop("yaxis")
    layout["showlegend"] = False
    layout["margin"]["t"] = 32
    annotations = []
    traces = []
    for index, panel in enumerate(panels):
        suffix = "" if index == 0 else str(index + 1)
        top = 1 - index * (size + gap)
        layout[f"xaxis{suffix}"] = {
            **x_style,
            "type": "category",
            "anchor": f"y{suffix}",
            "showticklabels": index == count - 1,
            **({"matches": "x"} if index else {}),
        }
        y_axis = {**y_style, "domain": [top - size, top], "anchor": f"x{suffix}"}
        y_axis["title"] = {"text": panel.unit}
        if panel.level:
            y_axis.update(range=[-0.2, 5.2], dtick=1)
        layout[f"yaxis{suffix}"] = y_axis
        annotations.append(
            {
                "text": f"<b>{panel.title}</b>",
                "x": 0,
                "y": top,
                "xref": "paper",
                "yref": "paper",
                "xanchor": "left",
                "yanchor": "bottom",
                "showarrow": False,
                "font": {"size": 13, "color": INK},
            }
        )
        traces.append(
            {
                "type": "scatter",
                "mode": "lines+markers",
                "name": panel.title,
                "x": quarters,
                "y": [float(v) if v is not None else None for v in panel.values],
                "xaxis": f"x{suffix}",
                "yaxis": f"y{suffix}",
                "line": {"color": BRAND, "width": 2, "shape": "hv" if panel.level else "linear"},
                "marker": {"size": 6, "color": BRAND},
                "connectgaps": False,
                "hovertemplate": "%{x}: %{y:,}"
                + (f" {panel.unit}" if panel.unit else "")
                + "<extra></extra>",
            }
        )
    layout["annotations"] = annotations
    layout["hovermode"] = "closest"
    layout["xaxis"]["gridcolor"] = GRID
    return figure(data=traces, layout=layout)


SYSTEMS_IN_USE = "systems"


@dataclass
class TableLine:
    """A row of a dimension's table: a metric's approved value per quarter, or (``metric``
    None) the number of information systems in use."""

    label: str
    metric: Metric | None
    values: list[Decimal | None]

    @property
    def display(self) -> list[str]:
        if self.metric is None:
            return [num(v, 0) if v is not None else "—" for v in self.values]
        metric = self.metric
        return [value_display(metric, v) for v in self.values]


def metric_lines(metrics: list[Metric], series: Series, quarters: list[int]) -> list[TableLine]:
    """The table of a dimension's metrics by quarter (for operations first the number of
    information systems in use): the page's table and the download's rows."""
    lines = [
        TableLine(
            _metric_row_label(metric),
            metric,
            [series.get(metric.pk, {}).get(p) for p in quarters],
        )
        for metric in metrics
    ]
    systems = [m for m in metrics if m.group == Metric.Group.SYSTEMS]
    if systems:
        in_use: list[Decimal | None] = []
        for period in quarters:
            answers = [series.get(m.pk, {}).get(period) for m in systems]
            known = [a for a in answers if a is not None]
            in_use.append(Decimal(sum(1 for a in known if a)) if known else None)
        title = _("Information systems in use (of %(n)s)") % {"n": len(systems)}
        lines.insert(0, TableLine(title, None, in_use))
    return lines


def metrics_by_dimension(metrics: list[Metric]) -> dict[str, list[Metric]]:
    """The metrics of each dimension, in the order of ``DIMENSIONS`` (those with metrics)."""
    grouped: dict[str, list[Metric]] = defaultdict(list)
    for metric in metrics:
        grouped[metric_dimension(metric)].append(metric)
    return {key: grouped[key] for key in DIMENSIONS if key in grouped}


def dimension_series(
    dimension: Dimension, metrics: list[Metric], series: Series, quarters: list[int]
) -> None:
    """The dimension's chart (one panel per numeric metric; for operations also the number
    of information systems in use) and the table under it (every metric, flags too)."""
    labels = [period_format(p) for p in quarters]
    panels: list[Panel] = []
    lines = metric_lines(metrics, series, quarters)
    for line in lines:
        metric = line.metric
        if metric is None or metric.type == Metric.Type.BOOLEAN:
            continue
        level = metric.type == Metric.Type.LEVEL
        scale = SCALES_BY_CODE.get(metric.code)
        # The level metrics' names run long (standard and assessment); the chart
        # names the maturity model, the table under it the metric in full.
        title = str(scale.title) if level and scale is not None else metric.name
        panels.append(Panel(title, "" if level else metric.unit, line.values, level=level))
    if lines and lines[0].metric is None:
        panels.append(Panel(lines[0].label, "", lines[0].values))
    if panels and quarters:
        dimension.chart = small_multiples(panels, labels)
    dimension.table_rows = [(line.label, line.display) for line in lines]


def _metric_row_label(metric: Metric) -> str:
    unit = "" if metric.type in (Metric.Type.BOOLEAN, Metric.Type.LEVEL) else metric.unit
    return f"{metric.name} ({unit})" if unit else metric.name


def quarter_range(series: Series) -> list[int]:
    """Every quarter from the first to the last with an approved value."""
    periods = {p for values in series.values() for p in values}
    return list(range(min(periods), max(periods) + 1)) if periods else []


# --- report history ---------------------------------------------------------------------


@dataclass
class HistoryRow:
    period: int
    owed: bool
    submission: Mapping[str, Any] | None
    overdue: bool
    url: str | None

    @property
    def period_label(self) -> str:
        return period_format(self.period)

    @property
    def due_on(self) -> dt.date:
        return period_due_on(self.period)

    @property
    def status(self) -> str:
        if self.submission is not None:
            return str(self.submission["status"])
        return "missing" if self.owed else "not_started"

    @property
    def status_label(self) -> str:
        if self.submission is not None:
            return str(Status(self.submission["status"]).label)
        return _("Not submitted")


def history(enterprise: Enterprise, user: policies.Actor) -> list[HistoryRow]:
    """Every quarter the enterprise owes (``reporting_periods``) and every quarter it
    reported, newest first, with the report's status (one query)."""
    on = today()
    reports = {
        row["period"]: row
        for row in submission_list(user=user)
        .filter(enterprise=enterprise)
        .order_by()
        .values(
            "pk", "period", "status", "late", "submitted_at", "first_submitted_at", "reviewed_at"
        )
    }
    owed = set(reporting_periods(enterprise, today=on))
    rows = []
    for period in sorted(owed | set(reports), reverse=True):
        report = reports.get(period)
        handed_in = report is not None and (
            report["first_submitted_at"] is not None or report["status"] != Status.DRAFT
        )
        rows.append(
            HistoryRow(
                period=period,
                owed=period in owed,
                submission=report,
                overdue=period in owed and on > period_due_on(period) and not handed_in,
                url=reverse("reporting:report-detail", args=[report["pk"]]) if report else None,
            )
        )
    return rows


# --- items and designations: whether they count -----------------------------------------


@dataclass
class Verdict:
    target_code: str
    target_name: str
    url: str
    state: str  # "counts", "not" or "pending"
    reason: str
    # The enterprise that claimed the identifier first, when the user may open its profile.
    link: tuple[str, str] | None = None

    @property
    def counts(self) -> bool:
        return self.state == "counts"


@dataclass
class ItemRow:
    pk: int
    enterprise_id: int
    kind_code: str
    kind_name: str
    identifier: str
    key: str
    title: str
    date: dt.date
    period: int
    status: str
    report_url: str
    attributes: dict[str, Any]
    verdicts: list[Verdict] = field(default_factory=list)

    @property
    def status_label(self) -> str:
        return str(Status(self.status).label)

    @property
    def attributes_display(self) -> str:
        return ", ".join(str(ATTRIBUTE_VALUE_LABELS.get(v, v)) for v in self.attributes.values())

    @property
    def period_label(self) -> str:
        return period_format(self.period)

    @property
    def counts(self) -> bool:
        return any(v.counts for v in self.verdicts)


@dataclass
class DesignationRow:
    designation: Designation
    verdicts: list[Verdict] = field(default_factory=list)

    @property
    def counts(self) -> bool:
        return any(v.counts for v in self.verdicts)


def rules_by_source(targets: list[Target], kind: RuleKind) -> dict[str, list[Rule]]:
    found: dict[str, list[Rule]] = defaultdict(list)
    for target in targets:
        rule = rule_for(target)
        if rule.spec.kind is kind:
            found[rule.spec.source].append(rule)
    return found


def item_rows(enterprise: Enterprise) -> list[ItemRow]:
    """The enterprise's items in every report (one query), by kind, newest first."""
    rows = (
        Item.objects.filter(enterprise=enterprise)
        .order_by("kind_id", "-date", "-id")
        .values(
            "pk",
            "identifier",
            "identifier_key",
            "title",
            "date",
            "period",
            "attributes",
            "submission_id",
            kind_code=F("kind__code"),
            kind_zh=F("kind__name_zh"),
            kind_en=F("kind__name_en"),
            status=F("submission__status"),
        )
    )
    chinese = is_chinese()
    return [
        ItemRow(
            pk=row["pk"],
            enterprise_id=enterprise.pk,
            kind_code=row["kind_code"],
            kind_name=row["kind_zh"] if chinese or not row["kind_en"] else row["kind_en"],
            identifier=row["identifier"],
            key=row["identifier_key"],
            title=row["title"],
            date=row["date"],
            period=row["period"],
            status=row["status"],
            report_url=reverse("reporting:report-detail", args=[row["submission_id"]]),
            attributes=row["attributes"] or {},
        )
        for row in rows
    ]


def item_claims(
    enterprise: Enterprise, rules: list[ItemDistinct], until: dt.date
) -> dict[int, list[dict[str, Any]]]:
    """For each item rule (by target id): the claims its ``counted`` queryset counts whose
    key this enterprise also claimed, of every enterprise (per-enterprise keys: of this
    enterprise), oldest first — one query for every rule together."""
    if not rules:
        return {}
    # ``ItemDistinct.per_enterprise`` for every rule at once (one query, not one per rule).
    per_enterprise = {
        code
        for code, dedupe in ItemKind.objects.values_list("code", "dedupe")
        if dedupe == ItemKind.Dedupe.ENTERPRISE_IDENTIFIER
    }
    parts: list[QuerySet[Any]] = []
    for rule in rules:
        mine = Item.objects.filter(enterprise=enterprise, kind__code=rule.spec.source)
        claims = rule.counted(until).filter(identifier_key__in=mine.values("identifier_key"))
        if rule.spec.source in per_enterprise:
            claims = claims.filter(enterprise=enterprise)
        parts.append(
            claims.order_by()
            .annotate(target=Value(rule.target.pk, output_field=IntegerField()))
            .values("target", "pk", "enterprise_id", "identifier_key", "date", "period")
        )
    query = parts[0].union(*parts[1:], all=True) if len(parts) > 1 else parts[0]
    claims_by_rule: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for row in query:
        claims_by_rule[row["target"]].append(row)
    for rows in claims_by_rule.values():
        rows.sort(key=lambda r: (r["date"], r["pk"]))
    return claims_by_rule


def first_claimants(
    claims: dict[int, list[dict[str, Any]]], enterprise: Enterprise, user: policies.Actor
) -> dict[int, tuple[str, str]]:
    """The names and USCCs of the other enterprises that claimed one of this enterprise's
    identifiers first, when the user may see them (one query, none when there are none)."""
    firsts: set[int] = set()
    for rows in claims.values():
        seen: set[str] = set()
        for row in rows:
            if row["identifier_key"] not in seen:
                seen.add(row["identifier_key"])
                firsts.add(row["enterprise_id"])
    firsts.discard(enterprise.pk)
    if not firsts:
        return {}
    found = (
        Enterprise.objects.filter(policies.enterprise_q(user), pk__in=sorted(firsts))
        .order_by()
        .values_list("pk", "name", "uscc")
    )
    return {pk: (name, uscc) for pk, name, uscc in found}


def item_verdict(
    item: ItemRow,
    rule: ItemDistinct,
    claims: list[dict[str, Any]],
    names: dict[int, tuple[str, str]],
    until: dt.date,
) -> Verdict:
    """Whether the rule counts this item (it is among the rule's counted claims and the
    first of its key), and why not."""
    target = rule.target
    verdict = _verdict_maker(target)
    if any(claim["pk"] == item.pk for claim in claims):
        first = next(claim for claim in claims if claim["identifier_key"] == item.key)
        if first["pk"] == item.pk:
            return verdict("counts", _("Counts: the first claim of this identifier."))
        found = verdict("not", _duplicate_reason(item, first, names))
        if first["enterprise_id"] in names:
            name, uscc = names[first["enterprise_id"]]
            found.link = (name, reverse("progress:enterprise", args=[uscc]))
        return found
    return verdict(*_not_counted_reason(item, rule, until))


def _verdict_maker(target: Target) -> Callable[[str, str], Verdict]:
    def verdict(state: str, reason: str) -> Verdict:
        return Verdict(target.code, target.name, target_url(target.code), state, reason)

    return verdict


def _duplicate_reason(
    item: ItemRow, first: dict[str, Any], names: dict[int, tuple[str, str]]
) -> str:
    when = {"date": first["date"].isoformat(), "period": period_format(first["period"])}
    if first["enterprise_id"] == item.enterprise_id:
        return (
            _(
                "Already counted: this enterprise claimed the same identifier first, in its "
                "%(period)s report (dated %(date)s)."
            )
            % when
        )
    who = names[first["enterprise_id"]][0] if first["enterprise_id"] in names else None
    who = who or _("another enterprise")
    return _(
        "Does not count again: %(who)s claimed the same identifier first (dated %(date)s)."
    ) % {"who": who, **when}


def _not_counted_reason(item: ItemRow, rule: ItemDistinct, until: dt.date) -> tuple[str, str]:
    """Why the rule's counted queryset leaves this item out, in the order it filters."""
    target = rule.target
    if item.status != Status.APPROVED:
        status = str(Status(item.status).label)
        return "pending", _(
            "Not counted until its report is approved (the report is: %(status)s)."
        ) % {"status": status}
    if item.date < target.counts_from:
        return "not", _("Dated before %(date)s, from when the target counts.") % {
            "date": target.counts_from.isoformat()
        }
    for attribute, allowed in rule.spec.where.items():
        if str(item.attributes.get(attribute, "")) not in allowed:
            return "not", _("The target counts only items of %(allowed)s.") % {
                "allowed": ", ".join(str(ATTRIBUTE_VALUE_LABELS.get(v, v)) for v in allowed)
            }
    if item.date > until:
        return "pending", _("Dated after %(date)s; it counts once its quarter has ended.") % {
            "date": until.isoformat()
        }
    return "not", _("The target's rule does not count it.")


def item_verdicts(
    items: list[ItemRow],
    rules: dict[str, list[Rule]],
    claims: dict[int, list[dict[str, Any]]],
    names: dict[int, tuple[str, str]],
    until: dt.date,
) -> None:
    for item in items:
        for rule in rules.get(item.kind_code, []):
            if isinstance(rule, ItemDistinct):
                rows = claims.get(rule.target.pk, [])
                item.verdicts.append(item_verdict(item, rule, rows, names, until))


def designation_rows(
    enterprise: Enterprise, rules: dict[str, list[Rule]], end: dt.date
) -> list[DesignationRow]:
    """The enterprise's designations (one query) and, for every target that counts their
    kind, whether it counts them at ``end`` (one query for every rule together)."""
    designations = list(
        Designation.objects.filter(enterprise=enterprise)
        .select_related("kind")
        .order_by("-granted_on", "-pk")
    )
    kinds = {d.kind.code for d in designations}
    chosen = [r for code in sorted(kinds) for r in rules.get(code, [])]
    counted: set[tuple[int, int]] = set()
    if chosen:
        parts = [
            rule_counted(rule, end, enterprise)
            for rule in chosen
            if isinstance(rule, DesignationCount)
        ]
        query = parts[0].union(*parts[1:], all=True) if len(parts) > 1 else parts[0]
        counted = {(target, pk) for target, pk in query}
    rows = []
    for designation in designations:
        row = DesignationRow(designation)
        for rule in rules.get(designation.kind.code, []):
            row.verdicts.append(designation_verdict(designation, rule, end, counted))
        rows.append(row)
    return rows


def rule_counted(rule: DesignationCount, end: dt.date, enterprise: Enterprise) -> QuerySet[Any]:
    """The rule's own designations counted at ``end``, of this enterprise."""
    counted: QuerySet[Any] = (
        rule.counted(end)
        .filter(enterprise=enterprise)
        .filter(Q(revoked_on__isnull=True) | Q(revoked_on__gt=end))
        .order_by()
        .annotate(target=Value(rule.target.pk, output_field=IntegerField()))
        .values_list("target", "pk")
    )
    return counted


def designation_verdict(
    designation: Designation, rule: Rule, end: dt.date, counted: set[tuple[int, int]]
) -> Verdict:
    target = rule.target
    verdict = _verdict_maker(target)
    if (target.pk, designation.pk) in counted:
        return verdict(
            "counts",
            _("Granted on %(granted)s and not revoked by %(end)s.")
            % {"granted": designation.granted_on.isoformat(), "end": end.isoformat()},
        )
    if designation.revoked_on is not None and designation.revoked_on <= end:
        return verdict(
            "not", _("Revoked on %(date)s.") % {"date": designation.revoked_on.isoformat()}
        )
    if designation.granted_on < target.counts_from:
        return verdict(
            "not",
            _("Granted before %(date)s, from when the target counts.")
            % {"date": target.counts_from.isoformat()},
        )
    return verdict(
        "pending",
        _("Granted after %(date)s; it counts from the quarter it was granted in.")
        % {"date": end.isoformat()},
    )


# --- the page ---------------------------------------------------------------------------


def enterprise_or_404(user: policies.Actor, uscc: str) -> Enterprise:
    found = (
        Enterprise.objects.filter(policies.enterprise_q(user))
        .select_related("district", "park", "segment")
        .filter(uscc=uscc_normalise(uscc))
        .first()
    )
    if found is None:
        raise Http404
    return found


def dimensions(
    enterprise: Enterprise,
    metrics: list[Metric],
    series: Series,
    quarters: list[int],
    items: list[ItemRow],
    metric_targets: dict[str, list[Rule]],
) -> list[Dimension]:
    by_key = {
        key: Dimension(key, str(title), str(lead)) for key, (title, lead) in DIMENSIONS.items()
    }
    for key, chosen in metrics_by_dimension(metrics).items():
        dimension = by_key[key]
        for metric in chosen:
            figure = latest_figure(metric, series)
            figure.targets = [
                (rule.target.code, target_url(rule.target.code))
                for rule in metric_targets.get(metric.code, [])
            ]
            dimension.figures.append(figure)
        dimension_series(dimension, chosen, series, quarters)
    summaries: dict[str, ItemSummary] = {}
    for item in items:
        summary = summaries.get(item.kind_code)
        if summary is None:
            summary = summaries[item.kind_code] = ItemSummary(item.kind_code, item.kind_name)
            by_key[item_dimension(item.kind_code)].items.append(summary)
        summary.claimed += 1
        summary.counting += int(item.counts)
    return list(by_key.values())


def _metric_rules(targets: list[Target]) -> dict[str, list[Rule]]:
    found: dict[str, list[Rule]] = defaultdict(list)
    for target in targets:
        rule = rule_for(target)
        if rule.spec.reads_metric:
            found[rule.spec.source].append(rule)
    return found


def enterprise_items(
    enterprise: Enterprise, user: policies.Actor, targets: list[Target], end: dt.date
) -> list[ItemRow]:
    """The enterprise's items, each with whether every item target counts it at ``end``
    (and why not): the page's list and its download."""
    item_rules = rules_by_source(targets, RuleKind.ITEM_DISTINCT)
    items = item_rows(enterprise)
    kinds = {item.kind_code for item in items}
    chosen = [
        rule
        for code in sorted(kinds)
        for rule in item_rules.get(code, [])
        if isinstance(rule, ItemDistinct)
    ]
    claims = item_claims(enterprise, chosen, end)
    item_verdicts(items, item_rules, claims, first_claimants(claims, enterprise, user), end)
    return items


def enterprise_targets() -> list[Target]:
    """Every target, in catalogue order (the rules of the items and designations)."""
    return list(Target.objects.order_by("plan__period_start", "position", "pk"))


@require(policies.can_read_enterprise_pages)
def enterprise_page(request: HttpRequest, uscc: str) -> HttpResponse:
    """An enterprise's profile (docstring of the module)."""
    user = request.user
    enterprise = enterprise_or_404(user, uscc)
    last = last_ended_period()
    end = period_end(last)
    metrics = list(Metric.objects.order_by("position", "pk"))
    targets = enterprise_targets()
    series = series_of(enterprise)
    quarters = quarter_range(series)
    items = enterprise_items(enterprise, user, targets, end)
    rows = history(enterprise, user)
    context = {
        "enterprise": enterprise,
        "district_url": scope_url(
            user, Scope.district(enterprise.district.code), period=period_format(last)
        ),
        "park_url": (
            scope_url(user, Scope.park(enterprise.park.code), period=period_format(last))
            if enterprise.park is not None
            else None
        ),
        "dimensions": dimensions(
            enterprise, metrics, series, quarters, items, _metric_rules(targets)
        ),
        "quarters": [period_format(p) for p in quarters],
        "history": rows,
        "owed": sum(1 for r in rows if r.owed),
        "approved": sum(1 for r in rows if r.owed and r.status == Status.APPROVED),
        "overdue": sum(1 for r in rows if r.overdue),
        "latest_approved": next((r.period for r in rows if r.status == Status.APPROVED), None),
        "items": items,
        "designations": designation_rows(
            enterprise, rules_by_source(targets, RuleKind.DESIGNATION_COUNT), end
        ),
        "as_of": period_format(last),
        "as_of_end": end,
        "can_see_maturity": policies.can_read_progress(user),
    }
    return render(request, "progress/enterprise.html", context)
