"""Security headers and the answer to a locked-out login."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _


class PermissionsPolicyMiddleware:
    """Adds the Permissions-Policy header (browser features no page uses are off)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.setdefault("Permissions-Policy", settings.PERMISSIONS_POLICY)
        return response


def lockout_response(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    """django-axes' answer after too many failed logins: 429, JSON for the API."""
    minutes = round(float(settings.AXES_COOLOFF_TIME) * 60)
    message = _(
        "Too many failed attempts to log in. Try again in %(minutes)d minutes, or ask an "
        "official to unlock the account."
    ) % {"minutes": minutes}
    retry = str(minutes * 60)
    if request.path.startswith("/api/"):
        response: HttpResponse = JsonResponse({"detail": message}, status=429)
    else:
        response = render(request, "accounts/locked_out.html", {"message": message}, status=429)
    response["Retry-After"] = retry
    return response
