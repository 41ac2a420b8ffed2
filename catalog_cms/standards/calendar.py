"""The official working-day calendar, and the same calendar with a center's own closures.

The official calendar (`day_info`, `add_working_days` and `working_days_between` without
closures) is the one every legal and promised date counts on; the closures variant is for
opening hours, appointment slots and "open now" only.

Statutory holidays and adjusted working days (调休) come from `chinese_calendar`, which carries
the State Council's published schedules (2004–2026 in the installed version). For a year it
does not know, the calendar falls back to weekends plus the statutory holiday days of the
全国年节及纪念日放假办法 (2024 revision) themselves — 元旦 Jan 1; 春节 New Year's Eve to the
third lunar day; 清明 (solar term); 劳动节 May 1–2; 端午 (5/5 lunar); 中秋 (8/15 lunar); 国庆
Oct 1–3 — computed with `borax` (lunar dates and solar terms), and every answer for such a
year is flagged provisional: the real schedule adds bridge days and adjusted working days.

When the State Council publishes a year that `chinese_calendar` does not know yet, the city
enters it (catalog_cms.standards: `OfficialScheduleYear` with its days, confirmed by the city);
a confirmed entered year is official and wins over the fallback. In a year the library knows,
the city enters only the days that differ for everyone in the city (a day it is officially
ordered to rest, an adjusted working day): a confirmed entered day wins over the library in
any year, and applies to every center alike (行政许可法 art. 82: these are the legal
calendar). Entered years are cached in process memory and checked against a token in the
cache at most once per call of a public function here (see `entered_schedules`), so loops
over days cost no query.

Closures are any iterable of objects with `start_date` and `end_date` (inclusive), e.g. the
center's `Closure` rows, or `(start, end)` tuples.
"""

from __future__ import annotations

import datetime
import logging
import threading
from collections.abc import Callable, Iterable
from functools import lru_cache
from typing import NamedTuple

import chinese_calendar
from borax.calendars.lunardate import LunarDate, TermUtils
from django.core.cache import cache
from django.db import DatabaseError, transaction
from django.utils.translation import gettext_lazy as _

logger = logging.getLogger(__name__)

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
    for years chinese_calendar does not know. Outside borax's lunar range (1900–2100) only the
    fixed-date holidays are known."""
    days: dict[datetime.date, str] = {}

    def add(day: datetime.date, name: str, count: int = 1) -> None:
        for i in range(count):
            days[day + datetime.timedelta(days=i)] = name

    add(datetime.date(year, 1, 1), "元旦")
    try:
        # 春节 of the lunar year starting in `year`: New Year's Eve to the third day.
        new_year = LunarDate(year, 1, 1).to_solar_date()
        add(new_year - datetime.timedelta(days=1), "春节", 4)
        add(TermUtils.day_start_from_term(year, "清明"), "清明节")
        add(LunarDate(year, 5, 5).to_solar_date(), "端午节")
        add(LunarDate(year, 8, 15).to_solar_date(), "中秋节")
    except ValueError:  # borax's InvalidLunarDateError: a year outside its tables
        pass
    add(datetime.date(year, 5, 1), "劳动节", 2)
    add(datetime.date(year, 10, 1), "国庆节", 3)
    return {day: name for day, name in days.items() if day.year == year}


def library_knows_year(year: int) -> bool:
    """Whether chinese_calendar carries the official schedule of `year`."""
    try:
        chinese_calendar.is_workday(datetime.date(year, 1, 1))
    except NotImplementedError:
        return False
    return True


# --- years the city entered (OfficialScheduleYear) ------------------------------------------

# {year: {date: (working, holiday name)}} of the confirmed entered years, as of `token`.
_ENTERED_TOKEN_KEY = "calendar:official-schedules-token"
_ENTERED_TOKEN_SECONDS = 60
_entered_lock = threading.Lock()


class _Entered(NamedTuple):
    token: str | None
    years: dict[int, dict[datetime.date, tuple[bool, str]]]


_entered = _Entered(None, {})  # replaced as a whole, so a reader never sees half of a change


def _entered_token_from_db() -> str:
    from django.db.models import Count, Max

    from .models import OfficialScheduleYear

    # Every save replaces a year's days and moves its updated_at; a delete changes the count.
    row = OfficialScheduleYear.objects.aggregate(n=Count("pk"), at=Max("updated_at"))
    return f"{row['n']}:{row['at'].isoformat() if row['at'] else '-'}"


def _entered_years_from_db() -> dict[int, dict[datetime.date, tuple[bool, str]]]:
    from .models import OfficialScheduleDay

    years: dict[int, dict[datetime.date, tuple[bool, str]]] = {}
    rows = OfficialScheduleDay.objects.filter(schedule__confirmed=True).values_list(
        "schedule__year", "date", "working", "holiday_name"
    )
    for year, day, working, name in rows:
        years.setdefault(year, {})[day] = (working, name)
    return years


def entered_schedules() -> dict[int, dict[datetime.date, tuple[bool, str]]]:
    """The confirmed official schedules the city entered, by year. One cache read when nothing
    changed; when the token in the cache (which expires after a minute, so every process sees
    a change within that) differs from the one this process loaded, two small queries of the
    public schema. The calendar never fails because of this table: when it cannot be read (a
    deploy before its migration, a database outage, code running without database access) the
    answer is "nothing entered" — the fallback, flagged provisional — and it is read again on
    the next call."""
    global _entered
    current = _entered
    token = cache.get(_ENTERED_TOKEN_KEY)
    if token is not None and token == current.token:
        return current.years
    try:
        # A savepoint: a failed read must not break the caller's transaction.
        with transaction.atomic():
            fresh = _entered_token_from_db()
            if fresh != current.token:
                current = _Entered(fresh, _entered_years_from_db())
    except (DatabaseError, RuntimeError) as exc:
        # RuntimeError: database access is not allowed here (pytest-django's blocker).
        logger.warning("official schedules unreadable, using the fallback: %s", exc)
        return {}
    with _entered_lock:
        _entered = current
    cache.set(_ENTERED_TOKEN_KEY, current.token, _ENTERED_TOKEN_SECONDS)
    return current.years


def entered_schedules_changed() -> None:
    """Forget what this process loaded and the token of the current schema; other processes
    and schemas follow within a minute. Called by the standards services on save and commit."""
    global _entered
    with _entered_lock:
        _entered = _Entered(None, {})
    cache.delete(_ENTERED_TOKEN_KEY)


# What follows the city's confirming a year: the apps that hold dates counted on the calendar
# register a listener in their AppConfig.ready() (the cases app recomputes the provisional
# promised dates of every center), so the calendar never imports them.
_year_confirmed_listeners: dict[str, Callable[[int], object]] = {}


def on_year_confirmed(name: str, listener: Callable[[int], object]) -> None:
    """Call ``listener(year)`` after a confirmed official schedule of ``year`` is committed
    (registering a name again replaces its listener)."""
    _year_confirmed_listeners[name] = listener


def year_confirmed(year: int) -> None:
    """Called by the standards services once a confirmed year is committed."""
    for listener in list(_year_confirmed_listeners.values()):
        listener(year)


class _Schedules:
    """The entered schedules, read at most once by one call of the public functions here."""

    __slots__ = ("_years",)

    def __init__(self) -> None:
        self._years: dict | None = None

    def year(self, year: int) -> dict[datetime.date, tuple[bool, str]] | None:
        if self._years is None:
            self._years = entered_schedules()
        return self._years.get(year)


def _national(day: datetime.date, schedules: _Schedules | None = None) -> DayInfo:
    """The official calendar of `day`: the city's confirmed schedule wins for a day it lists,
    in any year (a day the city is officially ordered to rest, or an adjusted working day, in a
    year the library knows; or the State Council's whole schedule in a year it does not know
    yet); every other day follows chinese_calendar, or, in a year it does not know, the week
    (when the city confirmed that year) or the provisional fallback."""
    entered = (schedules or _Schedules()).year(day.year)
    if entered is not None and day in entered:
        working, name = entered[day]
        return DayInfo(working, name or None, False)
    try:
        on_holiday, name = chinese_calendar.get_holiday_detail(day)
        working = chinese_calendar.is_workday(day)
    except NotImplementedError:
        if entered is not None:
            # A day the schedule does not list follows the week; listed days are its holidays
            # (bridge days included) and its adjusted working weekend days.
            return DayInfo(day.weekday() < 5, None, False)
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


def center_day_info(
    day: datetime.date, closures: Iterable = (), *, schedules: _Schedules | None = None
) -> DayInfo:
    """Like `day_info`, and a day inside one of the center's closures is not working."""
    info = _national(day, schedules)
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
    schedules = _Schedules()
    provisional = False
    day = start
    if n == 0:
        for _i in range(_MAX_SCAN_DAYS):
            info = center_day_info(day, ranges, schedules=schedules)
            provisional |= info.provisional
            if info.working:
                return day, provisional
            day += datetime.timedelta(days=1)
        raise RuntimeError("no working day found")
    counted = 0
    for _i in range(_MAX_SCAN_DAYS * max(1, n)):
        day += datetime.timedelta(days=1)
        info = center_day_info(day, ranges, schedules=schedules)
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
    schedules = _Schedules()
    days = []
    day = start
    while day <= end:
        if center_day_info(day, ranges, schedules=schedules).working:
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
    schedules = _Schedules()
    for _i in range(horizon_days):
        info = _national(day, schedules)
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
