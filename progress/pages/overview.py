"""The overview: where the city stands on every target, in a few queries whatever the data
size (one for the targets, one for their milestones, one for the figures)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Max
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core import policies
from core.views import require
from reporting.selectors import completeness, review_queue
from targets.models import Target
from targets.periods import period_format
from targets.scopes import CITY

from ..models import ProgressStatus, RollupRun, Snapshot
from .common import QuarterChoice, quarter_choice, target_url, targets

SPARK_QUARTERS = 8
GROUP_LABELS = {
    "industry": gettext_lazy("Industry results"),
    "services": gettext_lazy("Service system"),
    "support": gettext_lazy("Support capacity"),
    "pilot": gettext_lazy("AI + Cloud pilot"),
}


@dataclass
class Card:
    target: Target
    figure: Snapshot | None
    series: list[tuple[int, Decimal]]
    url: str

    @property
    def status(self) -> str | None:
        return self.figure.status if self.figure is not None else None

    @property
    def percent_bar(self) -> float:
        """Actual ÷ target, for the bar's width (0-100)."""
        if self.figure is None or not self.target.value:
            return 0.0
        return max(0.0, min(100.0, float(self.figure.actual / self.target.value * 100)))

    @property
    def planned_mark(self) -> float | None:
        """Where the planned value sits on the bar (0-100), if there is one."""
        if self.figure is None or self.figure.planned is None or not self.target.value:
            return None
        return max(0.0, min(100.0, float(self.figure.planned / self.target.value * 100)))

    @property
    def sparkline(self) -> str:
        """SVG polyline points of the last quarters (the table of the target page is the
        text alternative)."""
        if len(self.series) < 2:
            return ""
        top = max([float(v) for _p, v in self.series] + [float(self.target.value), 1.0])
        step = 100 / (len(self.series) - 1)
        return " ".join(
            f"{i * step:.1f},{28 - float(v) / top * 26:.1f}"
            for i, (_p, v) in enumerate(self.series)
        )

    @property
    def projection_words(self) -> str:
        return projection_words(self.target, self.figure)


def projection_words(target: Target, figure: Snapshot | None) -> str:
    """The projection in a sentence: "On the current trend 27 by end-2025; the target of 30
    is reached in 2026Q2"."""
    if figure is None:
        return _("No figures yet.")
    if figure.status == ProgressStatus.ACHIEVED:
        return _("The target is reached.")
    if figure.status == ProgressStatus.MISSED:
        return _("The deadline has passed without reaching the target.")
    if figure.projected_at_deadline is None:
        return _("Not enough quarters for a trend yet.")
    words = _("On the current trend %(value)s by the end of %(year)s") % {
        "value": _number(figure.projected_at_deadline),
        "year": target.deadline.year,
    }
    if figure.projected_attainment is not None:
        words += _("; the target of %(target)s is reached in %(quarter)s.") % {
            "target": _number(target.value),
            "quarter": period_format(figure.projected_attainment),
        }
    else:
        words += _("; at this pace the target of %(target)s is not reached.") % {
            "target": _number(target.value)
        }
    return words


def _number(value: Decimal) -> str:
    text = f"{value:,.2f}".rstrip("0").rstrip(".")
    return text


@dataclass
class Group:
    key: str
    label: str
    cards: list[Card] = field(default_factory=list)


@dataclass
class PlanGroups:
    name: str
    groups: list[Group] = field(default_factory=list)


def overview_cards(period: int | None) -> list[Card]:
    chosen = list(targets())
    figures: dict[int, Snapshot] = {}
    series: dict[int, list[tuple[int, Decimal]]] = defaultdict(list)
    if period is not None:
        rows = Snapshot.objects.filter(
            scope=str(CITY), period__gt=period - SPARK_QUARTERS, period__lte=period
        ).order_by("period")
        for row in rows:
            series[row.target_id].append((row.period, row.actual))
            if row.period == period:
                figures[row.target_id] = row
    return [
        Card(
            target=target,
            figure=figures.get(target.pk),
            series=series.get(target.pk, []),
            url=target_url(target.code, period=period_format(period) if period else ""),
        )
        for target in chosen
    ]


def overview_plans(cards: list[Card]) -> list[PlanGroups]:
    """The cards by plan and by the plan's groups, in catalogue order (the page and its
    download)."""
    plans: dict[int, PlanGroups] = {}
    for card in cards:
        plan = plans.setdefault(card.target.plan_id, PlanGroups(name=card.target.plan.name))
        group = next((g for g in plan.groups if g.key == card.target.group), None)
        if group is None:
            label = str(GROUP_LABELS.get(card.target.group, card.target.group))
            group = Group(key=card.target.group, label=label)
            plan.groups.append(group)
        group.cards.append(card)
    return list(plans.values())


def _headline(cards: list[Card]) -> list[tuple[str, str, int]]:
    counts = dict.fromkeys(ProgressStatus.values, 0)
    for card in cards:
        if card.status:
            counts[card.status] += 1
    return [(status, str(ProgressStatus(status).label), counts[status]) for status in counts]


def _work(request: HttpRequest, choice: QuarterChoice) -> dict[str, Any]:
    user = request.user
    work: dict[str, Any] = {}
    if policies.can_review(user):
        work["to_review"] = review_queue(user=user).count()
    if policies.can_read_completeness(user) and choice.default is not None:
        figures = completeness(period=choice.default, scope=policies.default_scope(user))
        work["overdue"] = figures.overdue
        work["overdue_period"] = period_format(choice.default)
    if policies.sees_everything(user):
        work["rollup_running"] = RollupRun.objects.filter(
            status__in=(RollupRun.Status.PENDING, RollupRun.Status.RUNNING)
        ).exists()
    return work


@require(policies.can_read_city_progress)
def overview(request: HttpRequest) -> HttpResponse:
    """Every target's city figure for a quarter, grouped by plan and by the plan's groups."""
    choice = quarter_choice(request)
    cards = overview_cards(choice.period)
    as_of = (
        Snapshot.objects.filter(scope=str(CITY), period=choice.period).aggregate(
            at=Max("computed_at")
        )["at"]
        if choice.period is not None
        else None
    )
    context = {
        "choice": choice,
        "plans": overview_plans(cards),
        "headline": _headline(cards),
        "as_of": as_of,
        "work": _work(request, choice),
        "target_count": len(cards),
    }
    return render(request, "progress/overview.html", context)
