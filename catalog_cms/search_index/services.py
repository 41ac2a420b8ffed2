"""Publishing a center's catalog into the public search index."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction
from django_tenants.utils import schema_context

from .models import PublishedMatter
from .tokens import tsvector_text


def _document(matter) -> str:
    materials = [m.get("name", "") for m in matter.materials or [] if isinstance(m, dict)]
    return tsvector_text(matter.name, [matter.conditions, *materials])


def center_matters_publish(center, *, codes: Iterable[str] | None = None) -> int:
    """Rewrite the center's rows of the index from its LocalMatter: all of them, or only the
    given codes (a code no longer in the catalog loses its row). Returns the rows written.
    Reads the center's schema; the index lives in public, reachable on every search path."""
    from centers.catalog.models import LocalMatter

    codes = None if codes is None else list(dict.fromkeys(codes))
    with schema_context(center.schema_name), transaction.atomic():
        matters = LocalMatter.objects.only(
            "code", "name", "category_name", "mode", "online", "conditions", "materials"
        )
        rows = PublishedMatter.objects.filter(center=center)
        if codes is not None:
            matters = matters.filter(code__in=codes)
            rows = rows.filter(code__in=codes)
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
                for m in matters.iterator(chunk_size=1000)
            ],
            batch_size=1000,
        )
    return len(written)


def current_center_publish(*, codes: Iterable[str] | None = None) -> int:
    """center_matters_publish for the center whose schema is active (the catalog services
    call this after every change)."""
    from tenants.selectors import current_center

    return center_matters_publish(current_center(), codes=codes)


def all_centers_publish() -> dict[str, int]:
    """Republish every active center (existing data, or after a change of tokenising)."""
    from tenants.models import Center, CenterStatus

    written = {}
    for center in Center.objects.centers().filter(status=CenterStatus.ACTIVE).order_by("pk"):
        written[center.schema_name] = center_matters_publish(center)
    return written
