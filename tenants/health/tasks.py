"""The per-schema heartbeat: beat fires the dispatcher in the public schema, which records the
city's own beat and sends one heartbeat per active center, spread over the interval so that
hundreds of centers never fire at once."""

from celery import shared_task
from django.conf import settings
from django_tenants.utils import schema_context

from .services import heartbeat_record


@shared_task(ignore_result=True)
def heartbeat() -> None:
    heartbeat_record()


@shared_task(ignore_result=True)
def dispatch_heartbeats() -> int:
    from tenants.selectors import active_center_schemas

    heartbeat_record()
    schemas = active_center_schemas()
    interval = settings.HEARTBEAT_INTERVAL_SECONDS
    for index, schema_name in enumerate(schemas):
        with schema_context(schema_name):
            heartbeat.apply_async(
                countdown=interval * index / max(len(schemas), 1), expires=interval * 2
            )
    return len(schemas)
