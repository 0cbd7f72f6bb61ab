from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from core import policies


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """The landing page for the user's role: officials and analysts the overview, a park
    manager their park, a reporter their reports."""
    user = request.user
    if policies.can_open_my_reports(user):
        return redirect("reporting:my-reports")
    if policies.sees_everything(user):
        return redirect("progress:overview")
    own = policies.own_scope(user)
    if own is not None:
        return redirect("progress:park", own.code)
    return render(request, "home.html")
