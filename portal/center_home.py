"""What a center's portal home page shows, read from the center's own workspace: the profile
(introduction photo, address, phones), today's hours and open-now, the weekly hours, the
windows and the matters each handles, the village service points."""

from __future__ import annotations

from django.db.models import Prefetch

from centers.catalog.models import LocalMatter
from centers.workspace.models import OpeningInterval, ServicePoint, Weekday, Window
from centers.workspace.selectors import opening_status, profile_get

from .notices import notices_latest


def weekly_hours() -> list[dict]:
    """[{"weekday": label, "spans": ["08:30–12:00", ...]}] for the days the center opens."""
    days: dict[int, list[str]] = {}
    for interval in OpeningInterval.objects.order_by("weekday", "start"):
        days.setdefault(interval.weekday, []).append(f"{interval.start:%H:%M}–{interval.end:%H:%M}")
    return [{"weekday": Weekday(day).label, "spans": spans} for day, spans in days.items()]


def center_home_context() -> dict:
    profile = profile_get()
    matters = Prefetch("matters", queryset=LocalMatter.objects.only("code", "name"))
    return {
        "profile": profile,
        "photo": profile.photos.first() if profile else None,
        "status": opening_status(),
        "weekly_hours": weekly_hours(),
        "windows": list(Window.objects.prefetch_related(matters, "departments")),
        "service_points": list(ServicePoint.objects.order_by("name")),
        "notices": notices_latest(),
    }
