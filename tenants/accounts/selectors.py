"""Reads of the accounts app."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.db.models import Max
from django.utils import timezone


@dataclass(frozen=True)
class Lockout:
    username: str
    failures: int
    last_attempt: object


def current_lockouts() -> list[Lockout]:
    """The accounts of this schema that django-axes refuses now: at least AXES_FAILURE_LIMIT
    failures within the cool-off time, newest first."""
    from axes.models import AccessAttempt

    since = timezone.now() - settings.AXES_COOLOFF_TIME
    rows = (
        AccessAttempt.objects.filter(attempt_time__gte=since, username__isnull=False)
        .exclude(username="")
        .values("username")
        .annotate(failures=Max("failures_since_start"), last_attempt=Max("attempt_time"))
        .filter(failures__gte=settings.AXES_FAILURE_LIMIT)
        .order_by("-last_attempt")
    )
    return [Lockout(**row) for row in rows]
