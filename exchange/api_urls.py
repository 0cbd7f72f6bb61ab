"""API routes of exports and imports (API.md, "Exports and imports")."""

from django.urls import URLPattern, URLResolver

# Filled by exchange.api: POST/GET /api/v1/exports/, POST /api/v1/imports/enterprises/ …
urlpatterns: list[URLPattern | URLResolver] = []
