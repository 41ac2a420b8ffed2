"""Reads of the center's workspace shared by the API, the admin and the demo. Everything that
is computed (open now, next opening, weekly hours, compliance, who covers whom, attendance
summaries) is computed here, never typed in."""

from __future__ import annotations

import calendar as std_calendar
import datetime
from collections import defaultdict
from decimal import Decimal

from django.db.models import Q
from django.utils import timezone

from catalog_cms.standards import calendar as cal
from catalog_cms.standards.models import CenterStandard
from tenants.accounts.models import Role, User
from tenants.selectors import current_center

from .models import (
    Absence,
    Attendance,
    CenterProfile,
    CenterRule,
    Closure,
    OpeningInterval,
    Post,
    Window,
)

# --- profile and compliance -------------------------------------------------------------------


def profile_get() -> CenterProfile | None:
    return CenterProfile.objects.prefetch_related("photos").first()


def center_standards(kind: str) -> dict:
    """The city's standards for a center of `kind` (public schema, on every search path)."""
    standard = CenterStandard.objects.filter(kind=kind).first()
    return {
        "min_floor_area_m2": standard.min_floor_area_m2 if standard else None,
        "min_weekly_open_hours": standard.min_weekly_open_hours if standard else None,
        "required_rules": tuple(standard.required_rules) if standard else (),
    }


def profile_compliance(center=None) -> dict:
    """The profile against the city's standards: each check with its value, its minimum and
    whether it is met. A center below a standard is flagged, never refused."""
    center = center or current_center()
    kind = getattr(center, "kind", "township")
    standards = center_standards(kind)
    profile = CenterProfile.objects.first()
    area = profile.floor_area_m2 if profile else None
    hours = weekly_open_hours()
    kept = set(profile.rules_kept) if profile else set()
    missing = [rule for rule in standards["required_rules"] if rule not in kept]
    min_area = standards["min_floor_area_m2"]
    checks = {
        "floor_area": {
            "value": area,
            "minimum": min_area,
            "ok": area is not None and (min_area is None or area >= min_area),
        },
        "weekly_open_hours": {
            "value": hours,
            "minimum": standards["min_weekly_open_hours"],
            "ok": standards["min_weekly_open_hours"] is None
            or hours >= standards["min_weekly_open_hours"],
        },
        "rules": {
            "value": sorted(kept),
            "missing": missing,
            "missing_labels": [str(CenterRule(r).label) for r in missing],
            "ok": not missing,
        },
    }
    return {"compliant": all(c["ok"] for c in checks.values()), "checks": checks}


# --- opening hours ----------------------------------------------------------------------------


def _intervals_by_weekday() -> dict[int, list[tuple[datetime.time, datetime.time]]]:
    by_day: dict[int, list] = defaultdict(list)
    for row in OpeningInterval.objects.order_by("weekday", "start"):
        by_day[row.weekday].append((row.start, row.end))
    return by_day


def _hours(start: datetime.time, end: datetime.time) -> Decimal:
    minutes = (end.hour * 60 + end.minute) - (start.hour * 60 + start.minute)
    return Decimal(minutes) / Decimal(60)


def weekly_open_hours() -> Decimal:
    total = sum((_hours(r.start, r.end) for r in OpeningInterval.objects.all()), start=Decimal(0))
    return total.quantize(Decimal("0.01"))


def closures_list():
    return list(Closure.objects.all())


def hours_for_day(day: datetime.date, *, by_weekday=None, closures=None) -> list:
    """The intervals the center is open on `day`: none on a national holiday or rest day or a
    closure; on an adjusted working weekend day (调休) with no hours of its own, the hours of
    the first weekday that has any (a regular working day's)."""
    by_weekday = _intervals_by_weekday() if by_weekday is None else by_weekday
    closures = closures_list() if closures is None else closures
    if not cal.is_center_working_day(day, closures):
        return []
    spans = by_weekday.get(day.weekday(), [])
    if not spans and cal.is_adjusted_working_day(day):
        for weekday in range(5):
            if by_weekday.get(weekday):
                return list(by_weekday[weekday])
    return list(spans)


def opening_status(now: datetime.datetime | None = None, *, horizon_days: int = 60) -> dict:
    """{open_now, next_open_at, today_hours, today} for the center at `now` (Asia/Shanghai).
    next_open_at is the start of the next opening interval (None when open now and for
    a center with no hours at all)."""
    now = timezone.localtime(now or timezone.now())
    tz = now.tzinfo
    by_weekday = _intervals_by_weekday()
    closures = closures_list()
    today = now.date()
    info = cal.center_day_info(today, closures)
    today_spans = hours_for_day(today, by_weekday=by_weekday, closures=closures)
    open_now = any(start <= now.time() < end for start, end in today_spans)
    next_open_at = None
    if not open_now and by_weekday:
        for offset in range(horizon_days):
            day = today + datetime.timedelta(days=offset)
            spans = (
                today_spans
                if offset == 0
                else hours_for_day(day, by_weekday=by_weekday, closures=closures)
            )
            starts = [
                datetime.datetime.combine(day, start, tzinfo=tz)
                for start, _end in spans
                if offset or start > now.time()
            ]
            if starts:
                next_open_at = min(starts)
                break
    return {
        "open_now": open_now,
        "next_open_at": next_open_at,
        "today": {
            "date": today,
            "working": info.working,
            "holiday_name": info.holiday_name,
            "provisional": info.provisional,
        },
        "today_hours": [{"start": s, "end": e} for s, e in today_spans],
    }


# --- windows ----------------------------------------------------------------------------------


def windows_list():
    return Window.objects.prefetch_related("departments", "staff")


def window_open_on(window: Window, day: datetime.date) -> bool:
    """Whether a periodic window serves on `day` (the others follow the center's hours)."""
    if window.kind != "periodic":
        return True
    return day.month in window.schedule_months and day.weekday() in window.schedule_weekdays


# --- posts: who covers whom -------------------------------------------------------------------


def absent_user_ids(day: datetime.date) -> set[int]:
    return set(
        Absence.objects.filter(start_date__lte=day, end_date__gte=day).values_list(
            "user_id", flat=True
        )
    )


def acting_holders(day: datetime.date | None = None) -> list[dict]:
    """For each post on `day`: its A and B holders, who is absent, and who acts (A if present,
    else B covering, else nobody — the post is vacant and flagged)."""
    day = day or timezone.localdate()
    absent = absent_user_ids(day)
    rows = []
    for post in Post.objects.select_related("window", "holder_a", "holder_b"):
        a_absent, b_absent = post.holder_a_id in absent, post.holder_b_id in absent
        if not a_absent:
            acting, covering = post.holder_a, False
        elif not b_absent:
            acting, covering = post.holder_b, True
        else:
            acting, covering = None, False
        rows.append(
            {
                "post": post,
                "holder_a": post.holder_a,
                "holder_b": post.holder_b,
                "a_absent": a_absent,
                "b_absent": b_absent,
                "acting": acting,
                "b_covers_a": covering,
                "vacant": acting is None,
            }
        )
    return rows


# --- attendance -------------------------------------------------------------------------------


def attendance_monthly_summary(year: int, month: int, *, today: datetime.date | None = None):
    """Per center staff member for the month: working days counted (national calendar and the
    center's closures, up to today), days present, late arrivals (signed in after the day's
    first opening), early leaves (signed out before the day's last closing, or never signed
    out), days on leave (an absence) and absent working days (no record, no absence)."""
    today = today or timezone.localdate()
    first = datetime.date(year, month, 1)
    last = datetime.date(year, month, std_calendar.monthrange(year, month)[1])
    end = min(last, today)
    closures = closures_list()
    by_weekday = _intervals_by_weekday()
    working_days = cal.working_days_between(first, end, closures) if end >= first else []
    day_hours = {
        d: hours_for_day(d, by_weekday=by_weekday, closures=closures) for d in working_days
    }
    staff = User.objects.filter(
        is_active=True, role__in=[Role.CENTER_DIRECTOR, Role.WINDOW_STAFF]
    ).order_by("username")
    records = defaultdict(dict)
    for rec in Attendance.objects.filter(date__gte=first, date__lte=last):
        records[rec.user_id][rec.date] = rec
    absences = defaultdict(list)
    for ab in Absence.objects.filter(start_date__lte=last, end_date__gte=first):
        absences[ab.user_id].append((ab.start_date, ab.end_date))
    summary = []
    for user in staff:
        present = late = early = leave = absent = 0
        for day in working_days:
            rec = records[user.pk].get(day)
            spans = day_hours[day]
            if rec is None:
                if any(s <= day <= e for s, e in absences[user.pk]):
                    leave += 1
                else:
                    absent += 1
                continue
            present += 1
            if spans:
                if timezone.localtime(rec.signed_in_at).time() > spans[0][0]:
                    late += 1
                if (
                    rec.signed_out_at is None
                    or timezone.localtime(rec.signed_out_at).time() < spans[-1][1]
                ):
                    early += 1
        summary.append(
            {
                "user": user,
                "working_days": len(working_days),
                "present": present,
                "late": late,
                "early_leave": early,
                "on_leave": leave,
                "absent": absent,
            }
        )
    return summary


def attendance_for(user, *, manager: bool):
    qs = Attendance.objects.select_related("user")
    return qs if manager else qs.filter(user=user)


def center_staff():
    return User.objects.filter(
        Q(role=Role.CENTER_DIRECTOR) | Q(role=Role.WINDOW_STAFF) | Q(role=Role.VILLAGE_AGENT)
    ).order_by("username")


def department_window_staff_ids(department) -> set[int]:
    """Who works the windows that serve a department: each window's staff and the A and B
    holders of its posts. Empty when no window serves it (a department not stationed here) or
    nobody works those windows: then the department cannot sign at a window."""
    windows = Window.objects.filter(departments=department)
    ids = set(windows.values_list("staff", flat=True))
    for a, b in Post.objects.filter(window__in=windows).values_list("holder_a", "holder_b"):
        ids.update((a, b))
    ids.discard(None)
    return ids
