"""Beat fires the dispatcher in the public schema every ten minutes; it sends one scan task
per active center, spread over half the interval (tenant-schemas-celery runs each in its
center's schema)."""

from __future__ import annotations

from celery import shared_task
from django_tenants.utils import schema_context

SCAN_INTERVAL_SECONDS = 600
SCAN_SPREAD_SECONDS = 300


@shared_task(ignore_result=True)
def supervision_scan_center() -> dict:
    """Scan the current center schema (set by the tenant task) for today."""
    from django.utils import timezone

    from tenants.selectors import current_center

    from .services import supervision_scan

    return supervision_scan(current_center(), timezone.localdate()).as_dict()


@shared_task(ignore_result=True)
def dispatch_supervision_scans() -> int:
    from tenants.selectors import active_center_schemas

    schemas = active_center_schemas()
    for index, schema_name in enumerate(schemas):
        with schema_context(schema_name):
            supervision_scan_center.apply_async(
                countdown=SCAN_SPREAD_SECONDS * index / max(len(schemas), 1),
                expires=SCAN_INTERVAL_SECONDS,
            )
    return len(schemas)
