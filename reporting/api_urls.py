from django.urls import path
from rest_framework.routers import SimpleRouter

from . import api

router = SimpleRouter()
router.register("submissions", api.SubmissionViewSet, basename="submission")
urlpatterns = [
    *router.urls,
    path("completeness/", api.CompletenessView.as_view(), name="completeness"),
]
