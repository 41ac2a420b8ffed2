"""The promised-date clock of a case, on the official working-day calendar.

行政许可法 art. 82: the time limits are working days, statutory holidays excluded. They count
on the official calendar only — the State Council's schedule (chinese_calendar) and the city's
confirmed official schedule (catalog_cms.standards `OfficialScheduleYear`), the same for every
center. A center's own closures (centers.workspace `Closure`: a power cut, maintenance, a
training day) change its opening hours and appointment slots, never a legal or promised date
nor the art. 32 five-day window; a closure inside a case's term is shown as a risk instead
(`selectors.closures_in_term`, supervision's `closure_in_term`).

The clock counts working days from the day after acceptance (`accepted_on`); the working days
of every pause (补正, special procedures) do not count, and an approved extension adds days.
A year whose official schedule is not known yet makes the date provisional, never an error.
"""

from __future__ import annotations

import datetime
from bisect import bisect_right

from django.utils import timezone

from catalog_cms.standards import calendar as cal


def local_today() -> datetime.date:
    return timezone.localdate()


def due_date(start: datetime.date, working_days: int) -> tuple[datetime.date, bool]:
    """(due, provisional): the `working_days`-th official working day after `start`."""
    return cal.add_working_days(start, working_days)


def instant_due_date(start: datetime.date) -> tuple[datetime.date, bool]:
    """A 即办件's due date (seed plan 5 二(三) 即时办理制: finished on the spot or the same day):
    the day it was taken in when the center works that day by law or by duty — a regular
    working day, an adjusted working day (调休上班) or a day of the duty roster (DutyShift) —
    else the next official working day. evaluation.supervision's instant_late reads this date."""
    from centers.workspace.models import DutyShift

    info = cal.day_info(start)
    if cal.is_adjusted_working_day(start) or DutyShift.objects.filter(date=start).exists():
        return start, info.provisional
    return due_date(start, 0)


def paused_working_days(start: datetime.date, end: datetime.date) -> int:
    """Official working days after `start` up to and including `end`."""
    if end <= start:
        return 0
    return len(cal.working_days_between(start + datetime.timedelta(days=1), end))


class WorkingDays:
    """The official working days, year by year, computed once and then counted by bisection:
    for a page of cases whose deadlines span years, one pass over each year instead of one per
    case. Lives as long as one request or task (the official schedule may change)."""

    def __init__(self) -> None:
        self._years: dict[int, list[datetime.date]] = {}

    def _year(self, year: int) -> list[datetime.date]:
        if year not in self._years:
            self._years[year] = cal.working_days_between(
                datetime.date(year, 1, 1), datetime.date(year, 12, 31)
            )
        return self._years[year]

    def count(self, after: datetime.date, upto: datetime.date) -> int:
        """Working days after `after` up to and including `upto`."""
        total = 0
        for year in range(after.year, upto.year + 1):
            days = self._year(year)
            total += bisect_right(days, upto) - bisect_right(days, after)
        return max(total, 0)


def working_days_left(
    due: datetime.date, today: datetime.date, counter: WorkingDays | None = None
) -> int:
    """Working days left after today until `due` (0 on the due day itself; negative once
    overdue: the working days past `due` up to today)."""
    counter = counter or WorkingDays()
    if due >= today:
        return counter.count(today, due)
    return -counter.count(due, today)


def working_days_since(start: datetime.date, today: datetime.date) -> int:
    """Working days after `start` up to and including `today`."""
    return paused_working_days(start, today)
