"""Reads of allocations (DOMAIN.md, "Allocations"): which a user may see, and how much of
a city target is allocated at each level, for the API and the pages alike."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from django.db.models import QuerySet

from core import policies
from targets.models import Allocation, Target
from targets.scopes import Scope, ScopeKind

from .arithmetic import round_half_away


def allocation_list(
    *, user: policies.Actor, target: str | None = None, scope: str | None = None
) -> QuerySet[Allocation]:
    """The allocations of the scopes the user may see (``policies.visible_scope_labels``:
    officials and analysts every one, a park manager their park's, a district official their
    district's and its parks'), optionally of one target (code)
    and one scope (``district:CODE`` or ``park:CODE``), in catalogue order. Three queries
    at most, whatever their number."""
    queryset = Allocation.objects.select_related("target").order_by(
        "target__position", "target_id", "scope"
    )
    if target:
        queryset = queryset.filter(target__code=target)
    if scope:
        try:
            queryset = queryset.filter(scope=str(Scope.parse(scope)))
        except ValueError:
            return queryset.none()
    visible = policies.visible_scope_labels(user)
    if visible is not None:
        queryset = queryset.filter(scope__in=visible)
    return queryset


def allocation_for(*, target: Target, scope: Scope) -> Allocation | None:
    """The target's allocation to the scope (None for the city, or when there is none)."""
    if scope.is_city:
        return None
    found = Allocation.objects.filter(target=target, scope=str(scope)).first()
    if found is not None:
        found.target = target
    return found


@dataclass(frozen=True)
class Level:
    """How much of a city target is allocated to one level (districts or parks)."""

    kind: ScopeKind
    count: int  # scopes with an allocation
    total: Decimal | None  # their values added up (None for a share: shares do not add up)
    percent: Decimal | None  # total as a percentage of the city's target value, one decimal


def allocation_levels(target: Target, allocations: list[Allocation]) -> list[Level]:
    """The districts' and the parks' allocations of ``target`` added up against the city's
    value (allocations need not add up to it)."""
    share = target.rule_kind == Target.RuleKind.FLAG_LATEST_SHARE
    levels = []
    for kind in (ScopeKind.DISTRICT, ScopeKind.PARK):
        values = [a.value for a in allocations if a.scope.startswith(f"{kind.value}:")]
        total = None if share else sum(values, Decimal(0))
        percent = (
            round_half_away(100 * Fraction(total) / Fraction(target.value), 1)
            if total is not None and target.value
            else None
        )
        levels.append(Level(kind=kind, count=len(values), total=total, percent=percent))
    return levels
