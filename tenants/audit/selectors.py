"""Reading the audit log, scoped: the city's administrators read every domain's entries; a
center's director reads the entries of their own center only."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass

from django.db import connection
from django.utils import timezone

from tenants.domains import on_center_domain

from .models import AuditEntry

PAGE_SIZE = 50
EXPORT_MAX_ROWS = 50_000


@dataclass(frozen=True)
class AuditFilters:
    schema_name: str = ""  # the city only: one center's (or "public": the city's own)
    action: str = ""
    actor: str = ""
    start: datetime.date | None = None
    end: datetime.date | None = None


# Who may read the log is an access rule: the accounts app, above this one (it writes its
# logins and role changes here), registers it in its AppConfig.ready(); until then nobody may.
_reader_check: list[Callable[[object], bool]] = []


def reader_check_register(check: Callable[[object], bool]) -> None:
    _reader_check[:] = [check]


def may_view_audit(user) -> bool:
    return bool(_reader_check) and _reader_check[0](user)


def _day_start(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def audit_entries(user, filters: AuditFilters = AuditFilters()):
    """The entries `user` may read on the current domain, newest first, narrowed by
    `filters`. None for a user who may read none."""
    if not may_view_audit(user):
        return AuditEntry.objects.none()
    entries = AuditEntry.objects.select_related("center").order_by("-id")
    if on_center_domain():
        entries = entries.filter(schema_name=connection.schema_name)
    elif filters.schema_name:
        entries = entries.filter(schema_name=filters.schema_name)
    if filters.action:
        entries = entries.filter(action=filters.action)
    if filters.actor:
        entries = entries.filter(actor_username__icontains=filters.actor)
    if filters.start:
        entries = entries.filter(at__gte=_day_start(filters.start))
    if filters.end:
        entries = entries.filter(at__lt=_day_start(filters.end + datetime.timedelta(days=1)))
    return entries


def audit_page(user, filters: AuditFilters, before: int | None = None):
    """One page (keyset on the id, newest first) and the id to continue before, or None."""
    entries = audit_entries(user, filters)
    if before:
        entries = entries.filter(id__lt=before)
    rows = list(entries[: PAGE_SIZE + 1])
    more = len(rows) > PAGE_SIZE
    rows = rows[:PAGE_SIZE]
    return rows, (rows[-1].id if more else None)
