"""Browser pages of progress. The full dashboard (charts, drill-down) builds on these."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from accounts.models import User
from parks.models import Park
from targets.models import District
from targets.periods import PeriodError, period_format, period_parse

from . import selectors


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    """Every target's figures for one quarter and scope, grouped by plan."""
    user: User = request.user  # type: ignore[assignment]
    if user.is_enterprise or not (user.sees_everything or user.is_park_manager):
        raise PermissionDenied(_("Progress is for officials, analysts and park managers."))
    try:
        scope = selectors.scope_parse(request.GET.get("scope"), user=user)
        period = period_parse(request.GET["period"]) if request.GET.get("period") else None
    except (selectors.ScopeError, PeriodError):
        scope, period = selectors.scope_parse(None, user=user), None
    if scope == "all" or not selectors.scope_allowed(user=user, scope=scope):
        scope = selectors.scope_parse(None, user=user)
    periods = selectors.snapshot_periods()
    if period is None and periods:
        period = periods[-1]
    figures = list(selectors.snapshot_list(user=user, scope=scope, period=period))
    context = {
        "figures": figures,
        "scope": scope,
        "period": period_format(period) if period is not None else "",
        "periods": [period_format(p) for p in reversed(periods)],
        "scopes": _scope_choices(user),
        "is_city": scope == "city",
    }
    return render(request, "progress/dashboard.html", context)


def _scope_choices(user: User) -> list[tuple[str, str]]:
    own = selectors.user_park_scope(user)
    if own is not None and user.park is not None:
        return [(own, user.park.name)]
    choices = [("city", _("Shanghai (city)"))]
    choices += [(f"district:{d.code}", d.name) for d in District.objects.all()]
    choices += [(f"park:{p.code}", p.name) for p in Park.objects.all()]
    return choices
