from django.urls import path

from .pages import enterprise, figures, manage, maturity, overview, scopes, target

app_name = "progress"
urlpatterns = [
    path("", overview.overview, name="overview"),
    path("figures/", figures.figures, name="figures"),
    path("targets/<str:code>/", target.placeholder, name="target"),
    path("districts/<str:code>/", scopes.placeholder, name="district"),
    path("parks/<str:code>/", scopes.placeholder, name="park"),
    path("compare/", scopes.placeholder, name="compare"),
    path("maturity/", maturity.placeholder, name="maturity"),
    path("enterprises/<str:uscc>/", enterprise.placeholder, name="enterprise"),
    path("manage/", manage.placeholder, name="manage"),
]
