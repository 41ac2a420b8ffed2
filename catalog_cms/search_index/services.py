"""Publishing a center's catalog into the public search index.

The index does not read the centers' catalog itself: the catalog app registers the source of
a center's matters (``matters_source_register``, in its ``AppConfig.ready()``), a function
that returns, in the center's schema, the rows to publish (each with ``code``, ``name``,
``category_name``, ``mode``, ``online``, ``conditions`` and ``materials``), all of them or only
those of the given codes."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from django.db import connection, transaction
from django_tenants.utils import schema_context

from .models import CityMatter, PublishedMatter
from .tokens import tsvector_text

# Publishes run one at a time (a transaction-scoped advisory lock), so that two centers
# publishing the same matter at once cannot leave its city row without one of them.
_PUBLISH_LOCK = "search_index.publish"


MattersSource = Callable[[list[str] | None], Iterable]
_matters_source: list[MattersSource] = []


def matters_source_register(source: MattersSource) -> None:
    """The one source of a center's matters (registering again replaces it)."""
    _matters_source[:] = [source]


def _matters(codes: list[str] | None) -> Iterable:
    if not _matters_source:
        raise LookupError("no source of the centers' matters is registered")
    return _matters_source[0](codes)


def _document(matter) -> str:
    materials = [m.get("name", "") for m in matter.materials or [] if isinstance(m, dict)]
    return tsvector_text(matter.name, [matter.conditions, *materials])


def center_matters_publish(center, *, codes: Iterable[str] | None = None) -> int:
    """Rewrite the center's rows of the index from its LocalMatter: all of them, or only the
    given codes (a code no longer in the catalog loses its row). Returns the rows written.
    Reads the center's schema; the index lives in public, reachable on every search path."""
    codes = None if codes is None else list(dict.fromkeys(codes))
    with schema_context(center.schema_name), transaction.atomic():
        matters = _matters(codes)
        rows = PublishedMatter.objects.filter(center=center)
        if codes is not None:
            rows = rows.filter(code__in=codes)
        _publish_lock()
        keys = set(rows.values_list("code", "name"))
        rows.delete()
        written = PublishedMatter.objects.bulk_create(
            [
                PublishedMatter(
                    center=center,
                    code=m.code,
                    name=m.name,
                    category=m.category_name,
                    mode=m.mode,
                    online=m.online,
                    document=_document(m),
                )
                for m in matters
            ],
            batch_size=1000,
        )
        city_matters_refresh(keys | {(row.code, row.name) for row in written})
    return len(written)


def _publish_lock() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [_PUBLISH_LOCK])


def _city_matters_insert(where: str = "", params: list | None = None) -> None:
    from tenants.models import Center

    published, city = PublishedMatter._meta.db_table, CityMatter._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            INSERT INTO {city} (code, name, category, online, document, center_ids)
            SELECT p.code, p.name, max(p.category), bool_or(p.online),
                   string_agg(p.document::text, ' ')::tsvector,
                   array_agg(p.center_id ORDER BY c.division_code, c.id)
            FROM {published} p JOIN {Center._meta.db_table} c ON c.id = p.center_id
            {where}
            GROUP BY p.code, p.name
            """,
            params or [],
        )


def city_matters_refresh(keys) -> None:
    """Rebuild the city-wide rows of these (code, name) keys from the published rows. Call
    inside the transaction that changed them."""
    keys = sorted(set(keys))
    if not keys:
        return
    codes, names = [k[0] for k in keys], [k[1] for k in keys]
    with transaction.atomic():
        _publish_lock()
        with connection.cursor() as cursor:
            cursor.execute(
                f"DELETE FROM {CityMatter._meta.db_table} WHERE (code, name) IN"
                " (SELECT * FROM unnest(%s::text[], %s::text[]))",
                [codes, names],
            )
        _city_matters_insert(
            "WHERE (p.code, p.name) IN (SELECT * FROM unnest(%s::text[], %s::text[]))",
            [codes, names],
        )


def city_matters_rebuild() -> int:
    """Rebuild the whole city-wide index from the published rows (after a bulk load)."""
    with transaction.atomic():
        _publish_lock()
        CityMatter.objects.all().delete()
        _city_matters_insert()
    return CityMatter.objects.count()


def current_center_publish(*, codes: Iterable[str] | None = None) -> int:
    """center_matters_publish for the center whose schema is active (the catalog services
    call this after every change)."""
    from tenants.selectors import current_center

    return center_matters_publish(current_center(), codes=codes)


def center_restored_publish(center, hostname: str = "") -> int:
    """A restored center's rows of the index, rewritten from its restored catalog (a restore's
    step: tenants.provisioning); a center that is not active has none."""
    from tenants.models import CenterStatus

    if center.status != CenterStatus.ACTIVE:
        return 0
    return center_matters_publish(center)


def all_centers_publish() -> dict[str, int]:
    """Republish every active center (existing data, or after a change of tokenising)."""
    from tenants.models import Center, CenterStatus

    written = {}
    for center in Center.objects.centers().filter(status=CenterStatus.ACTIVE).order_by("pk"):
        written[center.schema_name] = center_matters_publish(center)
    city_matters_rebuild()
    return written
