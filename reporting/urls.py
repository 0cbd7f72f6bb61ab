from django.urls import path

from . import views

app_name = "reporting"
urlpatterns = [
    path("", views.my_reports, name="my-reports"),
    path("review/", views.review_queue, name="review-queue"),
    path("completeness/", views.completeness, name="completeness"),
]
