"""The city's domain (public schema)."""

from django.urls import include, path
from rest_framework.routers import SimpleRouter

from tenants.api.views import CenterViewSet

from .urls_common import common_patterns, me_pattern

router = SimpleRouter()
router.register("centers", CenterViewSet, basename="center")

head, wagtail = common_patterns(
    __name__,
    [me_pattern, *router.urls, path("", include("catalog_cms.standards.api.urls"))],
)
urlpatterns = head + wagtail
