from celery import shared_task
from django.core.cache import cache
from redis.exceptions import LockError

from .schemas import spare_schemas_fill


@shared_task(ignore_result=True)
def spare_schemas_refill() -> int:
    """Top the spare schema pool back up after a center took one. One refill at a time: a
    second one queued meanwhile finds the lock taken and leaves the work to the first."""
    try:
        with cache.lock("spare-schemas-refill", timeout=600, blocking_timeout=0):
            return spare_schemas_fill()
    except LockError:
        return 0
