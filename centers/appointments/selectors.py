"""Free appointment slots, derived from the center's opening hours (never stored): each opening
interval cut into SLOT_MINUTES pieces on the center's working days, per window that serves the
matter, each with a capacity of `APPOINTMENT_SLOT_CAPACITY` bookings, up to the city's booking
horizon (catalog_cms.standards.AppointmentPolicy)."""

from __future__ import annotations

import datetime
from collections import Counter

from django.conf import settings
from django.utils import timezone

from centers.workspace import selectors as ws
from centers.workspace.models import Window

from .models import Appointment, AppointmentState

SLOT_MINUTES = 30
SEARCH_DAYS = 60


def slot_capacity() -> int:
    return int(getattr(settings, "APPOINTMENT_SLOT_CAPACITY", 2))


def horizon_last_day(today: datetime.date, policy=None) -> datetime.date:
    """The last day residents may book: `horizon_days` after today (the city's policy)."""
    if policy is None:
        from catalog_cms.standards.selectors import appointment_policy

        policy = appointment_policy()
    return today + datetime.timedelta(days=policy.horizon_days)


def windows_for(matter) -> list[Window]:
    """The windows that list the matter; when none does, every window."""
    listed = list(Window.objects.filter(matters=matter).order_by("number"))
    return listed or list(Window.objects.order_by("number"))


def day_slots(day: datetime.date, *, by_weekday=None, closures=None) -> list[datetime.time]:
    """The slot start times of `day` (none on a rest day, holiday or closure)."""
    starts = []
    step = datetime.timedelta(minutes=SLOT_MINUTES)
    for start, end in ws.hours_for_day(day, by_weekday=by_weekday, closures=closures):
        at = datetime.datetime.combine(day, start)
        while at + step <= datetime.datetime.combine(day, end):
            starts.append(at.time())
            at += step
    return starts


def booked_counts(day: datetime.date, windows) -> Counter:
    """(window id, start) -> number of live bookings."""
    rows = Appointment.objects.filter(
        date=day, window__in=windows, state__in=[AppointmentState.BOOKED, AppointmentState.ATTENDED]
    ).values_list("window_id", "start")
    return Counter(rows)


def _slot_start(day: datetime.date, start: datetime.time) -> datetime.datetime:
    return datetime.datetime.combine(day, start, tzinfo=timezone.get_current_timezone())


def free_slots(
    matter, day: datetime.date, *, now: datetime.datetime | None = None, _cache=None
) -> list[dict]:
    """[{start, end, window, free}] for `day`, the soonest first, only slots with room that
    start after `now`."""
    now = now or timezone.now()
    by_weekday, closures, last_day = _cache or (None, None, None)
    if last_day is None:
        last_day = horizon_last_day(timezone.localtime(now).date())
    if day > last_day:
        return []
    windows = windows_for(matter)
    if not windows:
        return []
    counts = booked_counts(day, windows)
    capacity = slot_capacity()
    result = []
    step = datetime.timedelta(minutes=SLOT_MINUTES)
    for start in day_slots(day, by_weekday=by_weekday, closures=closures):
        if _slot_start(day, start) <= now:
            continue
        for window in windows:
            if not ws.window_open_on(window, day):
                continue
            free = capacity - counts[(window.id, start)]
            if free > 0:
                end = (datetime.datetime.combine(day, start) + step).time()
                result.append(
                    {"date": day, "start": start, "end": end, "window": window, "free": free}
                )
    return result


def next_free_slots(
    matter, after: datetime.datetime, count: int = 3, *, days: int = SEARCH_DAYS
) -> list[dict]:
    """The first `count` free slots that start after `after` (within `days` days and the
    city's booking horizon)."""
    last_day = horizon_last_day(timezone.localdate())
    cache = (ws._intervals_by_weekday(), ws.closures_list(), last_day)
    found: list[dict] = []
    first = timezone.localtime(after).date()
    for offset in range(min(days, max(0, (last_day - first).days + 1))):
        found += free_slots(
            matter, first + datetime.timedelta(days=offset), now=after, _cache=cache
        )
        if len(found) >= count:
            break
    return found[:count]


def appointment_find(number: str, phone_last4: str) -> Appointment | None:
    """The appointment with this number whose phone ends with these four digits, else None
    (a wrong pair answers exactly like an unknown number)."""
    number = (number or "").strip().upper()
    digits = (phone_last4 or "").strip()
    if not number or len(digits) != 4 or not digits.isdigit():
        return None
    found = Appointment.objects.select_related("matter", "window").filter(number=number).first()
    if found is None or not found.phone.endswith(digits):
        return None
    return found


def day_list(day: datetime.date):
    """A day's appointments, per window then time (the staff screen)."""
    return Appointment.objects.filter(date=day).select_related("matter", "window")


def reminders_due(today: datetime.date):
    """Booked appointments of tomorrow with no reminder yet."""
    return Appointment.objects.filter(
        date=today + datetime.timedelta(days=1),
        state=AppointmentState.BOOKED,
        reminder_sent_at__isnull=True,
    )
