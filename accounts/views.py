from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from .models import Role


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """The landing page for the user's role."""
    user = request.user
    role = getattr(user, "role", "")
    if role == Role.ENTERPRISE:
        return redirect("reporting:my-reports")
    return render(request, "home.html", {"role": role})
