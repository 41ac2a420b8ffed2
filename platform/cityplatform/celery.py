"""The Celery app. Tasks run in the schema of the tenant that sent them
(tenant-schemas-celery); beat's per-tenant jobs go through dispatchers that spread them out.

Development settings by default; production workers and beat (deploy/bin/city-worker,
city-beat) run with DJANGO_SETTINGS_MODULE=cityplatform.settings.production, which refuses to
start unless the environment sets DJANGO_SECRET_KEY, DJANGO_ALLOWED_HOSTS, DATABASE_URL,
PII_ENCRYPTION_KEYS and PII_HASH_KEY (deploy/README.md). Nightly jobs (retention) are in
CELERY_BEAT_SCHEDULE in the settings; the interval jobs below are added to it."""

import os

from celery.signals import beat_init
from tenant_schemas_celery.app import CeleryApp

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cityplatform.settings.dev")

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
    sender.add_periodic_task(
        60.0,
        sender.signature("tenants.exchange.tasks.exchange_sweep"),
        name="re-send exchange messages whose delivery was lost or is due again",
    )
    sender.add_periodic_task(
        float(settings.NOTIFICATION_SWEEP_SECONDS),
        sender.signature("centers.cases.tasks.dispatch_notification_sweeps"),
        name="re-send applicant SMS whose task was lost (e.g. Redis down at the commit)",
    )
    sender.add_periodic_task(
        3600.0,
        sender.signature("centers.appointments.tasks.dispatch_appointment_reminders"),
        name="dispatch per-center appointment reminders",
    )
    sender.add_periodic_task(
        600.0,
        sender.signature("evaluation.supervision.tasks.dispatch_supervision_scans"),
        name="dispatch per-center electronic supervision scans (电子监察)",
    )
    sender.add_periodic_task(
        86400.0,
        sender.signature("tenants.audit.tasks.audit_purge"),
        name="remove audit entries older than AUDIT_RETENTION_DAYS",
    )
    sender.add_periodic_task(
        86400.0,
        sender.signature("centers.cases.tasks.calendar_years_watch"),
        name="recompute provisional promised dates when the calendar library learns a year",
    )
    sender.add_periodic_task(
        3600.0,
        sender.signature("evaluation.metrics.tasks.dispatch_snapshots"),
        name="dispatch per-center metric snapshots (the last 7 days)",
    )


@beat_init.connect
def _first_heartbeat(sender, **kwargs):
    """Beat's interval schedule first fires one interval after start; send the first round of
    heartbeats at once so /healthz is green right after a (re)start."""
    app.send_task("tenants.health.tasks.dispatch_heartbeats")
