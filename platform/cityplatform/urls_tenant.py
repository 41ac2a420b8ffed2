"""A center's domain (its own schema)."""

from django.urls import include, path

from .urls_common import common_patterns, me_pattern

head, wagtail = common_patterns(
    __name__,
    [
        me_pattern,
        path("", include("centers.workspace.api.urls")),
        path("", include("centers.catalog.api.urls")),
    ],
)
urlpatterns = head + wagtail
