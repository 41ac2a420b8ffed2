"""The national working-day calendar, and the same calendar with a center's own closures.

Statutory holidays and adjusted working days (调休) come from `chinese_calendar`, which carries
the State Council's published schedules (2004–2026 in the installed version). For a year it
does not know, the calendar falls back to weekends plus the statutory holiday days of the
全国年节及纪念日放假办法 (2024 revision) themselves — 元旦 Jan 1; 春节 New Year's Eve to the
third lunar day; 清明 (solar term); 劳动节 May 1–2; 端午 (5/5 lunar); 中秋 (8/15 lunar); 国庆
Oct 1–3 — computed with `borax` (lunar dates and solar terms), and every answer for such a
year is flagged provisional: the real schedule adds bridge days and adjusted working days.

Closures are any iterable of objects with `start_date` and `end_date` (inclusive), e.g. the
center's `Closure` rows, or `(start, end)` tuples.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from functools import lru_cache
from typing import NamedTuple

import chinese_calendar
from borax.calendars.lunardate import LunarDate, TermUtils
from django.utils.translation import gettext_lazy as _

# chinese_calendar's Holiday enum name -> the holiday's Chinese name.
HOLIDAY_NAMES = {
    "new_years_day": "元旦",
    "spring_festival": "春节",
    "tomb_sweeping_day": "清明节",
    "labour_day": "劳动节",
    "dragon_boat_festival": "端午节",
    "national_day": "国庆节",
    "mid_autumn_festival": "中秋节",
    "anti_fascist_70th_day": "中国人民抗日战争暨世界反法西斯战争胜利70周年纪念日",
}
_ENGLISH_TO_KEY = {h.value: h.name for h in chinese_calendar.Holiday}

CLOSURE_NAME = _("Center closed")

_MAX_SCAN_DAYS = 3660  # never loop forever: ten years without a working day is a bug


class DayInfo(NamedTuple):
    working: bool
    holiday_name: str | None
    provisional: bool


@lru_cache(maxsize=64)
def fallback_holidays(year: int) -> dict[datetime.date, str]:
    """The statutory holiday days of `year` alone (no bridge days, no adjusted working days),
    for years chinese_calendar does not know."""
    days: dict[datetime.date, str] = {}

    def add(day: datetime.date, name: str, count: int = 1) -> None:
        for i in range(count):
            days[day + datetime.timedelta(days=i)] = name

    add(datetime.date(year, 1, 1), "元旦")
    # 春节 of the lunar year starting in `year`: New Year's Eve to the third day.
    new_year = LunarDate(year, 1, 1).to_solar_date()
    add(new_year - datetime.timedelta(days=1), "春节", 4)
    add(TermUtils.day_start_from_term(year, "清明"), "清明节")
    add(datetime.date(year, 5, 1), "劳动节", 2)
    add(LunarDate(year, 5, 5).to_solar_date(), "端午节")
    add(LunarDate(year, 8, 15).to_solar_date(), "中秋节")
    add(datetime.date(year, 10, 1), "国庆节", 3)
    return days


def _national(day: datetime.date) -> DayInfo:
    try:
        on_holiday, name = chinese_calendar.get_holiday_detail(day)
        working = chinese_calendar.is_workday(day)
    except NotImplementedError:
        name = fallback_holidays(day.year).get(day)
        working = name is None and day.weekday() < 5
        return DayInfo(working, name, True)
    label = HOLIDAY_NAMES.get(_ENGLISH_TO_KEY.get(name, ""), name) if name else None
    # A weekend that is a working day by 调休 carries the holiday's name; so does a holiday.
    if not on_holiday and working and day.weekday() < 5:
        label = None
    return DayInfo(working, label, False)


def day_info(day: datetime.date) -> DayInfo:
    """(working, holiday_name | None, provisional) for one date, nationally."""
    return _national(day)


def is_working_day(day: datetime.date) -> bool:
    return _national(day).working


def is_adjusted_working_day(day: datetime.date) -> bool:
    """A weekend day that is a working day by the State Council's schedule (调休上班)."""
    return day.weekday() >= 5 and _national(day).working


def _closure_ranges(closures) -> list[tuple[datetime.date, datetime.date]]:
    ranges = []
    for closure in closures or ():
        if isinstance(closure, tuple):
            ranges.append(closure)
        else:
            ranges.append((closure.start_date, closure.end_date))
    return ranges


def _closed(day: datetime.date, ranges) -> bool:
    return any(start <= day <= end for start, end in ranges)


def center_day_info(day: datetime.date, closures: Iterable = ()) -> DayInfo:
    """Like `day_info`, and a day inside one of the center's closures is not working."""
    info = _national(day)
    if info.working and _closed(day, _closure_ranges(closures)):
        return DayInfo(False, str(CLOSURE_NAME), info.provisional)
    return info


def is_center_working_day(day: datetime.date, closures: Iterable = ()) -> bool:
    return center_day_info(day, closures).working


def add_working_days(
    start: datetime.date, n: int, closures: Iterable = ()
) -> tuple[datetime.date, bool]:
    """The n-th working day counted from the day after `start` (n = 0: `start` itself if it is
    a working day, else the next working day). Returns (date, provisional): provisional when
    any day crossed lies in a year the national schedule does not cover yet."""
    if n < 0:
        raise ValueError("n must be >= 0")
    ranges = _closure_ranges(closures)
    provisional = False
    day = start
    if n == 0:
        for _i in range(_MAX_SCAN_DAYS):
            info = center_day_info(day, ranges)
            provisional |= info.provisional
            if info.working:
                return day, provisional
            day += datetime.timedelta(days=1)
        raise RuntimeError("no working day found")
    counted = 0
    for _i in range(_MAX_SCAN_DAYS * max(1, n)):
        day += datetime.timedelta(days=1)
        info = center_day_info(day, ranges)
        provisional |= info.provisional
        if info.working:
            counted += 1
            if counted == n:
                return day, provisional
    raise RuntimeError("no working day found")


def working_days_between(
    start: datetime.date, end: datetime.date, closures: Iterable = ()
) -> list[datetime.date]:
    """The working days from `start` to `end`, both included."""
    ranges = _closure_ranges(closures)
    days = []
    day = start
    while day <= end:
        if center_day_info(day, ranges).working:
            days.append(day)
        day += datetime.timedelta(days=1)
    return days


def next_statutory_holidays(
    after: datetime.date, count: int = 2, horizon_days: int = 400
) -> list[tuple[str, list[datetime.date]]]:
    """The next `count` statutory holiday periods after `after`: (name, non-working days of the
    period, weekends inside it included)."""
    periods: list[tuple[str, list[datetime.date]]] = []
    day = after + datetime.timedelta(days=1)
    current: tuple[str, list[datetime.date]] | None = None
    for _i in range(horizon_days):
        info = _national(day)
        if not info.working and info.holiday_name:
            if current and current[0] == info.holiday_name:
                current[1].append(day)
            else:
                if current:
                    periods.append(current)
                    if len(periods) == count:
                        return periods
                current = (info.holiday_name, [day])
        elif current and info.working:
            periods.append(current)
            current = None
            if len(periods) == count:
                return periods
        day += datetime.timedelta(days=1)
    if current and len(periods) < count:
        periods.append(current)
    return periods
