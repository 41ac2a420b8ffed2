"""The audit log's beat job: once a day, remove entries past their retention."""

from celery import shared_task

from . import services


@shared_task(ignore_result=True)
def audit_purge() -> int:
    return services.audit_purge()
