from django.urls import include, path

from . import api

urlpatterns = [
    path("progress/", api.ProgressListView.as_view(), name="progress-list"),
    path("progress/<str:code>/series/", api.ProgressSeriesView.as_view(), name="progress-series"),
    path(
        "progress/<str:code>/evidence/",
        api.ProgressEvidenceView.as_view(),
        name="progress-evidence",
    ),
    path("rollups/", api.RollupListView.as_view(), name="rollup-list"),
    path("rollups/<int:pk>/", api.RollupDetailView.as_view(), name="rollup-detail"),
    path("", include("progress.allocation_api")),
    path("publications/", api.PublicationListView.as_view(), name="publication-list"),
    path("public/progress/", api.PublicProgressView.as_view(), name="public-progress"),
]
