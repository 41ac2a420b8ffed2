from django.http import HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache

from .checks import health_report


@never_cache
def healthz(request):
    """Database, Redis, pending migrations and the last heartbeat of this domain's schema."""
    tenant = getattr(request, "tenant", None)
    healthy, report = health_report(schema_created_at=getattr(tenant, "created_at", None))
    return JsonResponse(report, status=200 if healthy else 503)


def livez(request):
    """Liveness for load balancers: the process answers, nothing else is checked. Also the
    bare view that benchmarks compare pages against."""
    return HttpResponse("ok", content_type="text/plain")
