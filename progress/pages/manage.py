"""(Being built.)"""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.urls import URLPattern, path


def manage_page(request: HttpRequest) -> HttpResponse:
    raise Http404


# The programme management pages' own routes, under /progress/manage/.
urlpatterns: list[URLPattern] = [
    path("", manage_page, name="manage"),
]
