"""The rollup engine: every target's figures per quarter and scope (DOMAIN.md, "How each
target is computed"; interpretations in docs/decisions/0007-rollup-rules.md).

Each target's rule (``progress.rules``) aggregates its data in SQL and spreads it over
quarters and scopes with vectorised pandas. Only the per-figure arithmetic (planned value,
status, projection) runs here, exactly, on ``Fraction``: for the city against the target,
and in the same pass for each district and park the target is allocated to, against the
allocation (DOMAIN.md, "Allocations").
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from functools import cached_property
from typing import Any, cast

import pandas as pd

from targets.models import Allocation, Milestone, Target
from targets.periods import last_ended_period, period_end, period_of

from .arithmetic import round_half_away
from .frames import CITY, Scopes
from .models import ProgressStatus
from .rules import Rule, rule_for

LAST_ATTAINMENT_PERIOD = 2040 * 4 + 3  # 2040Q4
# An exact number: Python mixes integers and fractions exactly.
Exact = int | Fraction

__all__ = [
    "CITY",
    "Figure",
    "Goal",
    "Scopes",
    "figures_compute",
    "round_half_away",
    "target_figures",
]


@dataclass(frozen=True)
class Figure:
    target_id: int
    period: int
    scope: str
    actual: Decimal
    planned: Decimal | None = None
    target_value: Decimal | None = None
    percent_of_target: Decimal | None = None
    status: ProgressStatus | None = None
    projected_at_deadline: Decimal | None = None
    projected_attainment: int | None = None
    share_of_city: Decimal | None = None


def first_period(target: Target) -> int:
    return period_of(target.counts_from)


def figures_compute(
    *,
    targets: Iterable[Target] | None = None,
    from_period: int | None = None,
    last: int | None = None,
) -> list[Figure]:
    """All figures of the given targets (all by default) for quarters ≥ ``from_period``."""
    scopes = Scopes.load()
    chosen = list(targets) if targets is not None else list(Target.objects.all())
    return [
        figure
        for target in chosen
        for figure in target_figures(
            target=target, scopes=scopes, last=last, from_period=from_period
        )
    ]


def target_figures(
    *, target: Target, scopes: Scopes, last: int | None = None, from_period: int | None = None
) -> list[Figure]:
    """All figures of one target for quarters ≥ ``from_period`` (all when None) up to
    ``last`` (the last ended quarter by default): the city's against the target, each
    district's and park's actual, and those with an allocation against it too."""
    last = last_ended_period() if last is None else last
    rule = rule_for(target)
    first = first_period(target)
    if first > last:
        return []
    baseline_period = period_of(target.baseline_date)
    low = min(first, baseline_period) if target.baseline_is_actual else first
    periods = list(range(low, last + 1))
    actuals = rule.actuals(scopes=scopes, periods=periods)
    city = _series(actuals, CITY, periods)
    city_exact = _exact(city)
    baseline = city.get(baseline_period) if target.baseline_is_actual else target.baseline_value
    city_goal = Goal.of_target(target, planned_points(target=target, baseline=baseline))
    goals = _allocated_goals(target, actuals, periods, baseline_period)
    figures: list[Figure] = []
    for period in range(max(first, from_period or first), last + 1):
        figures.append(
            goal_figure(
                target=target,
                rule=rule,
                period=period,
                scope=CITY,
                series=city,
                exact=city_exact,
                goal=city_goal,
            )
        )
        figures.extend(
            _scope_figures(
                target=target,
                rule=rule,
                period=period,
                column=actuals[period],
                city=city[period],
                goals=goals,
            )
        )
    return figures


def _series(actuals: pd.DataFrame, label: str, periods: list[int]) -> dict[int, Decimal]:
    """One scope's actual values by quarter."""
    row: list[Decimal] = cast("pd.Series[Any]", actuals.loc[label]).tolist()
    return dict(zip(periods, row, strict=True))


def _exact(series: dict[int, Decimal]) -> dict[int, Exact]:
    """The same values as exact numbers, converted once for every figure that reads them:
    whole ones as integers (most are counts, and integer arithmetic is the cheapest exact
    kind), the others as fractions."""
    return {
        period: int(value) if value == value.to_integral_value() else Fraction(value)
        for period, value in series.items()
    }


def _scope_figures(
    *,
    target: Target,
    rule: Rule,
    period: int,
    column: pd.Series,
    city: Decimal,
    goals: dict[str, tuple[Goal, dict[int, Decimal], dict[int, Exact]]],
) -> list[Figure]:
    """Every district's and park's figure of one quarter: the actual and the share of the
    city; where the target is allocated to the scope, also the figures read against the
    allocation (``goals``: the goal and the scope's actuals by quarter)."""
    is_share = rule.kind == Target.RuleKind.FLAG_LATEST_SHARE
    figures = []
    for scope, actual in column.items():
        if scope == CITY:
            continue
        share = (
            None
            if is_share or city == 0
            else round_half_away(100 * Fraction(actual) / Fraction(city), 1)
        )
        allocated = goals.get(str(scope))
        if allocated is None:
            figure = Figure(
                target_id=target.pk,
                period=period,
                scope=str(scope),
                actual=actual,
                share_of_city=share,
            )
        else:
            goal, series, exact = allocated
            figure = goal_figure(
                target=target,
                rule=rule,
                period=period,
                scope=str(scope),
                series=series,
                exact=exact,
                goal=goal,
                share_of_city=share,
            )
        figures.append(figure)
    return figures


# --- what a scope's figures are read against: the target, or an allocation of it ---------


@dataclass(frozen=True)
class Goal:
    """The final value and the planned line a scope's figures are read against (DOMAIN.md):
    the city's target, or an allocation of it to a district or park. The comparator,
    deadline, baseline date and ``counts_from`` are always the target's."""

    value: Decimal
    threshold: Fraction  # the value that counts as achieved (approximately: 90 %)
    points: list[tuple[dt.date, Fraction]] | None  # None: the baseline is unknown

    @cached_property
    def exact_value(self) -> Fraction:
        return Fraction(self.value)

    @classmethod
    def of_target(cls, target: Target, points: list[tuple[dt.date, Fraction]] | None) -> Goal:
        return cls(target.value, Fraction(target.achievement_threshold), points)

    @classmethod
    def of_allocation(
        cls, allocation: Allocation, milestones: list[Milestone], scope_actual: Decimal | None
    ) -> Goal:
        """The allocation's value and planned line: its own milestones, or the city's
        scaled by value ÷ target value; the baseline as ``Allocation.planned_baseline``
        says (``scope_actual``: the scope's actual in the baseline quarter)."""
        target = allocation.target
        baseline = allocation.planned_baseline(scope_actual)
        unscalable = not allocation.has_own_milestones and allocation.scale is None
        points = None
        if baseline is not None and not unscalable:
            points = sorted(
                [(target.baseline_date, baseline), *allocation.planned_milestones(milestones)],
                key=lambda point: point[0],
            )
        return cls(allocation.value, Fraction(allocation.achievement_threshold), points)


def _allocated_goals(
    target: Target, actuals: pd.DataFrame, periods: list[int], baseline_period: int
) -> dict[str, tuple[Goal, dict[int, Decimal], dict[int, Exact]]]:
    """The goal of each scope the target is allocated to, with the scope's actuals by
    quarter (as stored, and exact); scopes that no longer exist are left out."""
    milestones = list(target.milestones.all())
    goals = {}
    for allocation in target.allocations.all():
        if allocation.scope not in actuals.index:
            continue
        allocation.target = target  # the same object: its milestones are read once
        series = _series(actuals, allocation.scope, periods)
        goal = Goal.of_allocation(allocation, milestones, series.get(baseline_period))
        goals[allocation.scope] = (goal, series, _exact(series))
    return goals


# --- planned, status, projection ---------------------------------------------------------
def planned_points(
    *, target: Target, baseline: Decimal | None
) -> list[tuple[dt.date, Fraction]] | None:
    """(date, value) through which the planned line runs; None when the baseline is unknown."""
    if baseline is None:
        return None
    points = [(target.baseline_date, Fraction(baseline))]
    points += [(m.date, Fraction(m.value)) for m in target.milestones.all()]
    return sorted(points, key=lambda point: point[0])


def planned_at(points: list[tuple[dt.date, Fraction]], day: dt.date) -> Fraction:
    if day <= points[0][0]:
        return points[0][1]
    for (d0, v0), (d1, v1) in itertools.pairwise(points):
        if day <= d1 and d1 > d0:
            return v0 + (v1 - v0) * Fraction((day - d0).days, (d1 - d0).days)
    return points[-1][1]


def status_at(
    *, target: Target, period: int, actual: Exact, planned: Fraction | None, goal: Goal
) -> ProgressStatus | None:
    if actual >= goal.threshold:
        return ProgressStatus.ACHIEVED
    if period_end(period) >= target.deadline:
        return ProgressStatus.MISSED
    if planned is None:
        return None
    if planned == 0:
        return ProgressStatus.ON_TRACK
    ratio = actual / planned
    if ratio >= 1:
        return ProgressStatus.ON_TRACK
    return ProgressStatus.AT_RISK if ratio >= Fraction(85, 100) else ProgressStatus.OFF_TRACK


def projection_at(
    *,
    target: Target,
    rule: Rule,
    period: int,
    series: dict[int, Exact],
    achieved: bool,
    goal: Goal,
) -> tuple[Decimal | None, int | None]:
    """The least-squares line through the last up to 4 quarters in the window up to P,
    read at the deadline's quarter, and the first quarter it reaches the threshold."""
    deadline_period = period_of(target.deadline)
    if period >= deadline_period:
        return None, None
    start = max(first_period(target), period - 3)
    n = period - start + 1
    if n < 2:
        return None, None
    ys = [series[x] for x in range(start, period + 1)]
    # Consecutive quarters: with t = x − start, x̄ = start + (n − 1)/2, Σ(x − x̄)² =
    # n(n² − 1)/12 and Σ(x − x̄)(y − ȳ) = Σ t·y − (n − 1)/2 · Σy (exact, fewer operations).
    total: Exact = sum(ys)
    x_mean = Fraction(2 * start + n - 1, 2)
    y_mean = Fraction(total, 1) / n
    weighted: Exact = sum(t * y for t, y in enumerate(ys))
    slope = (weighted - total * Fraction(n - 1, 2)) / Fraction(n * (n * n - 1), 12)
    at_deadline = max(y_mean + slope * (deadline_period - x_mean), Fraction(0))
    if rule.cumulative:
        at_deadline = max(at_deadline, Fraction(series[period]))
    if rule.kind == Target.RuleKind.FLAG_LATEST_SHARE:
        at_deadline = min(at_deadline, Fraction(100))
    attainment = None
    if not achieved and slope > 0:
        reach = x_mean + (goal.threshold - y_mean) / slope
        quarter = max(period, math.ceil(reach))
        attainment = quarter if quarter <= LAST_ATTAINMENT_PERIOD else None
    return round_half_away(at_deadline, 2), attainment


def goal_figure(
    *,
    target: Target,
    rule: Rule,
    period: int,
    scope: str,
    series: dict[int, Decimal],
    exact: dict[int, Exact],
    goal: Goal,
    share_of_city: Decimal | None = None,
) -> Figure:
    """A figure read against a goal, by the same rules for the city and for an allocated
    district or park: planned, status, percent of target and projections (``series``: the
    scope's actuals as stored, ``exact``: the same as fractions)."""
    actual = series[period]
    points = goal.points
    planned = planned_at(points, period_end(period)) if points is not None else None
    status = status_at(
        target=target, period=period, actual=exact[period], planned=planned, goal=goal
    )
    projected, attainment = projection_at(
        target=target,
        rule=rule,
        period=period,
        series=exact,
        achieved=status is ProgressStatus.ACHIEVED,
        goal=goal,
    )
    return Figure(
        target_id=target.pk,
        period=period,
        scope=scope,
        actual=actual,
        planned=round_half_away(planned, 2) if planned is not None else None,
        target_value=goal.value,
        percent_of_target=round_half_away(100 * exact[period] / goal.exact_value, 1)
        if goal.value
        else None,
        status=status,
        projected_at_deadline=projected,
        projected_attainment=attainment,
        share_of_city=share_of_city,
    )
