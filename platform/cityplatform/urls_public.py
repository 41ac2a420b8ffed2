"""The city's domain (public schema)."""

from django.urls import include, path
from rest_framework.routers import SimpleRouter

from evaluation.rectification.public import ratings_page
from portal.city import centers_page, rankings_page
from portal.rankings import ranking_center_page, ranking_pdf, ranking_xlsx
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
    path("rankings/<int:round_id>/ranking.xlsx", ranking_xlsx, name="city-ranking-xlsx"),
    path("rankings/<int:round_id>/report.pdf", ranking_pdf, name="city-ranking-pdf"),
    path("rankings/<int:round_id>/<slug:slug>/", ranking_center_page, name="city-ranking-center"),
    path("ratings/", ratings_page, name="city-ratings"),
    *wagtail,
]
