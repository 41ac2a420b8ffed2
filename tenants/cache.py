"""The domain-to-center lookup, cached in Redis so a request costs no query to find its tenant.

Keys are written and read with the connection on the public schema, and are dropped whenever a
center or a domain changes."""

from django.conf import settings
from django.core.cache import cache
from django_tenants.utils import schema_context

_MISSING = "-"
NEGATIVE_TTL = 30


def _key(hostname: str) -> str:
    return f"tenant-domain:{hostname}"


def center_for_hostname(hostname: str):
    """The Center serving `hostname`, or None. Cached; call with the connection on public."""
    from .models import Center, Domain

    cached = cache.get(_key(hostname))
    if cached == _MISSING:
        return None
    if cached is not None:
        center = Center(**cached)
        center._state.adding = False
        center._state.db = "default"
        return center
    domain = Domain.objects.select_related("tenant").filter(domain=hostname).first()
    if domain is None:
        cache.set(_key(hostname), _MISSING, NEGATIVE_TTL)
        return None
    center = domain.tenant
    values = {f.attname: getattr(center, f.attname) for f in Center._meta.concrete_fields}
    cache.set(_key(hostname), values, settings.TENANT_DOMAIN_CACHE_SECONDS)
    return center


def forget_domain(hostname: str) -> None:
    with schema_context(settings.PUBLIC_SCHEMA_NAME):
        cache.delete(_key(hostname))


def forget_center_domains(center) -> None:
    if center.pk is None:
        return
    with schema_context(settings.PUBLIC_SCHEMA_NAME):
        cache.delete_many([_key(d) for d in center.domains.values_list("domain", flat=True)])
