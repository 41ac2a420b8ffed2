from catalog_cms.standards.selectors import city_brand


def brand(request):
    """The city's brand and the current center on every page."""
    return {"brand": city_brand(), "center": getattr(request, "tenant", None)}
