"""API routes of exports and imports (API.md, "Exports and imports")."""

from django.urls import URLPattern, URLResolver

# Filled by exchange.api: POST/GET /api/v1/exports/, POST /api/v1/imports/enterprises/ …
urlpatterns: list[URLPattern | URLResolver] = []

# Imports (exchange.import_api).
from django.urls import path  # noqa: E402

from . import import_api  # noqa: E402

urlpatterns += [
    path(
        "imports/enterprises/",
        import_api.EnterpriseImportView.as_view(),
        name="import-enterprises",
    ),
    path("imports/parks/", import_api.ParkImportView.as_view(), name="import-parks"),
    path("imports/providers/", import_api.ProviderImportView.as_view(), name="import-providers"),
    path("imports/reports/", import_api.ReportImportView.as_view(), name="import-reports"),
    path(
        "imports/<str:kind>/template/",
        import_api.ImportTemplateView.as_view(),
        name="import-template",
    ),
]

# Exports (exchange.api): the programme workbook.
from . import api  # noqa: E402

urlpatterns += [
    path("exports/", api.ExportListView.as_view(), name="export-list"),
    path("exports/<int:pk>/", api.ExportDetailView.as_view(), name="export-detail"),
    path("exports/<int:pk>/download/", api.ExportDownloadView.as_view(), name="export-download"),
]
