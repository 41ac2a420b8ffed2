"""The Celery app. Tasks run in the schema of the tenant that sent them
(tenant-schemas-celery); beat's per-tenant jobs go through dispatchers that spread them out."""

import os

from tenant_schemas_celery.app import CeleryApp

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cityplatform.settings")

app = CeleryApp("cityplatform")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
app.autodiscover_tasks(["tenants.health"])


@app.on_after_finalize.connect
def _schedule(sender, **kwargs):
    from django.conf import settings

    sender.add_periodic_task(
        settings.HEARTBEAT_INTERVAL_SECONDS,
        sender.signature("tenants.health.tasks.dispatch_heartbeats"),
        name="dispatch per-center heartbeats",
    )
