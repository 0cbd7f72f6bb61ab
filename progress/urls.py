from django.urls import include, path

from .pages import enterprise, figures, manage, maturity, overview, publish, scopes, target

app_name = "progress"
urlpatterns = [
    path("", overview.overview, name="overview"),
    path("figures/", figures.figures, name="figures"),
    path("targets/<str:code>/", target.target_page, name="target"),
    path("districts/<str:code>/", scopes.district_page, name="district"),
    path("parks/<str:code>/", scopes.park_page, name="park"),
    path("compare/", scopes.compare_page, name="compare"),
    path("maturity/", maturity.maturity_page, name="maturity"),
    path("enterprises/<str:uscc>/", enterprise.enterprise_page, name="enterprise"),
    path("manage/publications/", include(publish.urlpatterns)),
    path("manage/", include(manage.urlpatterns)),
]
