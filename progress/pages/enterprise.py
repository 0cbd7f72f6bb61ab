"""(Being built.)"""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse


def enterprise_page(request: HttpRequest, uscc: str) -> HttpResponse:
    raise Http404
