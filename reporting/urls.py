from django.urls import path

from . import evidence_views, views

app_name = "reporting"
urlpatterns = [
    path("", views.my_reports, name="my-reports"),
    path("quarter/<str:period>/", views.report_new, name="report-new"),
    path("<int:pk>/", views.report_detail, name="report-detail"),
    path("<int:pk>/approve/", views.report_approve, name="report-approve"),
    path("<int:pk>/pre-approve/", views.report_pre_approve, name="report-pre-approve"),
    path("<int:pk>/return/", views.report_return, name="report-return"),
    path("<int:pk>/reopen/", views.report_reopen, name="report-reopen"),
    path("all/", views.report_list, name="report-list"),
    path("review/", views.review_queue, name="review-queue"),
    path("review/approve/", views.bulk_approve, name="bulk-approve"),
    path("completeness/", views.completeness, name="completeness"),
    path(
        "evidence/<uuid:public_id>/",
        evidence_views.evidence_download,
        name="evidence-download",
    ),
    path(
        "evidence/<uuid:public_id>/preview/",
        evidence_views.evidence_preview,
        name="evidence-preview",
    ),
    path(
        "evidence/<uuid:public_id>/check/",
        evidence_views.evidence_check,
        name="evidence-check",
    ),
]
