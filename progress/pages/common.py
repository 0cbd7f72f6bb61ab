"""What every dashboard page shares: the quarter it shows, the scope, links that never lead
to a page the user may not open, and the targets with their plans."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet
from django.http import Http404, HttpRequest
from django.urls import reverse
from django.utils import timezone

from core import policies
from parks.selectors import scope_resolve
from targets.models import Target
from targets.periods import PeriodError, period_due_on, period_format, period_parse
from targets.scopes import Scope, ScopeError, ScopeKind
from targets.selectors import target_list

from .. import selectors


@dataclass(frozen=True)
class QuarterChoice:
    """The quarter a page shows (from ``?period=`` or the default) and the quarters there
    are figures for, newest first."""

    period: int | None
    periods: list[int]
    default: int | None

    @property
    def label(self) -> str:
        return period_format(self.period) if self.period is not None else ""

    @property
    def choices(self) -> list[tuple[str, str]]:
        return [(period_format(p), period_format(p)) for p in self.periods]

    @property
    def due_on(self) -> dt.date | None:
        return period_due_on(self.period) if self.period is not None else None


def default_period(periods: list[int], *, today: dt.date | None = None) -> int | None:
    """The latest quarter with figures whose reports are due (its due date has passed); the
    oldest one when none is due yet."""
    today = today or timezone.localdate()
    due = [p for p in periods if period_due_on(p) < today]
    if due:
        return max(due)
    return min(periods) if periods else None


def quarter_choice(request: HttpRequest) -> QuarterChoice:
    periods = sorted(selectors.snapshot_periods(), reverse=True)
    default = default_period(periods)
    chosen: int | None = default
    text = request.GET.get("period")
    if text:
        try:
            asked = period_parse(text)
        except PeriodError:
            asked = None
        if asked in periods:
            chosen = asked
    return QuarterChoice(period=chosen, periods=periods, default=default)


def scope_or_404(user: policies.Actor, kind: ScopeKind, code: str) -> Scope:
    """The district or park of a page's URL; 404 when it does not exist or the user may not
    see it (the two look the same)."""
    try:
        scope = scope_resolve(f"{kind.value}:{code}")
    except ScopeError as error:
        raise Http404(str(error)) from error
    if not policies.scope_allowed(user, scope):
        raise Http404
    return scope


def target_or_404(code: str) -> Target:
    target = target_list().filter(code=code).first()
    if target is None:
        raise Http404
    return target


def targets() -> QuerySet[Target]:
    """Every target with its plan and milestones (two queries), in catalogue order."""
    return target_list().order_by("plan__period_start", "position", "id")


def scope_url(user: policies.Actor, scope: Scope, **params: Any) -> str | None:
    """The page of a scope, or None when the user may not open it."""
    if not policies.scope_allowed(user, scope):
        return None
    if scope.is_city:
        url = reverse("progress:overview")
    elif scope.kind is ScopeKind.DISTRICT:
        url = reverse("progress:district", args=[scope.code])
    else:
        url = reverse("progress:park", args=[scope.code])
    query = "&".join(f"{k}={v}" for k, v in params.items() if v not in (None, ""))
    return f"{url}?{query}" if query else url


def target_url(code: str, **params: Any) -> str:
    url = reverse("progress:target", args=[code])
    query = "&".join(f"{k}={v}" for k, v in params.items() if v not in (None, ""))
    return f"{url}?{query}" if query else url
