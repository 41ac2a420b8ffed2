"""A center's domain (its own schema)."""

from django.urls import include, path

from portal.progress import progress as progress_page

from .urls_common import common_patterns, me_pattern

head, wagtail = common_patterns(
    __name__,
    [
        me_pattern,
        path("", include("centers.workspace.api.urls")),
        path("", include("centers.catalog.api.urls")),
        path("", include("centers.cases.api.urls")),
    ],
)
urlpatterns = [*head, path("progress/", progress_page, name="progress"), *wagtail]
