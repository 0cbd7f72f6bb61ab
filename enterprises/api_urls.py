from rest_framework.routers import SimpleRouter

from . import api

router = SimpleRouter()
router.register("enterprises", api.EnterpriseViewSet, basename="enterprise")
router.register("providers", api.ProviderViewSet, basename="provider")
router.register("designations", api.DesignationViewSet, basename="designation")
urlpatterns = router.urls
