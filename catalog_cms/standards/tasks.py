"""Large template imports run here, out of the request, reporting progress in the cache."""

from celery import shared_task
from django.core.cache import cache
from django.core.exceptions import ValidationError

from . import services

JOB_PREFIX = "standards-import-job:"
JOB_TTL = 24 * 3600


def job_key(job_id: str) -> str:
    return f"{JOB_PREFIX}{job_id}"


def job_get(job_id: str) -> dict | None:
    return cache.get(job_key(job_id))


def _job_update(job_id: str, **changes) -> None:
    job = job_get(job_id) or {}
    job.update(changes)
    cache.set(job_key(job_id), job, JOB_TTL)


@shared_task(ignore_result=True)
def matter_templates_import_job(job_id: str, user_id: int) -> None:
    """Apply a previewed file (kept with the job) as `matter_templates_import` does, recording
    how far it got so the admin's progress page can show it. Runs in the public schema."""
    from tenants.accounts.models import User

    job = job_get(job_id)
    if not job or job.get("state") != "queued":
        return  # unknown, expired, or already taken by a redelivered copy of this task
    _job_update(job_id, state="running")
    actor = User.objects.filter(pk=user_id).first()

    def progress(done: int, total: int) -> None:
        if done % 25 == 0 or done == total:
            _job_update(job_id, done=done, total=total)

    try:
        summary = services.matter_templates_import(
            content=job["content"], filename=job["filename"], actor=actor, progress=progress
        )
    except ValidationError as exc:
        _job_update(job_id, state="failed", errors=exc.messages, content=None)
        return
    _job_update(
        job_id,
        state="done",
        content=None,
        created=len(summary.created),
        updated=len(summary.updated),
        unchanged=len(summary.unchanged),
    )
