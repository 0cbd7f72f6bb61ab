"""Browser pages of progress. The full dashboard (charts, drill-down) builds on these."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from core import policies
from parks.selectors import scope_resolve, scopes_all
from targets.periods import PeriodError, period_format, period_parse
from targets.scopes import Scope, ScopeError

from .. import selectors


def _scope(request: HttpRequest) -> Scope:
    """The scope in the URL when the user may see it; their default otherwise."""
    user = request.user
    try:
        scope = scope_resolve(request.GET.get("scope"))
    except ScopeError:
        return policies.default_scope(user)
    if not policies.scope_allowed(user, scope):
        return policies.default_scope(user)
    return scope


@login_required
def figures(request: HttpRequest) -> HttpResponse:
    """Every target's figures for one quarter and scope, grouped by plan."""
    user = request.user
    if not policies.can_read_progress(user):
        raise PermissionDenied(_("Progress is for officials, analysts and park managers."))
    scope = _scope(request)
    try:
        period: int | None = (
            period_parse(request.GET["period"]) if request.GET.get("period") else None
        )
    except PeriodError:
        period = None
    periods = selectors.snapshot_periods()
    if period is None and periods:
        period = periods[-1]
    figures = list(
        selectors.snapshot_list(user=user, scope=scope, period=period).select_related(
            "target__plan"
        )
    )
    context = {
        "figures": figures,
        "scope": str(scope),
        "period": period_format(period) if period is not None else "",
        "periods": [period_format(p) for p in reversed(periods)],
        "scopes": [(str(s), s.label) for s in policies.visible_scopes(user, scopes_all())],
        "is_city": scope.is_city,
    }
    return render(request, "progress/dashboard.html", context)
