"""Middleware every request passes first: hostile input refused before any view runs, and
a database outage answered as 503 (JSON with Retry-After under /api/, a page elsewhere).

Refused here, for every address (API and pages alike):

- a NUL character in the path, a query parameter or the body (PostgreSQL cannot store one
  in text and answers such a lookup with an error): 400;
- a body above ``DATA_UPLOAD_MAX_MEMORY_SIZE`` (file uploads in multipart bodies excepted:
  the import views check those against ``DX_IMPORT_MAX_BYTES``): 413;
- JSON nested deeper than ``MAX_JSON_DEPTH`` (Python's parser would recurse until it
  fails): 400;
- a POST to an admin page of a past version (django-simple-history's "revert"): the audit
  trail is read there, never written back (it would put a report back to an old status
  around its workflow): 405.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _

from .views import (
    DATABASE_DOWN,
    bad_request_response,
    database_unavailable,
    read_only_response,
    too_large_response,
)

# No request of this product nests JSON more than a few levels (a report's items' attributes).
MAX_JSON_DEPTH = 32
_BODY_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
# A JSON string, or one bracket: strings are skipped whole so brackets inside them don't count.
_JSON_TOKEN = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"|[\[\]{}]', re.DOTALL)
# django-simple-history's page of one past version: /admin/<app>/<model>/<id>/history/<id>/.
_ADMIN_PAST_VERSION = re.compile(r"^/admin/[^/]+/[^/]+/[^/]+/history/[^/]+/$")
# "\u0000" as an escape (an odd number of backslashes before the u), not "\\u0000" as text.
_JSON_NUL = re.compile(rb"(?<!\\)(?:\\\\)*\\u0000")


class RequestGuardMiddleware:
    """Answers requests the product must refuse before any view runs, and turns a database
    that cannot be reached into 503 wherever a view meets it."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        refusal = self.refusal(request)
        if refusal is not None:
            return refusal
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, DATABASE_DOWN):
            return database_unavailable(request)
        return None

    # --- checks ---------------------------------------------------------------------------

    def refusal(self, request: HttpRequest) -> HttpResponse | None:
        if "\x00" in request.path_info or _query_has_nul(request):
            return bad_request_response(request, _nul_message())
        if request.method not in ("GET", "HEAD") and _ADMIN_PAST_VERSION.match(request.path_info):
            return read_only_response(request)
        if request.method not in _BODY_METHODS or _is_multipart(request):
            return None
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        if limit is not None and _declared_length(request) > limit:
            return too_large_response(request)
        try:
            body = request.body
        except RequestDataTooBig:
            return too_large_response(request)
        return self.body_refusal(request, body)

    def body_refusal(self, request: HttpRequest, body: bytes) -> HttpResponse | None:
        if not body:
            return None
        if b"\x00" in body:
            return bad_request_response(request, _nul_message())
        content_type = request.content_type or ""
        if content_type == "application/x-www-form-urlencoded" and b"%00" in body:
            return bad_request_response(request, _nul_message())
        if content_type.endswith("json"):
            if _JSON_NUL.search(body):
                return bad_request_response(request, _nul_message())
            if json_depth(body) > MAX_JSON_DEPTH:
                return bad_request_response(
                    request,
                    _("The JSON is nested too deeply (more than %(depth)d levels).")
                    % {"depth": MAX_JSON_DEPTH},
                )
        return None


def json_depth(body: bytes) -> int:
    """How deep the brackets of a JSON text nest (strings skipped), without parsing it."""
    if body.count(b"[") + body.count(b"{") <= MAX_JSON_DEPTH:
        return 0
    depth = deepest = 0
    for token in _JSON_TOKEN.finditer(body):
        mark = token.group()
        if mark in (b"[", b"{"):
            depth += 1
            deepest = max(deepest, depth)
        elif mark in (b"]", b"}"):
            depth -= 1
    return deepest


def _nul_message() -> str:
    return _("Text may not contain NUL characters.")


def _query_has_nul(request: HttpRequest) -> bool:
    return any(
        "\x00" in key or any("\x00" in value for value in values)
        for key, values in request.GET.lists()
    )


def _is_multipart(request: HttpRequest) -> bool:
    return (request.content_type or "").startswith("multipart/")


def _declared_length(request: HttpRequest) -> int:
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return 0
