"""Reads of the daily snapshots (public schema only): the figures of a period per center, and
the series and rankings the dashboards draw. Never reads a tenant schema."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from decimal import Decimal

from django.db.models import Sum

from .models import CenterDailySnapshot

# Summed over the period (one aggregate query grouped by center).
_SUMMED = (
    "received",
    "accepted",
    "closed",
    "closed_on_time",
    "closed_late",
    "closed_one_visit",
    "handling_working_days",
    "ratings_1",
    "ratings_2",
    "ratings_3",
    "ratings_4",
    "ratings_5",
    "ratings_proactive",
    "ratings_proactive_good",
    "closed_unrated",
    "complaints_received",
    "complaints_answered",
    "complaints_answered_in_time",
)
# Taken from the last snapshot of the period (state at the end of the day).
_LAST_DAY = ("overdue_open", "open_cases", "windows", "staff", "floor_area", "weekly_open_hours")

# last_day_values looks at the range's last days first.
LAST_DAY_WINDOW = 7

FIGURE_KEYS = (
    "received",
    "accepted",
    "closed",
    "on_time_rate",
    "one_visit_rate",
    "avg_handling_days",
    "good_rate",
    "proactive_good_rate",
    "unrated_rate",
    "complaints_received",
    "complaints_in_time_rate",
    "overdue_open",
    "windows",
    "staff",
    "floor_area",
    "weekly_open_hours",
)


def _rate(part: int, whole: int) -> float | None:
    return (part / whole) if whole else None


def figures_from_sums(sums: dict, last: dict | None) -> dict:
    """The published figures from summed counters and the last day's state (shared by
    period_figures and the dashboard's city/district totals)."""
    last = last or {}
    ratings = sum(sums.get(f"ratings_{level}") or 0 for level in range(1, 6))
    good = sum(sums.get(f"ratings_{level}") or 0 for level in (1, 2, 3))
    closed = sums.get("closed") or 0
    return {
        "received": sums.get("received") or 0,
        "accepted": sums.get("accepted") or 0,
        "closed": closed,
        "on_time_rate": _rate(sums.get("closed_on_time") or 0, closed),
        "one_visit_rate": _rate(sums.get("closed_one_visit") or 0, closed),
        "avg_handling_days": _rate(sums.get("handling_working_days") or 0, closed),
        "good_rate": _rate(good, ratings),
        "proactive_good_rate": _rate(
            sums.get("ratings_proactive_good") or 0, sums.get("ratings_proactive") or 0
        ),
        "unrated_rate": _rate(sums.get("closed_unrated") or 0, closed),
        "complaints_received": sums.get("complaints_received") or 0,
        "complaints_in_time_rate": _rate(
            sums.get("complaints_answered_in_time") or 0, sums.get("complaints_answered") or 0
        ),
        "overdue_open": last.get("overdue_open") or 0,
        "windows": last.get("windows") or 0,
        "staff": last.get("staff") or 0,
        "floor_area": last.get("floor_area") or Decimal("0.0"),
        "weekly_open_hours": last.get("weekly_open_hours") or Decimal("0.0"),
    }


def period_sums(center_ids: Iterable[int], start: datetime.date, end: datetime.date) -> dict:
    """{center_id: {counter: sum}} over [start, end]: one query grouped by center."""
    rows = (
        CenterDailySnapshot.objects.filter(center_id__in=center_ids, day__gte=start, day__lte=end)
        .values("center_id")
        .annotate(**{f"s_{name}": Sum(name) for name in _SUMMED})
        .order_by()
    )
    return {row["center_id"]: {name: row[f"s_{name}"] or 0 for name in _SUMMED} for row in rows}


def last_day_values(center_ids: Iterable[int], start: datetime.date, end: datetime.date) -> dict:
    """{center_id: state of its last snapshot in [start, end]}: one DISTINCT ON query over the
    range's last week (the beat writes every day, so that finds every center), and one more
    over the whole range only for centers it did not find."""
    ids = list(center_ids)

    def latest(pks, since):
        rows = (
            CenterDailySnapshot.objects.filter(center_id__in=pks, day__gte=since, day__lte=end)
            .order_by("center_id", "-day")
            .distinct("center_id")
            .values("center_id", "day", *_LAST_DAY)
        )
        return {row["center_id"]: row for row in rows}

    recent = max(start, end - datetime.timedelta(days=LAST_DAY_WINDOW - 1))
    found = latest(ids, recent)
    missing = [pk for pk in ids if pk not in found]
    if missing and recent > start:
        found.update(latest(missing, start))
    return found


def period_figures(
    center_ids: Iterable[int], start: datetime.date, end: datetime.date
) -> dict[int, dict]:
    """Per center, its figures over the days start..end (inclusive), keys as FIGURE_KEYS:
    counts summed; rates as floats 0..1 (None when the denominator is 0): on_time_rate and
    one_visit_rate (一次办结率) and unrated_rate (未评价率) over the cases closed,
    avg_handling_days (working days from acceptance to close, per case closed), good_rate
    (好评率: levels 1-3 over all counted ratings), proactive_good_rate (主动评价好评率: the same
    over ratings by QR code and portal), complaints_in_time_rate (over the complaints
    answered); overdue_open, windows, staff, floor_area and weekly_open_hours from the last
    snapshot in the range. Every center asked for is in the answer (zeros without snapshots).
    """
    ids = list(dict.fromkeys(int(pk) for pk in center_ids))
    if not ids:
        return {}
    sums = period_sums(ids, start, end)
    last = last_day_values(ids, start, end)
    return {pk: figures_from_sums(sums.get(pk, {}), last.get(pk)) for pk in ids}


# --- dashboards ---------------------------------------------------------------------------------

PERIODS = (30, 90, 365)
# The ranking's columns, in order; the first is the default sort.
RANKING_KEYS = (
    "good_rate",
    "on_time_rate",
    "overdue_open",
    "received",
    "closed",
    "one_visit_rate",
    "avg_handling_days",
    "proactive_good_rate",
    "unrated_rate",
    "complaints_in_time_rate",
)
# Figures where a smaller value is better: their ranking puts the smallest first.
SMALLER_IS_BETTER = frozenset({"overdue_open", "avg_handling_days", "unrated_rate"})

_SERIES_FIELDS = (
    "received",
    "closed",
    "closed_on_time",
    "ratings_1",
    "ratings_2",
    "ratings_3",
    "ratings_4",
    "ratings_5",
    "overdue_open",
)


def period_bounds(days: int, today: datetime.date) -> tuple[datetime.date, datetime.date]:
    return today - datetime.timedelta(days=days - 1), today


def _snapshots(center_ids, district_id=None):
    qs = CenterDailySnapshot.objects.all()
    if district_id is not None:
        qs = qs.filter(district_id=district_id)
    if center_ids is not None:
        qs = qs.filter(center_id__in=list(center_ids))
    return qs


def daily_totals(
    center_ids: Iterable[int] | None,
    start: datetime.date,
    end: datetime.date,
    *,
    district_id: int | None = None,
) -> dict[datetime.date, dict]:
    """{day: sums over the centers} for every day of the range (zeros for days without rows):
    one query grouped by day. center_ids None means every center (of district_id if given)."""
    rows = (
        _snapshots(center_ids, district_id)
        .filter(day__gte=start, day__lte=end)
        .values("day")
        .annotate(**{name: Sum(name) for name in _SERIES_FIELDS})
        .order_by()
    )
    by_day = {row["day"]: row for row in rows}
    out = {}
    day = start
    while day <= end:
        row = by_day.get(day, {})
        out[day] = {name: row.get(name) or 0 for name in _SERIES_FIELDS}
        day += datetime.timedelta(days=1)
    return out


def trend_buckets(totals: dict[datetime.date, dict], *, weekly: bool) -> list[dict]:
    """The dashboard's series: per day, or per week (Monday to Sunday, cut at the range's
    ends); counts summed, overdue_open as on the bucket's last day, rates per bucket."""
    buckets: list[dict] = []
    for day in sorted(totals):
        key = day - datetime.timedelta(days=day.weekday()) if weekly else day
        if not buckets or buckets[-1]["key"] != key:
            buckets.append({"key": key, "start": day, "end": day, "sums": dict.fromkeys(
                _SERIES_FIELDS, 0)})  # fmt: skip
        bucket = buckets[-1]
        bucket["end"] = day
        for name in _SERIES_FIELDS:
            if name == "overdue_open":
                bucket["sums"][name] = totals[day][name]
            else:
                bucket["sums"][name] += totals[day][name]
    series = []
    for bucket in buckets:
        sums = bucket["sums"]
        ratings = sum(sums[f"ratings_{level}"] for level in range(1, 6))
        good = sum(sums[f"ratings_{level}"] for level in (1, 2, 3))
        series.append(
            {
                "start": bucket["start"],
                "end": bucket["end"],
                "received": sums["received"],
                "closed": sums["closed"],
                "on_time_rate": _rate(sums["closed_on_time"], sums["closed"]),
                "good_rate": _rate(good, ratings),
                "ratings": ratings,
                "overdue_open": sums["overdue_open"],
            }
        )
    return series


def totals_of(totals: dict[datetime.date, dict]) -> dict:
    """The whole range's figures for the dashboard's headline (over all its centers)."""
    sums = dict.fromkeys(_SERIES_FIELDS, 0)
    for values in totals.values():
        for name in _SERIES_FIELDS:
            if name != "overdue_open":
                sums[name] += values[name]
    closed = sums["closed"]
    ratings = sum(sums[f"ratings_{level}"] for level in range(1, 6))
    good = sum(sums[f"ratings_{level}"] for level in (1, 2, 3))
    last = totals[max(totals)] if totals else {}
    return {
        "received": sums["received"],
        "closed": closed,
        "on_time_rate": _rate(sums["closed_on_time"], closed),
        "good_rate": _rate(good, ratings),
        "ratings": ratings,
        "overdue_open": last.get("overdue_open", 0),
    }


def ranking(
    centers: Iterable, start: datetime.date, end: datetime.date, *, sort: str, descending=None
) -> list[dict]:
    """One row per center ({"center", "figures", "rank"}), ranked by `sort` (best first unless
    `descending` says otherwise); centers without a figure come last; equal figures share a
    rank (1, 2, 2, 4)."""
    centers = list(centers)
    figures = period_figures([c.pk for c in centers], start, end)
    if sort not in RANKING_KEYS:
        sort = RANKING_KEYS[0]
    if descending is None:
        descending = sort not in SMALLER_IS_BETTER
    rows = [{"center": c, "figures": figures[c.pk]} for c in centers]
    known = [r for r in rows if r["figures"][sort] is not None]
    unknown = [r for r in rows if r["figures"][sort] is None]
    known.sort(key=lambda r: r["center"].name)
    known.sort(key=lambda r: r["figures"][sort], reverse=descending)
    unknown.sort(key=lambda r: r["center"].name)
    previous = object()
    rank = 0
    for index, row in enumerate(known, start=1):
        value = row["figures"][sort]
        if value != previous:
            rank, previous = index, value
        row["rank"] = rank
    for row in unknown:
        row["rank"] = None
    return known + unknown
