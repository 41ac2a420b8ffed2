"""The promised-date clock of a case, on the center's working-day calendar.

The clock counts working days from the day after acceptance (`accepted_on`); the working days
of every pause (补正, special procedures) do not count, and an approved extension adds days.
A year whose official schedule is not known yet makes the date provisional, never an error.
"""

from __future__ import annotations

import datetime

from django.utils import timezone

from centers.workspace import calendar as cal
from centers.workspace.models import Closure


def center_closures() -> list[tuple[datetime.date, datetime.date]]:
    """The center's own closures, as (start, end) ranges."""
    return list(Closure.objects.values_list("start_date", "end_date"))


def local_today() -> datetime.date:
    return timezone.localdate()


def due_date(start: datetime.date, working_days: int, closures=None) -> tuple[datetime.date, bool]:
    """(due, provisional): the `working_days`-th working day after `start`."""
    if closures is None:
        closures = center_closures()
    return cal.add_working_days(start, working_days, closures)


def paused_working_days(start: datetime.date, end: datetime.date, closures=None) -> int:
    """Working days after `start` up to and including `end`."""
    if end <= start:
        return 0
    if closures is None:
        closures = center_closures()
    return len(cal.working_days_between(start + datetime.timedelta(days=1), end, closures))


def working_days_left(due: datetime.date, today: datetime.date, closures=None) -> int:
    """Working days left after today until `due` (0 on the due day itself; negative once
    overdue: the working days past `due` up to today)."""
    if closures is None:
        closures = center_closures()
    if due >= today:
        return len(cal.working_days_between(today + datetime.timedelta(days=1), due, closures))
    return -len(cal.working_days_between(due + datetime.timedelta(days=1), today, closures))


def working_days_since(start: datetime.date, today: datetime.date, closures=None) -> int:
    """Working days after `start` up to and including `today`."""
    return paused_working_days(start, today, closures)
