from catalog_cms.standards.selectors import brand_signature, city_brand

from .preferences import elder_mode_on


def brand(request):
    """The city's brand, the current center and the resident's display preference on every
    page."""
    brand = city_brand()
    return {
        "brand": brand,
        "brand_signature": brand_signature(brand),
        "center": getattr(request, "tenant", None),
        "elder_mode": elder_mode_on(request),
    }
