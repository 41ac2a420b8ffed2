from celery import shared_task

from .schemas import spare_schemas_fill


@shared_task(ignore_result=True)
def spare_schemas_refill() -> int:
    """Top the spare schema pool back up after a center took one."""
    return spare_schemas_fill()
