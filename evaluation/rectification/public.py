"""/ratings/ on the city's domain: the published 好差评 figures of every active center, grouped
by district, for a month or a year: 好评率, 主动评价好评率, 未评价率 (from the daily snapshots,
evaluation.metrics), the 差评 count, the share handled in time and the rectification rate
(from the rectification table). Public tables only; no tenant schema is read."""

from __future__ import annotations

import calendar
import datetime
import re

from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from evaluation.metrics.selectors import period_figures
from tenants.models import CenterKind, CenterStatus
from tenants.selectors import center_directory, center_url

from .selectors import rectification_figures

MONTH_RE = re.compile(r"^(\d{4})-(\d{2})$")


def period_from(value: str, today: datetime.date) -> tuple[str, datetime.date, datetime.date]:
    """`month` (this month, the default), `year` (this year) or `YYYY-MM`; anything else, or
    a month in the future, is this month. Returns (the period's key, start, end)."""
    value = (value or "").strip()
    if value == "year":
        return "year", datetime.date(today.year, 1, 1), datetime.date(today.year, 12, 31)
    match = MONTH_RE.match(value)
    year, month = today.year, today.month
    if match:
        y, m = int(match[1]), int(match[2])
        if y >= 2000 and 1 <= m <= 12 and (y, m) <= (today.year, today.month):
            year, month = y, m
    start = datetime.date(year, month, 1)
    end = datetime.date(year, month, calendar.monthrange(year, month)[1])
    key = "month" if (year, month) == (today.year, today.month) else f"{year:04d}-{month:02d}"
    return key, start, end


def _percent(rate) -> str:
    return "—" if rate is None else f"{rate * 100:.1f}%"


def ratings_rows(start: datetime.date, end: datetime.date) -> list[dict]:
    """The districts in division-code order, each with its own row and its centers' rows."""
    centers = list(center_directory().filter(status=CenterStatus.ACTIVE))
    ids = [c.pk for c in centers]
    metrics = period_figures(ids, start, end)
    rect = rectification_figures(ids, start, end)
    groups: dict[int, dict] = {}
    for center in centers:
        district = center if center.kind == CenterKind.DISTRICT else center.parent
        key = district.pk if district else 0
        group = groups.setdefault(
            key,
            {
                "name": district.display_name if district else _("Other centers"),
                "code": district.division_code if district else "",
                "rows": [],
            },
        )
        m = metrics.get(center.pk, {})
        r = rect.get(center.pk, {})
        group["rows"].append(
            {
                "center": center,
                "url": center_url(center),
                "is_district": center.kind == CenterKind.DISTRICT,
                "good_rate": _percent(m.get("good_rate")),
                "proactive_good_rate": _percent(m.get("proactive_good_rate")),
                "unrated_rate": _percent(m.get("unrated_rate")),
                "bad": r.get("bad", 0),
                "in_time": r.get("in_time", 0),
                "in_time_rate": _percent(r.get("in_time_rate")),
                "rectified_rate": _percent(r.get("rectified_rate")),
            }
        )
    for group in groups.values():
        group["rows"].sort(key=lambda row: (not row["is_district"], row["center"].division_code))
    return sorted(groups.values(), key=lambda g: g["code"])


@require_GET
def ratings_page(request):
    today = timezone.localdate()
    key, start, end = period_from(request.GET.get("period", ""), today)
    context = {
        "groups": ratings_rows(start, end),
        "period": key,
        "start": start,
        "end": end,
        "month_value": f"{start:%Y-%m}" if key != "year" else f"{today:%Y-%m}",
        "max_month": f"{today:%Y-%m}",
    }
    return render(request, "rectification/public/ratings.html", context)
