"""Tenant selection by domain, with the lookup cached and the center's status enforced."""

from collections.abc import Callable

from django.conf import settings
from django.db import DatabaseError, connection
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.utils import translation
from django_tenants.middleware.main import TenantMainMiddleware

from .cache import center_for_hostname
from .models import CenterStatus

# Paths that answer even when the database is down and the host is not cached, with their
# views: the health app registers /healthz in its AppConfig.ready().
_database_down_views: dict[str, Callable[[HttpRequest], HttpResponse]] = {}


def database_down_view_register(path: str, view: Callable[[HttpRequest], HttpResponse]) -> None:
    _database_down_views[path] = view


class CenterMiddleware(TenantMainMiddleware):
    """First in the stack: finds the center for the request's host (from the cache), answers
    404 for a host that is no tenant's, 503 for a suspended center and 410 for an archived one,
    and otherwise points the connection and the URL conf at the center's schema."""

    def get_tenant(self, domain_model, hostname):
        center = center_for_hostname(hostname)
        if center is None:
            raise domain_model.DoesNotExist
        return center

    def no_tenant_found(self, request, hostname):
        return _status_page(request, "tenants/unknown_domain.html", 404, {"hostname": hostname})

    def process_request(self, request):
        try:
            response = super().process_request(request)
        except DatabaseError:
            # The host was not in the cache and the database is down: /healthz still answers
            # (503, the database check failing) for load balancers and monitoring; anything
            # else is the server error it is.
            view = _database_down_views.get(request.path_info)
            if view is None:
                raise
            connection.set_schema_to_public()
            return view(request)
        if response is not None:
            return response
        center = request.tenant
        if center.status == CenterStatus.SUSPENDED:
            connection.set_schema_to_public()
            return _status_page(request, "tenants/suspended.html", 503, {"center": center})
        if center.status == CenterStatus.ARCHIVED:
            connection.set_schema_to_public()
            return _status_page(request, "tenants/archived.html", 410, {"center": center})
        return None


def _status_page(request, template: str, status: int, context: dict) -> HttpResponse:
    language = translation.get_language_from_request(request) or settings.LANGUAGE_CODE
    with translation.override(language):
        nonce = getattr(request, "csp_nonce", "")  # cityplatform.security's CSP
        body = render_to_string(
            template, {**context, "LANGUAGE_CODE": language, "csp_nonce": nonce}
        )
    response = HttpResponse(body, status=status)
    if status == 503:
        response["Retry-After"] = "3600"
    return response
