"""Browser pages of exports and imports, under /exchange/."""

from django.urls import URLPattern, URLResolver

app_name = "exchange"
urlpatterns: list[URLPattern | URLResolver] = []
