"""(Being built.)"""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse


def target_page(request: HttpRequest, code: str) -> HttpResponse:
    raise Http404
