from rest_framework.routers import SimpleRouter

from . import api

router = SimpleRouter()
router.register("districts", api.DistrictViewSet, basename="district")
router.register("segments", api.SegmentViewSet, basename="segment")
router.register("plans", api.PlanViewSet, basename="plan")
router.register("metrics", api.MetricViewSet, basename="metric")
router.register("item-kinds", api.ItemKindViewSet, basename="item-kind")
router.register("designation-kinds", api.DesignationKindViewSet, basename="designation-kind")
router.register("targets", api.TargetViewSet, basename="target")
urlpatterns = router.urls
