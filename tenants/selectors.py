from django.conf import settings

from .models import Center, CenterStatus


def active_center_schemas() -> list[str]:
    return list(
        Center.objects.centers()
        .filter(status=CenterStatus.ACTIVE)
        .order_by("pk")
        .values_list("schema_name", flat=True)
    )


def center_directory():
    """The public directory of centers: what GET /api/v1/centers/ lists."""
    return (
        Center.objects.centers()
        .select_related("parent")
        .prefetch_related("domains")
        .order_by("division_code")
    )


def center_primary_domain(center: Center) -> str | None:
    for domain in center.domains.all():
        if domain.is_primary:
            return domain.domain
    return None


def center_url(center: Center) -> str:
    return domain_url(center_primary_domain(center) or f"{center.slug}.{settings.CITY_DOMAIN}")


def domain_url(domain: str) -> str:
    """The portal's address on `domain`, with the scheme and port links carry."""
    port = settings.CITY_URL_PORT
    default_port = {"http": 80, "https": 443}[settings.CITY_URL_SCHEME]
    suffix = "" if port == default_port else f":{port}"
    return f"{settings.CITY_URL_SCHEME}://{domain}{suffix}/"


def current_center() -> Center:
    """The Center whose schema is active. Inside a request that is request.tenant; inside a
    schema_context or a Celery task the connection holds only a stand-in, so look it up."""
    from django.db import connection

    tenant = getattr(connection, "tenant", None)
    if isinstance(tenant, Center):
        return tenant
    return Center.objects.get(schema_name=connection.schema_name)
