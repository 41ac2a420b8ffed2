"""Reads of ratings: the staff list, the points still open for a resident, the summary."""

from __future__ import annotations

import hmac
import re

from django.db import connection
from django.db.models import Count, QuerySet

from centers.cases.models import Case
from centers.cases.progress import PHONE_LAST4_RE, normalise_receipt

from . import hooks
from .models import Level, Point, Rating
from .services import point_is_open


def ratings_list(*, level: int | None = None) -> QuerySet[Rating]:
    qs = Rating.objects.select_related("case").prefetch_related("additions")
    if level:
        qs = qs.filter(level=level)
    return qs.order_by("-created_at", "-pk")


def open_points(case: Case) -> list[str]:
    """The points at which `case` can be rated now and has not been rated yet."""
    rated = set(Rating.objects.filter(case=case).values_list("point", flat=True))
    return [p for p in Point.values if p not in rated and point_is_open(case, p)]


def ratings_counted() -> QuerySet[Rating]:
    """The ratings that count in the center's figures (snapshots, 好评率, rankings): every
    rating of this center's schema except those whose appeal the district upheld (the rating
    itself is kept; the appeals register their source in `hooks`). Every figure reads ratings
    through here."""
    ratings = Rating.objects.all()
    for source in hooks.uncounted_sources():
        ratings = ratings.exclude(pk__in=source(connection.schema_name))
    return ratings


def ratings_summary() -> dict:
    """Counts per level and the good-rating rate (好评率: levels 1 to 3 of the ratings that
    count), as a fraction, None when nothing is rated."""
    counts = dict(ratings_counted().values_list("level").annotate(n=Count("pk")).order_by())
    by_level = {level: counts.get(level, 0) for level in Level.values}
    total = sum(by_level.values())
    good = sum(by_level[level] for level in (1, 2, 3))
    return {
        "by_level": by_level,
        "total": total,
        "good": good,
        "good_rate": (good / total) if total else None,
    }


def case_for_resident(receipt_number: str, phone_last4: str) -> Case | None:
    """The case of this center with the receipt number, if `phone_last4` are the last four
    digits of the applicant's phone; None for an unknown receipt and a wrong pair alike (the
    same single query, a constant-time comparison), like the progress lookup."""
    receipt_number = normalise_receipt(receipt_number)
    phone_last4 = (phone_last4 or "").strip()
    if not receipt_number or not PHONE_LAST4_RE.match(phone_last4):
        return None
    case = Case.objects.filter(receipt_number=receipt_number).first()
    expected = re.sub(r"\D", "", case.applicant_phone or "")[-4:] if case else "----"
    matches = hmac.compare_digest(expected.encode(), phone_last4.encode())
    if case is None or not matches or len(expected) != 4:
        return None
    return case


def case_ratings(case: Case) -> list[Rating]:
    return list(case.ratings.prefetch_related("additions").order_by("created_at", "pk"))
