"""URL patterns served on every domain, city and center alike."""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.documents import urls as wagtaildocs_urls

from portal.preferences import brand_css, elder_mode, set_language
from tenants.accounts.api.views import MeView
from tenants.health.views import healthz, livez
from tenants.media import tenant_media


def common_patterns(urlconf: str, api_patterns: list) -> tuple[list, list]:
    """(patterns before Wagtail's catch-all, Wagtail's catch-all)."""
    head = [
        path("healthz", healthz, name="healthz"),
        path("livez", livez, name="livez"),
        path("api/v1/", include((api_patterns, "api"), namespace="v1")),
        path("api/schema/", SpectacularAPIView.as_view(urlconf=urlconf), name="api-schema"),
        path(
            "api/docs/",
            # GET only: DRF's OPTIONS answer cannot be rendered by this HTML view (was a 500).
            SpectacularSwaggerView.as_view(
                url_name="api-schema", http_method_names=["get", "head"]
            ),
            name="api-docs",
        ),
        path("i18n/setlang/", set_language, name="set_language"),
        path("elder-mode/", elder_mode, name="elder-mode"),
        path("brand.css", brand_css, name="brand-css"),
        path("admin/", include(wagtailadmin_urls)),
        path("documents/", include(wagtaildocs_urls)),
        path("media/<path:path>", tenant_media, name="tenant-media"),
    ]
    return head, [path("", include(wagtail_urls))]


me_pattern = path("me/", MeView.as_view(), name="me")
