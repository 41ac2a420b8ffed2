import hmac

from django.conf import settings
from django.db import DatabaseError
from django.http import HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache

from tenants.accounts.permissions import Capability, can

from .checks import health_report


def may_see_details(request) -> bool:
    """The checks and the schema they ran in are for this domain's staff (anyone who may open
    its admin) and for monitoring that sends HEALTHZ_TOKEN in the X-Healthz-Token header;
    everyone else learns only healthy or not."""
    token = settings.HEALTHZ_TOKEN
    sent = request.headers.get("X-Healthz-Token", "")
    if token and sent and hmac.compare_digest(sent.encode(), token.encode()):
        return True
    user = getattr(request, "user", None)
    try:
        return bool(user and user.is_authenticated and can(user, Capability.ACCESS_ADMIN))
    except DatabaseError:  # the session cannot be read while the database is down
        return False


@never_cache
def healthz(request):
    """Database, Redis, pending migrations and the last heartbeat of this domain's schema:
    200 {"status": "ok"} or 503 {"status": "unhealthy"}, with the details for staff only."""
    tenant = getattr(request, "tenant", None)
    healthy, report = health_report(schema_created_at=getattr(tenant, "created_at", None))
    body = report if may_see_details(request) else {"status": report["status"]}
    return JsonResponse(body, status=200 if healthy else 503)


def livez(request):
    """Liveness for load balancers: the process answers, nothing else is checked. Also the
    bare view that benchmarks compare pages against."""
    return HttpResponse("ok", content_type="text/plain")
