"""(Being built.)"""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse


def maturity_page(request: HttpRequest) -> HttpResponse:
    raise Http404
