"""(Being built.)"""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse


def district_page(request: HttpRequest, code: str) -> HttpResponse:
    raise Http404


def park_page(request: HttpRequest, code: str) -> HttpResponse:
    raise Http404


def compare_page(request: HttpRequest) -> HttpResponse:
    raise Http404
