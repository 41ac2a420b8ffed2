from celery import shared_task
from django.conf import settings
from django_tenants.utils import schema_context

from .notifications import MAX_ATTEMPTS, notification_deliver, notifications_lost


@shared_task(bind=True, ignore_result=True, max_retries=MAX_ATTEMPTS)
def notification_send(self, notification_id: int) -> None:
    """Send an applicant's SMS; retried with back-off while the gateway fails."""
    if notification_deliver(notification_id) == "pending":
        raise self.retry(countdown=30 * 2**self.request.retries)


@shared_task(ignore_result=True)
def notifications_sweep() -> int:
    """In a center's schema: queue again every notification whose task was lost."""
    ids = notifications_lost()
    for pk in ids:
        notification_send.delay(pk)
    return len(ids)


@shared_task(ignore_result=True)
def dispatch_notification_sweeps() -> int:
    """Beat, in public: one sweep per active center, spread over the interval."""
    from tenants.selectors import active_center_schemas

    schemas = active_center_schemas()
    interval = settings.NOTIFICATION_SWEEP_SECONDS
    for index, schema_name in enumerate(schemas):
        with schema_context(schema_name):
            notifications_sweep.apply_async(
                countdown=interval * index / max(len(schemas), 1), expires=interval
            )
    return len(schemas)
