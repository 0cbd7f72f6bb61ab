"""(Being built.)"""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse


def placeholder(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
    raise Http404
