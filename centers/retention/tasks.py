"""Beat fires the dispatcher nightly in the public schema; it sends one retention task per
active center, spread over an hour, and each anonymises its center's records past the city's
periods (services.retention_apply)."""

from celery import shared_task
from django_tenants.utils import schema_context

# Spread the centers' tasks over this many seconds, so hundreds of centers never run at once.
SPREAD_SECONDS = 3600


@shared_task(ignore_result=True)
def retention_center() -> dict:
    from .services import retention_apply

    return retention_apply()


@shared_task(ignore_result=True)
def dispatch_retention() -> int:
    from tenants.selectors import active_center_schemas

    schemas = active_center_schemas()
    for index, schema_name in enumerate(schemas):
        with schema_context(schema_name):
            retention_center.apply_async(
                countdown=SPREAD_SECONDS * index / max(len(schemas), 1), expires=6 * 3600
            )
    return len(schemas)
