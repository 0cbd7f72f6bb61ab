"""The rollup engine: every target's figures per quarter and scope (DOMAIN.md, "How each
target is computed"; interpretations in docs/decisions/0007-rollup-rules.md).

Each target's rule (``progress.rules``) aggregates its data in SQL and spreads it over
quarters and scopes with vectorised pandas. Only the per-figure arithmetic (planned value,
status, projection: a few thousand figures) runs here, exactly, on ``Fraction``.
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

import pandas as pd

from targets.models import Target
from targets.periods import last_ended_period, period_end, period_of

from .arithmetic import round_half_away
from .frames import CITY, Scopes
from .models import ProgressStatus
from .rules import Rule, rule_for

LAST_ATTAINMENT_PERIOD = 2040 * 4 + 3  # 2040Q4

__all__ = ["CITY", "Figure", "Scopes", "figures_compute", "round_half_away", "target_figures"]


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
    ``last`` (the last ended quarter by default)."""
    last = last_ended_period() if last is None else last
    rule = rule_for(target)
    first = first_period(target)
    if first > last:
        return []
    baseline_period = period_of(target.baseline_date)
    low = min(first, baseline_period) if target.baseline_is_actual else first
    actuals = rule.actuals(scopes=scopes, periods=list(range(low, last + 1)))
    row: list[Decimal] = list(actuals.to_numpy()[actuals.index.get_loc(CITY)])
    city: dict[int, Decimal] = dict(zip(range(low, last + 1), row, strict=True))
    baseline = city.get(baseline_period) if target.baseline_is_actual else target.baseline_value
    points = planned_points(target=target, baseline=baseline)
    figures: list[Figure] = []
    for period in range(max(first, from_period or first), last + 1):
        figures.append(
            city_figure(target=target, rule=rule, period=period, city=city, points=points)
        )
        figures.extend(
            _scope_figures(
                target=target, rule=rule, period=period, column=actuals[period], city=city[period]
            )
        )
    return figures


def _scope_figures(
    *, target: Target, rule: Rule, period: int, column: pd.Series, city: Decimal
) -> list[Figure]:
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
        figures.append(
            Figure(
                target_id=target.pk,
                period=period,
                scope=str(scope),
                actual=actual,
                share_of_city=share,
            )
        )
    return figures


# --- city figures: planned, status, projection ------------------------------------------


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
    *, target: Target, period: int, actual: Decimal, planned: Fraction | None
) -> ProgressStatus | None:
    if actual >= target.achievement_threshold:
        return ProgressStatus.ACHIEVED
    if period_end(period) >= target.deadline:
        return ProgressStatus.MISSED
    if planned is None:
        return None
    if planned == 0:
        return ProgressStatus.ON_TRACK
    ratio = Fraction(actual) / planned
    if ratio >= 1:
        return ProgressStatus.ON_TRACK
    return ProgressStatus.AT_RISK if ratio >= Fraction(85, 100) else ProgressStatus.OFF_TRACK


def projection_at(
    *, target: Target, rule: Rule, period: int, city: dict[int, Decimal], achieved: bool
) -> tuple[Decimal | None, int | None]:
    deadline_period = period_of(target.deadline)
    if period >= deadline_period:
        return None, None
    xs = list(range(max(first_period(target), period - 3), period + 1))
    if len(xs) < 2:
        return None, None
    ys = [Fraction(city[x]) for x in xs]
    x_mean = Fraction(sum(xs), len(xs))
    y_mean = sum(ys, Fraction(0)) / len(ys)
    slope = sum(
        ((x - x_mean) * (y - y_mean) for x, y in zip(xs, ys, strict=True)), Fraction(0)
    ) / sum(((x - x_mean) ** 2 for x in xs), Fraction(0))
    at_deadline = max(y_mean + slope * (deadline_period - x_mean), Fraction(0))
    if rule.cumulative:
        at_deadline = max(at_deadline, Fraction(city[period]))
    if rule.kind == Target.RuleKind.FLAG_LATEST_SHARE:
        at_deadline = min(at_deadline, Fraction(100))
    attainment = None
    if not achieved and slope > 0:
        reach = x_mean + (Fraction(target.achievement_threshold) - y_mean) / slope
        quarter = max(period, math.ceil(reach))
        attainment = quarter if quarter <= LAST_ATTAINMENT_PERIOD else None
    return round_half_away(at_deadline, 2), attainment


def city_figure(
    *,
    target: Target,
    rule: Rule,
    period: int,
    city: dict[int, Decimal],
    points: list[tuple[dt.date, Fraction]] | None,
) -> Figure:
    actual = city[period]
    planned = planned_at(points, period_end(period)) if points is not None else None
    status = status_at(target=target, period=period, actual=actual, planned=planned)
    projected, attainment = projection_at(
        target=target,
        rule=rule,
        period=period,
        city=city,
        achieved=status is ProgressStatus.ACHIEVED,
    )
    return Figure(
        target_id=target.pk,
        period=period,
        scope=CITY,
        actual=actual,
        planned=round_half_away(planned, 2) if planned is not None else None,
        target_value=target.value,
        percent_of_target=round_half_away(100 * Fraction(actual) / Fraction(target.value), 1)
        if target.value
        else None,
        status=status,
        projected_at_deadline=projected,
        projected_attainment=attainment,
    )
