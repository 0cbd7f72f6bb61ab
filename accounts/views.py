from __future__ import annotations

from typing import cast

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from core import policies
from targets.scopes import ScopeKind

from .models import ApiToken, User
from .services import IssuedToken, token_issue, token_revoke


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """The landing page for the user's role: officials and analysts the overview, a park
    manager their park, a district official their district, a reporter their reports."""
    user = request.user
    if policies.can_open_my_reports(user):
        return redirect("reporting:my-reports")
    if policies.sees_everything(user):
        return redirect("progress:overview")
    own = policies.own_scope(user)
    if own is not None and own.kind is ScopeKind.DISTRICT:
        return redirect("progress:district", own.code)
    if own is not None:
        return redirect("progress:park", own.code)
    return render(request, "home.html")


@login_required
def tokens_page(request: HttpRequest) -> HttpResponse:
    """The user's API tokens: create one (its key is shown once), revoke one."""
    user = cast(User, request.user)
    issued: IssuedToken | None = None
    if request.method == "POST":
        if request.POST.get("revoke"):
            token = get_object_or_404(ApiToken, pk=request.POST["revoke"], user=user)
            token_revoke(token=token, by=user)
            messages.success(request, _("The token was revoked."))
            return redirect("tokens")
        issued = token_issue(user=user, name=request.POST.get("name", ""))
    tokens = ApiToken.objects.filter(user=user)
    context = {
        "tokens": tokens,
        "issued": issued,
        "days": settings.DX_TOKEN_DAYS,
        "now": timezone.now(),
    }
    return render(request, "accounts/tokens.html", context)
