"""Computing a center's daily snapshot (运行指标) from its own schema and publishing it into
the public table. snapshot_compute is the only writer of CenterDailySnapshot.

Definitions (all days are local, Asia/Shanghai):
- received / accepted: cases whose received_on / accepted_on is the day.
- closed: cases closed (办结) that day; closed_late as the case recorded it at closing;
  closed_one_visit: of those, closed with at most one visit of the applicant (一次办结, 最多跑一次:
  Case.visits, counted by the steps that bring the applicant to a window, so an online case
  handed over by post or electronically has none and counts);
  handling_working_days: the sum over them of the working days after accepted_on up to and
  including closed_on, on the center's calendar (0 for a same-day close).
- open_cases at the end of the day: received on or before it and not yet closed, refused or
  withdrawn at its end; overdue_open: of those, accepted on or before the day with a promised
  date before it, except cases paused now (补正, special procedure), which no clock runs for.
- ratings_N: counted ratings (centers.ratings.selectors.ratings_counted) made that day, per
  level; ratings_proactive(_good): those made by QR code or on the portal (主动评价; the hall
  tablet is prompted by staff), good = levels 1-3; closed_unrated: cases closed that day with no
  counted rating when the snapshot is computed (未评价).
- complaints_received: complaints (投诉) submitted that day; complaints_answered: complaints
  first answered that day; complaints_answered_in_time: of those, answered within
  COMPLAINT_REPLY_WORKING_DAYS working days after the day of submission.
- windows, staff (active center users), floor_area and weekly_open_hours: the workspace's state
  when the snapshot is computed (the workspace keeps no history).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Exists, Min, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from centers.feedback.models import Feedback, FeedbackKind
from centers.ratings.selectors import ratings_counted
from tenants.accounts.permissions import on_domain_of
from tenants.models import Center, CenterKind

from .models import CenterDailySnapshot

# Local rules ask for a reply to a complaint within five working days (投诉 5个工作日内答复).
COMPLAINT_REPLY_WORKING_DAYS = 5
GOOD_LEVELS = (1, 2, 3)
PROACTIVE_CHANNELS = ("qr", "portal")
# Late ratings and closures change recent days: the beat recomputes this many days.
RECOMPUTE_DAYS = 7


def _day_bounds(day: datetime.date) -> tuple[datetime.datetime, datetime.datetime]:
    tz = timezone.get_current_timezone()
    start = datetime.datetime.combine(day, datetime.time.min, tzinfo=tz)
    end = datetime.datetime.combine(day + datetime.timedelta(days=1), datetime.time.min, tzinfo=tz)
    return start, end


def district_of(center: Center) -> int | None:
    """The district a center's rows are filed under: its parent, or itself for a district."""
    if center.kind == CenterKind.DISTRICT:
        return center.pk
    return center.parent_id


def _require_schema(center: Center) -> None:
    if not on_domain_of(center):
        raise ValidationError(
            {"center": [_("A center's snapshot is computed inside that center's schema.")]}
        )


def _require_day(day) -> datetime.date:
    if not isinstance(day, datetime.date) or isinstance(day, datetime.datetime):
        raise ValidationError({"day": [_("Give the day as a date.")]})
    if day > timezone.localdate():
        raise ValidationError({"day": [_("A snapshot cannot be computed for a future day.")]})
    return day


def _case_figures(day: datetime.date, working_days) -> dict:
    from centers.cases.models import Case, CaseEvent
    from centers.cases.states import CaseStatus

    received = Case.objects.filter(received_on=day).count()
    accepted = Case.objects.filter(accepted_on=day).count()
    closed_rows = list(
        Case.objects.filter(status=CaseStatus.CLOSED, closed_on=day)
        .annotate(rated=Exists(ratings_counted().filter(case=OuterRef("pk"))))
        .values_list("accepted_on", "closed_late", "visits", "rated")
    )
    handling = sum(
        working_days.count(accepted_on, day) for accepted_on, *_rest in closed_rows if accepted_on
    )
    late = sum(1 for row in closed_rows if row[1])
    ended_before_end = CaseEvent.objects.filter(
        case=OuterRef("pk"),
        to_status__in=[CaseStatus.NOT_ACCEPTED, CaseStatus.WITHDRAWN],
        at__lt=_day_bounds(day)[1],
    )
    open_cases = (
        Case.objects.filter(received_on__lte=day)
        .exclude(status=CaseStatus.CLOSED, closed_on__lte=day)
        .exclude(Exists(ended_before_end))
    )
    overdue = open_cases.filter(accepted_on__lte=day, due_date__lt=day).exclude(
        status__in=[CaseStatus.SUPPLEMENTING, CaseStatus.SPECIAL_PROCEDURE]
    )
    return {
        "received": received,
        "accepted": accepted,
        "closed": len(closed_rows),
        "closed_on_time": len(closed_rows) - late,
        "closed_late": late,
        "closed_one_visit": sum(1 for row in closed_rows if row[2] <= 1),
        "handling_working_days": handling,
        "open_cases": open_cases.count(),
        "overdue_open": overdue.count(),
        "closed_unrated": sum(1 for row in closed_rows if not row[3]),
    }


def _rating_figures(day: datetime.date) -> dict:
    start, end = _day_bounds(day)
    rows = (
        ratings_counted()
        .filter(created_at__gte=start, created_at__lt=end)
        .values_list("level", "channel")
        .annotate(n=Count("pk"))
        .order_by()
    )
    figures = {f"ratings_{level}": 0 for level in range(1, 6)}
    figures["ratings_proactive"] = figures["ratings_proactive_good"] = 0
    for level, channel, n in rows:
        figures[f"ratings_{level}"] += n
        if channel in PROACTIVE_CHANNELS:
            figures["ratings_proactive"] += n
            if level in GOOD_LEVELS:
                figures["ratings_proactive_good"] += n
    return figures


def _complaint_figures(day: datetime.date, working_days) -> dict:
    start, end = _day_bounds(day)
    complaints = Feedback.objects.filter(kind=FeedbackKind.COMPLAINT)
    received = complaints.filter(created_at__gte=start, created_at__lt=end).count()
    answered = (
        complaints.annotate(first_reply=Min("events__at", filter=Q(events__action="reply")))
        .filter(first_reply__gte=start, first_reply__lt=end)
        .values_list("created_at", flat=True)
    )
    in_time = 0
    count = 0
    for created_at in answered:
        count += 1
        if working_days.count(timezone.localtime(created_at).date(), day) <= (
            COMPLAINT_REPLY_WORKING_DAYS
        ):
            in_time += 1
    return {
        "complaints_received": received,
        "complaints_answered": count,
        "complaints_answered_in_time": in_time,
    }


def workspace_figures() -> dict:
    from centers.workspace.models import CenterProfile, Window
    from centers.workspace.selectors import weekly_open_hours
    from tenants.accounts.models import CENTER_ROLES, User

    profile = CenterProfile.objects.only("floor_area_m2").first()
    area = profile.floor_area_m2 if profile and profile.floor_area_m2 is not None else Decimal(0)
    return {
        "windows": Window.objects.count(),
        "staff": User.objects.filter(is_active=True, role__in=CENTER_ROLES).count(),
        "floor_area": Decimal(area).quantize(Decimal("0.1")),
        "weekly_open_hours": weekly_open_hours().quantize(Decimal("0.1")),
    }


def snapshot_figures(day: datetime.date, *, working_days=None, workspace=None) -> dict:
    """The figures of `day` for the center whose schema is active (no write)."""
    from centers.cases.clock import WorkingDays

    working_days = working_days or WorkingDays()
    return (
        _case_figures(day, working_days)
        | _rating_figures(day)
        | _complaint_figures(day, working_days)
        | (workspace if workspace is not None else workspace_figures())
    )


def _upsert(center: Center, day: datetime.date, figures: dict) -> CenterDailySnapshot:
    snapshot, _created = CenterDailySnapshot.objects.update_or_create(
        center_id=center.pk, day=day, defaults={"district_id": district_of(center), **figures}
    )
    return snapshot


def snapshot_compute(center: Center, day: datetime.date) -> CenterDailySnapshot:
    """Compute `center`'s figures of `day` from its schema (which must be the active one) and
    replace its public row for that day, in one transaction; running it again replaces the row
    with the same figures."""
    _require_schema(center)
    day = _require_day(day)
    with transaction.atomic():
        return _upsert(center, day, snapshot_figures(day))


def snapshot_compute_range(
    center: Center, start: datetime.date, end: datetime.date
) -> list[CenterDailySnapshot]:
    """snapshot_compute for every day from start to end (inclusive), in one transaction,
    reading the calendar and the workspace once."""
    from centers.cases.clock import WorkingDays

    _require_schema(center)
    errors = dates_check(start, end)
    if errors:
        raise ValidationError(errors)
    working_days = WorkingDays()
    workspace = workspace_figures()
    rows = []
    with transaction.atomic():
        day = start
        while day <= end:
            figures = snapshot_figures(day, working_days=working_days, workspace=workspace)
            rows.append(_upsert(center, day, figures))
            day += datetime.timedelta(days=1)
    return rows


def dates_check(start, end) -> dict[str, list[str]]:
    """What is wrong with a range of days to compute (empty when nothing)."""
    errors: dict[str, list[str]] = {}
    today = timezone.localdate()
    if start is None:
        errors["start"] = [_("Give the first day.")]
    if end is None:
        errors["end"] = [_("Give the last day.")]
    if errors:
        return errors
    if end > today:
        errors["end"] = [_("The last day cannot be in the future.")]
    if start > end:
        errors["start"] = [_("The first day must not be after the last day.")]
    return errors


def recent_days(today: datetime.date | None = None) -> tuple[datetime.date, datetime.date]:
    today = today or timezone.localdate()
    return today - datetime.timedelta(days=RECOMPUTE_DAYS - 1), today


def centers_for_backfill(slugs: Iterable[str] = ()) -> list[Center]:
    """Active centers (all, or those with the given slugs: an unknown slug is an error)."""
    from tenants.models import CenterStatus

    qs = Center.objects.centers().order_by("pk")
    slugs = list(dict.fromkeys(slugs))
    if not slugs:
        return list(qs.filter(status=CenterStatus.ACTIVE))
    found = {c.slug: c for c in qs.filter(slug__in=slugs)}
    unknown = [s for s in slugs if s not in found]
    if unknown:
        raise ValidationError({"center": [_("Unknown center: %s") % ", ".join(unknown)]})
    return [found[s] for s in slugs]
