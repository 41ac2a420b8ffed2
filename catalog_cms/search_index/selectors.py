"""The guide search: a center's own catalog and the city-wide one, both over the public index
(PublishedMatter), ranked with a name match first, then by ts_rank (name weight A = 1.0 above
the conditions and materials, weight B = 0.4)."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import BooleanField, FloatField
from django.db.models.expressions import RawSQL
from django.db.models.functions import Length

from tenants.models import CenterStatus

from .models import CityMatter, PublishedMatter, Synonym
from .tokens import loose_tsquery_text, query_terms, tsquery_text

# How many results a page shows; the search is for finding a matter, not for browsing.
CENTER_LIMIT = 50
CITY_LIMIT = 30
CLOSEST_LIMIT = 10  # when nothing matches every word: the closest matters
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


def closest_query(q: str) -> Query:
    """Any term of the query in a matter's name (and ranked by how many of them it holds,
    anywhere): for when the exact query finds nothing."""
    terms = query_terms(q or "", synonym_map())
    return Query(
        text=q or "",
        match=loose_tsquery_text(terms, weight="A"),
        name_match=loose_tsquery_text(terms, weight="A"),
    )


def _document(model=PublishedMatter) -> str:
    return f'"{model._meta.db_table}"."document"'


def _matches(query: Query, model=PublishedMatter) -> RawSQL:
    return RawSQL(f"{_document(model)} @@ %s::tsquery", [query.match], output_field=BooleanField())


def _score(query: Query, model=PublishedMatter) -> RawSQL:
    document = _document(model)
    return RawSQL(
        f"(CASE WHEN {document} @@ %s::tsquery THEN {_NAME_BONUS} ELSE 0 END)"
        f" + ts_rank('{_RANK_WEIGHTS}'::float4[], {document}, %s::tsquery)",
        [query.name_match, query.match],
        output_field=FloatField(),
    )


def center_search(center, q: str, *, limit: int = CENTER_LIMIT) -> list[PublishedMatter]:
    """This center's matters that match, best first (each with .score)."""
    return _center_matters(center, search_query(q), limit)


def center_search_closest(center, q: str, *, limit: int = CLOSEST_LIMIT) -> list[PublishedMatter]:
    """When center_search finds nothing: this center's matters whose names share a term with
    the query, those sharing most first."""
    return _center_matters(center, closest_query(q), limit)


def _center_matters(center, query: Query, limit: int) -> list[PublishedMatter]:
    if not query.match:
        return []
    qs = PublishedMatter.objects.filter(_matches(query), center=center)
    return list(qs.annotate(score=_score(query)).order_by("-score", Length("name"), "code")[:limit])


@dataclass(frozen=True)
class CenterRef:
    """What a search hit shows of a center that holds the matter."""

    pk: int
    display_name: str
    parent_name: str
    division_code: str
    url: str


@dataclass
class CityHit:
    code: str
    name: str
    category: str = ""
    online: bool = False
    centers: list = field(default_factory=list)  # [(CenterRef, guide url)]


def _active_centers(ids) -> dict[int, CenterRef]:
    """The active ones among these centers, read as plain values (a hit may list hundreds)."""
    from django.conf import settings

    from tenants.models import Center, Domain, center_display_name
    from tenants.selectors import domain_url

    rows = list(
        Center.objects.filter(pk__in=ids, status=CenterStatus.ACTIVE).values_list(
            "pk", "name", "kind", "division_code", "slug", "parent__name"
        )
    )
    primary = dict(
        Domain.objects.filter(tenant_id__in=[row[0] for row in rows], is_primary=True).values_list(
            "tenant_id", "domain"
        )
    )
    return {
        pk: CenterRef(
            pk=pk,
            display_name=center_display_name(name, kind),
            parent_name=parent_name or "",
            division_code=division_code,
            url=domain_url(primary.get(pk) or f"{slug}.{settings.CITY_DOMAIN}"),
        )
        for pk, name, kind, division_code, slug, parent_name in rows
    }


def city_search(q: str, *, limit: int = CITY_LIMIT) -> list[CityHit]:
    """Matters of every active center that match, best first, each with the centers that
    handle it (ordered by division code). Reads the city-wide rows (one per distinct matter),
    then the centers of the hits as plain values."""
    return _city_hits(search_query(q), limit)


def city_search_closest(q: str, *, limit: int = CLOSEST_LIMIT) -> list[CityHit]:
    """When city_search finds nothing: the matters whose names share a term with the query."""
    return _city_hits(closest_query(q), limit)


def _city_hits(query: Query, limit: int) -> list[CityHit]:
    if not query.match:
        return []
    matters = list(
        CityMatter.objects.filter(_matches(query, CityMatter))
        .annotate(score=_score(query, CityMatter))
        .order_by("-score", Length("name"), "code")
        .values_list("code", "name", "category", "online", "center_ids")[: limit * 2]
    )
    centers = _active_centers({pk for *_rest, ids in matters for pk in ids})
    hits = []
    for code, name, category, online, ids in matters:
        held = [centers[pk] for pk in ids if pk in centers]
        if not held:
            continue  # every center holding it is suspended or gone
        hits.append(
            CityHit(
                code=code,
                name=name,
                category=category,
                online=online,
                centers=[(center, f"{center.url}guides/{code}/") for center in held],
            )
        )
        if len(hits) == limit:
            break
    return hits
