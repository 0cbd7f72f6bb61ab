"""Reads of progress: snapshots, series, evidence and runs."""

from __future__ import annotations

from django.db.models import Max, Q, QuerySet

from core import policies
from targets.models import Target
from targets.periods import period_format
from targets.scopes import Scope

from .models import RollupRun, Snapshot
from .rules import Evidence, rule_for


def snapshot_list(
    *,
    user: policies.Actor,
    scope: Scope | None,
    period: int | None = None,
    target: str | None = None,
) -> QuerySet[Snapshot]:
    """Figures of one scope (None: every scope the user may see); the latest quarter of
    each target when no period is given."""
    queryset = Snapshot.objects.select_related("target").order_by(
        "target__position", "target_id", "period", "scope"
    )
    own = policies.own_scope(user)
    if scope is None and own is not None:
        scope = own
    if scope is not None:
        queryset = queryset.filter(scope=str(scope))
    if target:
        queryset = queryset.filter(target__code=target)
    if period is not None:
        return queryset.filter(period=period)
    latest = queryset.order_by().values("target_id").annotate(last=Max("period"))
    match = Q(pk__in=[])
    for row in latest:
        match |= Q(target_id=row["target_id"], period=row["last"])
    return queryset.filter(match)


def snapshot_series(*, target: Target, scope: Scope) -> QuerySet[Snapshot]:
    return (
        Snapshot.objects.filter(target=target, scope=str(scope))
        .select_related("target")
        .order_by("period")
    )


def rollup_get(*, run_id: int) -> RollupRun | None:
    return RollupRun.objects.filter(pk=run_id).first()


def evidence(*, target: Target, period: int, scope: Scope) -> Evidence:
    """What one figure is made of, from the same rule object that computed it."""
    found = rule_for(target).evidence(period=period, scope=scope)
    return Evidence(
        target=target.code,
        period=period_format(period),
        scope=str(scope),
        rule=target.rule,
        **found,
    )


def snapshot_periods() -> list[int]:
    """The quarters that have figures, oldest first."""
    return list(Snapshot.objects.order_by("period").values_list("period", flat=True).distinct())
