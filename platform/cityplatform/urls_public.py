"""The city's domain (public schema)."""

from rest_framework.routers import SimpleRouter

from tenants.api.views import CenterViewSet

from .urls_common import common_patterns, me_pattern

router = SimpleRouter()
router.register("centers", CenterViewSet, basename="center")

head, wagtail = common_patterns(__name__, [me_pattern, *router.urls])
urlpatterns = head + wagtail
