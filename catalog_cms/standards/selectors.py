from django.conf import settings
from django.core.cache import cache
from django_tenants.utils import schema_context

from .models import Brand

BRAND_CACHE_KEY = "city-brand"


def city_brand() -> Brand:
    """The city's brand, read from the public schema whichever schema is active (cached under
    the public schema's key space, dropped when the brand is saved)."""
    with schema_context(settings.PUBLIC_SCHEMA_NAME):
        brand = cache.get(BRAND_CACHE_KEY)
        if brand is None:
            brand = Brand.load()
            cache.set(BRAND_CACHE_KEY, brand, 3600)
    return brand
