from rest_framework.routers import SimpleRouter

from .api import ParkViewSet

router = SimpleRouter()
router.register("parks", ParkViewSet, basename="park")
urlpatterns = router.urls
