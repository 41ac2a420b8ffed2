"""Staff sessions: each login is registered, a user keeps at most MAX_SESSIONS_PER_USER (the
oldest end), and a session idle longer than SESSION_IDLE_TIMEOUT ends (SessionGuardMiddleware).
Sessions live in the schema of the domain they were opened on, like the users."""

from __future__ import annotations

import time

from django.conf import settings
from django.contrib.sessions.models import Session
from django.db import transaction
from django.utils import timezone

from tenants.audit.services import mask_ip

from .models import UserSession

LAST_ACTIVITY_KEY = "_last_activity"
# SESSION_SAVE_EVERY_REQUEST would write the session row on every request; the last activity
# is written at most once in this many seconds.
TOUCH_INTERVAL = 60


def session_started(*, user, request) -> list[str]:
    """Register the session just opened by `user` and end their oldest sessions beyond
    MAX_SESSIONS_PER_USER. Returns the keys of the sessions ended."""
    session = request.session
    if not session.session_key:
        session.save()
    session[LAST_ACTIVITY_KEY] = int(time.time())
    with transaction.atomic():
        UserSession.objects.update_or_create(
            session_key=session.session_key,
            defaults={"user": user, "ip": mask_ip(request.META.get("REMOTE_ADDR"))},
        )
        rows = list(UserSession.objects.filter(user=user).order_by("-created", "-id"))
        alive = set(
            Session.objects.filter(
                session_key__in=[r.session_key for r in rows], expire_date__gt=timezone.now()
            ).values_list("session_key", flat=True)
        )
        alive.add(session.session_key)
        live = [r for r in rows if r.session_key in alive]
        stale = [r.session_key for r in rows if r.session_key not in alive]
        ended = [r.session_key for r in live[max(settings.MAX_SESSIONS_PER_USER, 1) :]]
        Session.objects.filter(session_key__in=ended).delete()
        UserSession.objects.filter(session_key__in=[*ended, *stale]).delete()
    return ended


def session_ended(*, session_key: str | None) -> None:
    if session_key:
        UserSession.objects.filter(session_key=session_key).delete()


def session_idle_expired(request, now: float) -> bool:
    last = request.session.get(LAST_ACTIVITY_KEY)
    return last is not None and now - last > settings.SESSION_IDLE_TIMEOUT


def session_touch(request, now: float) -> None:
    """Record activity, at most once per TOUCH_INTERVAL (a session write and one UPDATE)."""
    last = request.session.get(LAST_ACTIVITY_KEY)
    if last is not None and now - last < TOUCH_INTERVAL:
        return
    request.session[LAST_ACTIVITY_KEY] = int(now)
    if request.session.session_key:
        UserSession.objects.filter(session_key=request.session.session_key).update(
            last_seen=timezone.now()
        )
