"""The rules of a 好差评 rating: when a point is open, one rating per case and point, reasons
for 差评, the dimensions by channel, and additions that never replace. Rating is voluntary:
nothing else in the product waits for it."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from centers.cases.models import Case
from centers.cases.states import CaseStatus, Channel

from . import hooks
from .models import (
    BAD_LEVELS,
    ONLINE_DIMENSIONS,
    WINDOW_DIMENSIONS,
    Level,
    Point,
    Rating,
    RatingAddition,
    RatingChannel,
)

REASONS_MAX_LENGTH = 2000
ADDITION_MAX_LENGTH = 2000


def dimensions_for(case: Case) -> dict:
    """The dimensions a case is rated on: online applications on the online ones."""
    return ONLINE_DIMENSIONS if case.channel == Channel.ONLINE else WINDOW_DIMENSIONS


def point_is_open(case: Case, point: str) -> bool:
    """After acceptance once the case has been accepted; after completion once it is closed."""
    if point == Point.ACCEPTED:
        return case.accepted_at is not None
    if point == Point.COMPLETED:
        return case.status == CaseStatus.CLOSED
    return False


def _clean_level(value) -> int | None:
    try:
        level = int(value)
    except (TypeError, ValueError):
        return None
    return level if level in Level.values else None


def rating_submit(
    *, case: Case, point: str, level, dimensions: dict, reasons: str, channel: str
) -> Rating:
    """Record the rating of `case` at `point`. A second rating of the same case and point is
    refused, except that repeating the exact same submission (a double click, a resent form)
    returns the first rating."""
    errors: dict[str, list[str]] = {}
    reasons = (reasons or "").strip()
    if point not in Point.values:
        errors["point"] = [_("Choose when you are rating: after acceptance or after completion.")]
    elif not point_is_open(case, point):
        errors["point"] = [_("This case cannot be rated at this point yet.")]
    if channel not in RatingChannel.values:
        errors["channel"] = [_("Unknown rating channel.")]
    clean_level = _clean_level(level)
    if clean_level is None:
        errors["level"] = [_("Choose one of the five levels.")]
    elif clean_level in BAD_LEVELS and not reasons:
        errors["reasons"] = [_("Please tell us why you are not satisfied.")]
    if len(reasons) > REASONS_MAX_LENGTH:
        errors["reasons"] = [_("Please keep the reasons shorter.")]
    allowed = dimensions_for(case)
    clean_dims: dict[str, int] = {}
    for key, value in (dimensions or {}).items():
        if value in (None, ""):
            continue
        if key not in allowed:
            errors.setdefault("dimensions", []).append(_("Unknown dimension: %s") % key)
            continue
        dim_level = _clean_level(value)
        if dim_level is None:
            errors.setdefault("dimensions", []).append(_("Choose one of the five levels."))
        else:
            clean_dims[key] = dim_level
    if errors:
        raise ValidationError(errors)

    existing = Rating.objects.filter(case=case, point=point).first()
    if existing is not None:
        return _same_or_refuse(existing, clean_level, clean_dims, reasons, channel)
    try:
        with transaction.atomic():
            rating = Rating.objects.create(
                case=case,
                point=point,
                level=clean_level,
                dimensions=clean_dims,
                reasons=reasons,
                channel=channel,
            )
            if clean_level in BAD_LEVELS:  # every 差评 opens its rectification item
                hooks.bad_rating_recorded(rating)
            return rating
    except IntegrityError:  # a concurrent first rating won
        existing = Rating.objects.get(case=case, point=point)
        return _same_or_refuse(existing, clean_level, clean_dims, reasons, channel)


def _same_or_refuse(existing: Rating, level, dims, reasons, channel) -> Rating:
    if (existing.level, existing.dimensions, existing.reasons, existing.channel) == (
        level,
        dims,
        reasons,
        channel,
    ):
        return existing
    raise ValidationError(
        {
            "point": [
                _(
                    "This case has already been rated at this point. A rating is never "
                    "replaced, but you can add to it."
                )
            ]
        }
    )


def rating_add(*, rating: Rating, text: str) -> RatingAddition:
    """Add text to a rating; the rating itself stays as it was."""
    text = (text or "").strip()
    if not text:
        raise ValidationError({"text": [_("Write what you want to add.")]})
    if len(text) > ADDITION_MAX_LENGTH:
        raise ValidationError({"text": [_("Please keep it shorter.")]})
    return RatingAddition.objects.create(rating=rating, text=text)
