"""The guide search pages (/search/?q=): on a center's domain, that center's catalog; on the
city's domain, every center's, answering which centers handle a matter. Both read the public
index the centers publish (catalog_cms.search_index). When nothing matches every word of a
query, the page offers the closest matters instead (names sharing a term with it)."""

from __future__ import annotations

from django.shortcuts import render
from django.views.decorators.http import require_GET

from catalog_cms.search_index.selectors import (
    center_search,
    center_search_closest,
    city_search,
    city_search_closest,
)
from catalog_cms.search_index.tokens import MAX_QUERY_LENGTH


def _query(request) -> str:
    return " ".join((request.GET.get("q") or "").split())[:MAX_QUERY_LENGTH]


@require_GET
def search(request):
    """A center's own search; results link to the center's guides."""
    q = _query(request)
    results = center_search(request.tenant, q) if q else []
    closest = bool(q) and not results
    if closest:
        results = center_search_closest(request.tenant, q)
    return render(request, "portal/search.html", {"q": q, "results": results, "closest": closest})


@require_GET
def city_search_page(request):
    """The city-wide search: each matter with the centers that handle it."""
    q = _query(request)
    hits = city_search(q) if q else []
    closest = bool(q) and not hits
    if closest:
        hits = city_search_closest(q)
    return render(request, "portal/city_search.html", {"q": q, "hits": hits, "closest": closest})
