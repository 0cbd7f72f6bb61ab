"""Pieces every app's browser views share, and the answers to errors: JSON under ``/api/``,
a page in the user's language elsewhere.

The error pages (400, 413, 500, 503) are rendered without the request's context processors:
they must not touch the database, which may be the very thing that failed.
"""

from __future__ import annotations

import functools
import logging
import sys
from collections.abc import Callable
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template import loader
from django.urls import reverse
from django.utils import translation
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.views import defaults

from . import policies

logger = logging.getLogger(__name__)

API_PREFIX = "/api/"
# How long a client should wait before retrying while the database is unreachable.
RETRY_AFTER_SECONDS = 30
# The errors a database that is down, restarting or unreachable raises.
DATABASE_DOWN = (OperationalError, InterfaceError)


def require(allowed: Callable[[policies.Actor], bool]) -> Callable[..., Any]:
    """login_required plus a test of the access policy: 403 for a logged-in user whose role
    may not open the page."""

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @login_required
        @functools.wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not allowed(request.user):
                raise PermissionDenied(_("Your role may not open this page."))
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


# --- error answers ----------------------------------------------------------------------


def is_api(request: HttpRequest) -> bool:
    """Requests to the JSON API (its schema and docs included) are answered in JSON."""
    return request.path_info.startswith(API_PREFIX)


def error_response(
    request: HttpRequest,
    *,
    status: int,
    message: str,
    title: str,
    headers: dict[str, str] | None = None,
) -> HttpResponse:
    """``{"detail": message}`` under /api/; elsewhere a page in the user's language."""
    if is_api(request):
        response: HttpResponse = JsonResponse({"detail": message}, status=status)
    else:
        response = HttpResponse(
            loader.get_template(f"{status}.html" if status in (500, 503) else "400.html").render(
                {
                    "status": status,
                    "title": title,
                    "message": message,
                    "path": _safe_path(request),
                    "home": reverse("home"),
                    "LANGUAGE_CODE": translation.get_language(),
                }
            ),
            status=status,
        )
        patch_vary_headers(response, ("Accept-Language", "Cookie"))
        response["Content-Language"] = translation.get_language() or ""
    for name, value in (headers or {}).items():
        response[name] = value
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "no-store"
    return response


def _safe_path(request: HttpRequest) -> str:
    """Where "try again" leads: the same address, unless it is not fit to repeat."""
    path = request.get_full_path()
    return path if "\x00" not in path else reverse("home")


def _in_language(request: HttpRequest) -> translation.override:
    """The request's language, also before LocaleMiddleware has run (cookie, then
    Accept-Language; nothing here reads the session, which lives in the database)."""
    return translation.override(translation.get_language_from_request(request))


def bad_request_response(request: HttpRequest, message: str) -> HttpResponse:
    with _in_language(request):
        return error_response(
            request, status=400, message=message, title=_("The request cannot be read")
        )


def too_large_response(request: HttpRequest) -> HttpResponse:
    with _in_language(request):
        return error_response(
            request,
            status=413,
            message=_("The request is too large."),
            title=_("The request is too large"),
        )


def read_only_response(request: HttpRequest) -> HttpResponse:
    """405 for a write to what can only be read (a past version in the audit trail)."""
    with _in_language(request):
        return error_response(
            request,
            status=405,
            message=_("The audit trail can be read, not changed."),
            title=_("Read only"),
            headers={"Allow": "GET, HEAD"},
        )


def database_unavailable(request: HttpRequest) -> HttpResponse:
    """503 while the database cannot be reached: JSON with Retry-After for API clients, a
    "try again" page for browsers. The next request connects again by itself (Django
    closes a connection that failed at the end of the request)."""
    with _in_language(request):
        return error_response(
            request,
            status=503,
            message=_(
                "The service is temporarily unavailable: the database cannot be reached. "
                "Nothing was lost; try again in a minute."
            ),
            title=_("Temporarily unavailable"),
            headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
        )


# --- handler400, handler403, handler404, handler500 (config/urls.py) -------------------


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    """Django's 400 (a suspicious request); a body above DATA_UPLOAD_MAX_MEMORY_SIZE is 413."""
    if isinstance(exception, RequestDataTooBig):
        return too_large_response(request)
    if is_api(request):
        return bad_request_response(request, _("The request cannot be read."))
    return defaults.bad_request(request, exception)


def permission_denied(request: HttpRequest, exception: Exception) -> HttpResponse:
    if is_api(request):
        message = str(exception) or _("You do not have permission to perform this action.")
        return JsonResponse({"detail": message}, status=403)
    return defaults.permission_denied(request, exception)


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    """An address under /api/ that no endpoint answers (``/api/v1/`` itself included) is
    a JSON 404 pointing to the schema; pages keep the product's 404 page."""
    if is_api(request):
        return JsonResponse(
            {
                "detail": _("Not found."),
                "schema": reverse("schema"),
                "docs": reverse("api-docs"),
            },
            status=404,
        )
    return defaults.page_not_found(request, exception)


def server_error(request: HttpRequest) -> HttpResponse:
    """An unexpected error: never a traceback. A database that is down is a 503 here too,
    when it failed outside a view (a middleware saving the session, say)."""
    error = sys.exc_info()[1]
    if isinstance(error, DATABASE_DOWN):
        return database_unavailable(request)
    with _in_language(request):
        return error_response(
            request,
            status=500,
            message=_("Something went wrong on our side. It has been logged; try again later."),
            title=_("Server error"),
        )
