"""Delivery of exchange messages: one task per message, queued when the sending transaction
commits, and a beat job that sends again whatever a lost task or a back-off left pending."""

from celery import shared_task

from . import services


@shared_task(ignore_result=True)
def exchange_deliver(message_id: str) -> str:
    return services.message_deliver(message_id)


@shared_task(ignore_result=True)
def exchange_sweep() -> int:
    ids = services.messages_due()
    for pk in ids:
        exchange_deliver.delay(str(pk))
    return len(ids)
