from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from accounts import views as account_views
from progress.pages.public import public_page

from .health import healthz

admin.site.site_header = _("DX Tracker administration")
admin.site.site_title = _("DX Tracker")
admin.site.index_title = _("Catalogue, entities and users")

api_v1 = [
    path("", include("accounts.api_urls")),
    path("", include("targets.api_urls")),
    path("", include("parks.api_urls")),
    path("", include("enterprises.api_urls")),
    path("", include("reporting.api_urls")),
    path("", include("progress.api_urls")),
    path("", include("exchange.api_urls")),
]

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("accounts/", include("accounts.urls")),
    path("api/v1/", include(api_v1)),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path(
        "api/docs/",
        SpectacularSwaggerSplitView.as_view(url_name="schema", template_name="api_docs.html"),
        name="api-docs",
    ),
    path("", account_views.home, name="home"),
    path("public/", public_page, name="public"),
    path("reports/", include("reporting.urls")),
    path("progress/", include("progress.urls")),
    path("exchange/", include("exchange.urls")),
]
# Uploaded and generated files are never served as public media (not even with DEBUG):
# each has a view that checks the access policy.

# Errors: JSON under /api/ (its own 404 for /api/v1/ and unknown API paths), pages elsewhere;
# a database that cannot be reached is a 503 (core.views, core.middleware).
handler400 = "core.views.bad_request"
handler403 = "core.views.permission_denied"
handler404 = "core.views.page_not_found"
handler500 = "core.views.server_error"
