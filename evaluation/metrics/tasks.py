"""Beat fires the dispatcher in the public schema; it sends one snapshot task per active
center, spread over a few minutes, and each recomputes its center's recent days."""

from celery import shared_task
from django.db import connection
from django_tenants.utils import schema_context

# Spread the centers' tasks over this many seconds (the beat runs hourly).
SPREAD_SECONDS = 600


@shared_task(ignore_result=True)
def snapshot_center() -> int:
    """In a center's schema: recompute its last RECOMPUTE_DAYS days (late ratings and
    closures change recent days)."""
    from tenants.models import Center

    from .services import recent_days, snapshot_compute_range

    center = Center.objects.get(schema_name=connection.schema_name)
    start, end = recent_days()
    return len(snapshot_compute_range(center, start, end))


@shared_task(ignore_result=True)
def dispatch_snapshots() -> int:
    from tenants.selectors import active_center_schemas

    schemas = active_center_schemas()
    for index, schema_name in enumerate(schemas):
        with schema_context(schema_name):
            snapshot_center.apply_async(
                countdown=SPREAD_SECONDS * index / max(len(schemas), 1), expires=3600
            )
    return len(schemas)
