"""The city's domain (public schema)."""

from django.urls import include, path
from rest_framework.routers import SimpleRouter

from portal.city import centers_page, rankings_page
from portal.search import city_search_page
from tenants.api.views import CenterViewSet

from .urls_common import common_patterns, me_pattern

router = SimpleRouter()
router.register("centers", CenterViewSet, basename="center")

head, wagtail = common_patterns(
    __name__,
    [me_pattern, *router.urls, path("", include("catalog_cms.standards.api.urls"))],
)
urlpatterns = [
    *head,
    path("search/", city_search_page, name="search"),
    path("centers/", centers_page, name="city-centers"),
    path("rankings/", rankings_page, name="city-rankings"),
    *wagtail,
]
