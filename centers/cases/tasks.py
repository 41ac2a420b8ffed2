from celery import shared_task

from .notifications import MAX_ATTEMPTS, notification_deliver


@shared_task(bind=True, ignore_result=True, max_retries=MAX_ATTEMPTS)
def notification_send(self, notification_id: int) -> None:
    """Send an applicant's SMS; retried with back-off while the gateway fails."""
    if notification_deliver(notification_id) == "pending":
        raise self.retry(countdown=30 * 2**self.request.retries)
