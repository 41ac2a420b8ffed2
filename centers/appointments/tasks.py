"""Appointment reminders: a daily beat job fans out one task per center schema."""

from __future__ import annotations

from celery import shared_task
from django_tenants.utils import schema_context

REMINDER_SPREAD_SECONDS = 1800
# Reminders go out during the day (local time), never at night.
REMINDER_HOURS = range(9, 20)


@shared_task(ignore_result=True)
def appointment_reminders_send() -> int:
    """Send tomorrow's reminders in the current center schema (set by the tenant task)."""
    from .services import reminders_send

    return reminders_send()


@shared_task(ignore_result=True)
def dispatch_appointment_reminders() -> int:
    """Hourly: one reminder task per active center, spread over half an hour, in the day."""
    from django.utils import timezone

    from tenants.selectors import active_center_schemas

    if timezone.localtime().hour not in REMINDER_HOURS:
        return 0
    schemas = active_center_schemas()
    for index, schema_name in enumerate(schemas):
        with schema_context(schema_name):
            appointment_reminders_send.apply_async(
                countdown=REMINDER_SPREAD_SECONDS * index / max(len(schemas), 1)
            )
    return len(schemas)
