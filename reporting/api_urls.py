from django.urls import path
from rest_framework.routers import SimpleRouter

from . import api, evidence_api

router = SimpleRouter()
router.register("submissions", api.SubmissionViewSet, basename="submission")
urlpatterns = [
    *router.urls,
    path("completeness/", api.CompletenessView.as_view(), name="completeness"),
    path(
        "submissions/<int:submission_id>/items/<int:position>/files/",
        evidence_api.ItemFilesView.as_view(),
        name="item-files",
    ),
    path(
        "submissions/<int:submission_id>/items/<int:position>/files/<int:file_id>/",
        evidence_api.ItemFileView.as_view(),
        name="item-file",
    ),
    path(
        "evidence/<uuid:public_id>/",
        evidence_api.EvidenceDownloadView.as_view(),
        name="evidence-download",
    ),
]
