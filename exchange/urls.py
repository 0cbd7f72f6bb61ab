"""Browser pages of exports and imports, under /exchange/."""

from django.urls import URLPattern, URLResolver

app_name = "exchange"
urlpatterns: list[URLPattern | URLResolver] = []

# Imports (exchange.import_views).
from django.urls import path  # noqa: E402

from . import import_views  # noqa: E402

urlpatterns += [
    path("imports/", import_views.import_page, name="imports"),
    path("imports/confirm/", import_views.import_confirm, name="import-confirm"),
    path("imports/errors/", import_views.import_errors, name="import-errors"),
    path("imports/template/<str:kind>/", import_views.import_template, name="import-template"),
]

# Exports (exchange.views): the programme workbook.
from . import views  # noqa: E402

urlpatterns += [
    path("exports/", views.exports_page, name="exports"),
    path("exports/<int:pk>/download/", views.export_download, name="export-download"),
    path("exports/summary.csv", views.summary_csv, name="summary-csv"),
]

# Every page's table as a download (exchange.views.table_download, exchange.tables).
urlpatterns += [
    path(
        "tables/<slug:name>.xlsx", views.table_download, {"file_format": "xlsx"}, name="table-xlsx"
    ),
    path("tables/<slug:name>.csv", views.table_download, {"file_format": "csv"}, name="table-csv"),
]
