"""The promised-date clock of a case, on the center's working-day calendar.

The clock counts working days from the day after acceptance (`accepted_on`); the working days
of every pause (补正, special procedures) do not count, and an approved extension adds days.
A year whose official schedule is not known yet makes the date provisional, never an error.
"""

from __future__ import annotations

import datetime
from bisect import bisect_right

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


def instant_due_date(start: datetime.date, closures=None) -> tuple[datetime.date, bool]:
    """A 即办件's due date (seed plan 5 二(三) 即时办理制: finished on the spot or the same day):
    the day it was taken in when the center works that day by law or by duty — a regular
    working day, an adjusted working day (调休上班) or a day of the duty roster (DutyShift) —
    else the next working day. evaluation.supervision's instant_late reads this date."""
    from centers.workspace.models import DutyShift

    info = cal.day_info(start)
    if cal.is_adjusted_working_day(start) or DutyShift.objects.filter(date=start).exists():
        return start, info.provisional
    return due_date(start, 0, closures)


def paused_working_days(start: datetime.date, end: datetime.date, closures=None) -> int:
    """Working days after `start` up to and including `end`."""
    if end <= start:
        return 0
    if closures is None:
        closures = center_closures()
    return len(cal.working_days_between(start + datetime.timedelta(days=1), end, closures))


class WorkingDays:
    """A center's working days, year by year, computed once and then counted by bisection: for
    a page of cases whose deadlines span years, one pass over each year instead of one per
    case. Lives as long as one request or task (the national schedule may change)."""

    def __init__(self, closures=None) -> None:
        self.closures = center_closures() if closures is None else list(closures)
        self._years: dict[int, list[datetime.date]] = {}

    def _year(self, year: int) -> list[datetime.date]:
        if year not in self._years:
            self._years[year] = cal.working_days_between(
                datetime.date(year, 1, 1), datetime.date(year, 12, 31), self.closures
            )
        return self._years[year]

    def count(self, after: datetime.date, upto: datetime.date) -> int:
        """Working days after `after` up to and including `upto`."""
        total = 0
        for year in range(after.year, upto.year + 1):
            days = self._year(year)
            total += bisect_right(days, upto) - bisect_right(days, after)
        return max(total, 0)


def working_days_left(due: datetime.date, today: datetime.date, closures=None) -> int:
    """Working days left after today until `due` (0 on the due day itself; negative once
    overdue: the working days past `due` up to today)."""
    counter = closures if isinstance(closures, WorkingDays) else WorkingDays(closures)
    if due >= today:
        return counter.count(today, due)
    return -counter.count(due, today)


def working_days_since(start: datetime.date, today: datetime.date, closures=None) -> int:
    """Working days after `start` up to and including `today`."""
    return paused_working_days(start, today, closures)
