"""How a figure is shown, the same in the API, the pages and (later) the workbooks."""

from __future__ import annotations

from decimal import Decimal
from typing import Any, TypedDict

from django.db.models import QuerySet

from targets.models import Target
from targets.periods import period_format
from targets.rules import CUMULATIVE_KINDS, RuleKind

from .models import FIGURE_VALUES, Snapshot

# Rule kinds whose actual is a count of things (a whole number).
WHOLE_KINDS = frozenset(CUMULATIVE_KINDS - {RuleKind.FLOW_SUM} | {RuleKind.FLAG_LATEST_COUNT})


class FigureJSON(TypedDict):
    target: str
    period: str
    scope: str
    actual: int | float | None
    planned: float | None
    target_value: int | float | None
    percent_of_target: float | None
    status: str | None
    projected_at_deadline: float | None
    projected_attainment: str | None
    share_of_city: float | None
    computed_at: str


def number(value: Decimal | None, *, whole: bool = False) -> int | float | None:
    """A Decimal as a JSON number: whole counts as integers, the rest keep their digits."""
    if value is None:
        return None
    if whole or value == value.to_integral_value():
        return int(value)
    return float(value)


def _decimal(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


def figure_json(snapshot: Snapshot) -> FigureJSON:
    """One stored figure as the API shows it."""
    target = snapshot.target
    kind = target.rule_kind
    is_share = kind == RuleKind.FLAG_LATEST_SHARE
    return FigureJSON(
        target=target.code,
        period=period_format(snapshot.period),
        scope=snapshot.scope,
        actual=float(snapshot.actual)
        if is_share
        else number(snapshot.actual, whole=kind in WHOLE_KINDS),
        planned=_decimal(snapshot.planned),
        target_value=number(snapshot.target_value),
        percent_of_target=_decimal(snapshot.percent_of_target),
        status=snapshot.status,
        projected_at_deadline=_decimal(snapshot.projected_at_deadline),
        projected_attainment=(
            period_format(snapshot.projected_attainment)
            if snapshot.projected_attainment is not None
            else None
        ),
        share_of_city=_decimal(snapshot.share_of_city),
        computed_at=snapshot.computed_at.isoformat(),
    )


_COLUMNS = ("target_id", "period", "scope", *FIGURE_VALUES, "computed_at")


def figures_json(snapshots: QuerySet[Snapshot]) -> list[FigureJSON]:
    """Many stored figures as the API shows them, read as plain rows (a thousand model
    instances cost more than the query); the same fields as ``figure_json``."""
    rows = list(snapshots.values_list(*_COLUMNS))
    targets = dict(Target.objects.filter(pk__in={row[0] for row in rows}).values_list("pk", "code"))
    kinds = {
        pk: str(rule.get("kind", ""))
        for pk, rule in Target.objects.filter(pk__in=targets).values_list("pk", "rule")
    }
    return [_row_json(row, targets[row[0]], kinds[row[0]]) for row in rows]


def _row_json(row: tuple[Any, ...], code: str, kind: str) -> FigureJSON:
    (
        _target,
        period,
        scope,
        actual,
        planned,
        target_value,
        percent,
        status,
        projected,
        attainment,
        share,
        computed_at,
    ) = row
    return FigureJSON(
        target=code,
        period=period_format(period),
        scope=scope,
        actual=float(actual)
        if kind == RuleKind.FLAG_LATEST_SHARE
        else number(actual, whole=kind in WHOLE_KINDS),
        planned=_decimal(planned),
        target_value=number(target_value),
        percent_of_target=_decimal(percent),
        status=status,
        projected_at_deadline=_decimal(projected),
        projected_attainment=period_format(attainment) if attainment is not None else None,
        share_of_city=_decimal(share),
        computed_at=computed_at.isoformat(),
    )
