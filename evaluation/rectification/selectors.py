"""Reads of rectification items: the lists of a center and of the city/district, the detail,
the ratings taken out by upheld appeals, and the figures published on the city portal. Every
query reads the public tables only."""

from __future__ import annotations

import datetime

from django.db.models import Count, F, Q, QuerySet

from tenants.accounts.permissions import visible_centers
from tenants.models import Center

from .models import WORKING_STATES, AppealState, RatingAppeal, Rectification, Source, State


def upheld_rating_ids(schema_name: str) -> QuerySet:
    """The ids (in `schema_name`) of the ratings whose appeal was upheld: a subquery for
    centers.ratings.selectors.ratings_counted."""
    return RatingAppeal.objects.filter(
        state=AppealState.UPHELD,
        rectification__center__schema_name=schema_name,
        rectification__rating_id__isnull=False,
    ).values("rectification__rating_id")


def overdue_q(today: datetime.date) -> Q:
    return Q(state__in=WORKING_STATES, deadline__lt=today)


def _filtered(qs: QuerySet, *, state: str = "", overdue: bool = False, today=None) -> QuerySet:
    if state in State.values:
        qs = qs.filter(state=state)
    elif state == "appeal_pending":
        qs = qs.filter(appeal__state=AppealState.PENDING)
    if overdue:
        qs = qs.filter(overdue_q(today))
    return qs


def _base() -> QuerySet[Rectification]:
    return Rectification.objects.select_related("center", "center__parent", "appeal")


def center_rectifications(
    center_schema: str, *, state: str = "", overdue: bool = False, today=None
) -> QuerySet[Rectification]:
    """The items of the center whose schema is `center_schema`."""
    qs = _base().filter(center__schema_name=center_schema)
    return _filtered(qs, state=state, overdue=overdue, today=today).order_by("-opened_on", "-pk")


def supervised_centers(user) -> QuerySet[Center]:
    return visible_centers(user, Center.objects.centers())


def supervised_rectifications(
    user,
    *,
    district_id: int | None = None,
    center_id: int | None = None,
    state: str = "",
    overdue: bool = False,
    today=None,
) -> QuerySet[Rectification]:
    """The items of the centers the city/district user may see (the city: all)."""
    qs = _base().filter(center__in=supervised_centers(user))
    if district_id:
        qs = qs.filter(Q(center_id=district_id) | Q(center__parent_id=district_id))
    if center_id:
        qs = qs.filter(center_id=center_id)
    return _filtered(qs, state=state, overdue=overdue, today=today).order_by("-opened_on", "-pk")


def appeal_of(rect: Rectification) -> RatingAppeal | None:
    return RatingAppeal.objects.filter(rectification=rect).first()


# --- publication ----------------------------------------------------------------------------


def rectification_figures(
    center_ids: list[int], start: datetime.date, end: datetime.date
) -> dict[int, dict]:
    """Per center, of the 差评 items opened from `start` to `end` (both included), leaving out
    those whose appeal was upheld: the count, how many are closed (rectified), how many closed
    with the report submitted on or before the deadline (handled in time), and the rates
    (None when there is no 差评). One query."""
    rows = (
        Rectification.objects.filter(
            center_id__in=center_ids,
            source=Source.BAD_RATING,
            opened_on__gte=start,
            opened_on__lte=end,
        )
        .exclude(state=State.APPEAL_UPHELD)
        .values("center_id")
        .annotate(
            bad=Count("pk"),
            closed=Count("pk", filter=Q(state=State.CLOSED)),
            in_time=Count("pk", filter=Q(state=State.CLOSED, submitted_on__lte=F("deadline"))),
        )
        .order_by()
    )
    figures = {}
    for row in rows:
        bad = row["bad"]
        figures[row["center_id"]] = {
            "bad": bad,
            "closed": row["closed"],
            "in_time": row["in_time"],
            "in_time_rate": row["in_time"] / bad if bad else None,
            "rectified_rate": row["closed"] / bad if bad else None,
        }
    return figures
