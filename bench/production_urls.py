"""The product's URLs plus ``/bench/trivial/``: a template page through the same middleware,
session and context processors, the ceiling every load figure is read against."""

from django.http import HttpRequest, HttpResponse
from django.template import engines
from django.urls import include, path

TRIVIAL_TEMPLATE = engines["django"].from_string(
    "<!doctype html><html lang='{{ LANGUAGE_CODE }}'><title>bench</title>"
    "<p>{{ user.username }}</p></html>"
)


def trivial(request: HttpRequest) -> HttpResponse:
    return HttpResponse(TRIVIAL_TEMPLATE.render({}, request))


urlpatterns = [
    path("bench/trivial/", trivial),
    path("", include("config.urls")),
]
