"""The guide search: a center's own catalog and the city-wide one, both over the public index
(PublishedMatter), ranked with a name match first, then by ts_rank (name weight A = 1.0 above
the conditions and materials, weight B = 0.4)."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import BooleanField, FloatField, Max, Q
from django.db.models.expressions import RawSQL
from django.db.models.functions import Length

from tenants.models import CenterStatus

from .models import PublishedMatter, Synonym
from .tokens import query_terms, tsquery_text

# How many results a page shows; the search is for finding a matter, not for browsing.
CENTER_LIMIT = 50
CITY_LIMIT = 30
_RANK_WEIGHTS = "{0.1, 0.2, 0.4, 1.0}"  # D, C, B, A
# A name that holds every term outranks any match in the rest (ts_rank stays well below this).
_NAME_BONUS = 100.0


def synonym_map() -> dict[str, list[str]]:
    result: dict[str, list[str]] = {}
    for term, official in Synonym.objects.values_list("term", "official"):
        result.setdefault(term, []).append(official)
    return result


@dataclass
class Query:
    text: str
    match: str  # tsquery text; empty when the query holds nothing searchable
    name_match: str


def search_query(q: str) -> Query:
    terms = query_terms(q or "", synonym_map())
    return Query(
        text=q or "", match=tsquery_text(terms), name_match=tsquery_text(terms, weight="A")
    )


def _document() -> str:
    return f'"{PublishedMatter._meta.db_table}"."document"'


def _matches(query: Query) -> RawSQL:
    return RawSQL(f"{_document()} @@ %s::tsquery", [query.match], output_field=BooleanField())


def _score(query: Query) -> RawSQL:
    document = _document()
    return RawSQL(
        f"(CASE WHEN {document} @@ %s::tsquery THEN {_NAME_BONUS} ELSE 0 END)"
        f" + ts_rank('{_RANK_WEIGHTS}'::float4[], {document}, %s::tsquery)",
        [query.name_match, query.match],
        output_field=FloatField(),
    )


def center_search(center, q: str, *, limit: int = CENTER_LIMIT) -> list[PublishedMatter]:
    """This center's matters that match, best first (each with .score)."""
    query = search_query(q)
    if not query.match:
        return []
    qs = PublishedMatter.objects.filter(_matches(query), center=center)
    return list(qs.annotate(score=_score(query)).order_by("-score", Length("name"), "code")[:limit])


@dataclass
class CityHit:
    code: str
    name: str
    category: str = ""
    online: bool = False
    centers: list = field(default_factory=list)  # [(Center, guide url)]


def city_search(q: str, *, limit: int = CITY_LIMIT) -> list[CityHit]:
    """Matters of every active center that match, grouped by code and name, best first, each
    with the centers that handle it (ordered by division code)."""
    from tenants.selectors import center_url

    query = search_query(q)
    if not query.match:
        return []
    base = PublishedMatter.objects.filter(center__status=CenterStatus.ACTIVE)
    groups = list(
        base.filter(_matches(query))
        .values("code", "name")
        .annotate(best=Max(_score(query)))
        .order_by("-best", Length("name"), "code")[:limit]
    )
    if not groups:
        return []
    hits = {(g["code"], g["name"]): CityHit(code=g["code"], name=g["name"]) for g in groups}
    wanted = Q()
    for g in groups:
        wanted |= Q(code=g["code"], name=g["name"])
    rows = (
        base.filter(wanted)
        .select_related("center", "center__parent")
        .prefetch_related("center__domains")
        .order_by("center__division_code")
    )
    for row in rows:
        hit = hits[(row.code, row.name)]
        hit.category = hit.category or row.category
        hit.online = hit.online or row.online
        hit.centers.append((row.center, f"{center_url(row.center)}guides/{row.code}/"))
    return list(hits.values())
