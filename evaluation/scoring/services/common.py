"""What the scoring services share: the history row, the checks of who acts and of the round's
state, the parsing of points, and the scorecard lock. Every refusal carries its
ScoringErrorCode."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import connection
from django.utils.translation import gettext as _

from tenants.accounts.permissions import Capability, can

from ..error_codes import ScoringErrorCode, ScoringPermissionDenied
from ..models import Round, RubricItem, Scorecard, ScoringEvent


def invalid(message: str, code: str) -> ValidationError:
    """One message of a ValidationError({field: [...]}), with its code (a ScoringErrorCode)."""
    return ValidationError(message, code=code)


def event_record(action: str, actor, *, rubric=None, round=None, center=None, **detail) -> None:
    ScoringEvent.objects.create(
        action=action,
        actor=getattr(actor, "username", "") or "",
        rubric=rubric,
        round=round,
        center=center,
        detail=detail,
    )


def capability_require(user, capability: Capability, target=None) -> None:
    if not can(user, capability, target):
        raise ScoringPermissionDenied(
            _("You may not do this."), code=ScoringErrorCode.NOT_PERMITTED
        )


def city_admin_require(user) -> None:
    if connection.schema_name != "public" or not can(user, Capability.PUBLISH_RANKING):
        raise ScoringPermissionDenied(
            _("Only the city administrator may do this."), code=ScoringErrorCode.NOT_CITY_ADMIN
        )


def round_not_frozen(round: Round) -> None:
    if round.is_frozen:
        raise ValidationError(
            {
                "round": [
                    invalid(
                        _("Round “%(name)s” is %(state)s; nothing in it can be changed.")
                        % {"name": round.name, "state": round.get_state_display()},
                        ScoringErrorCode.ROUND_FROZEN,
                    )
                ]
            }
        )


def round_state_is(round: Round, *states: str, doing: str) -> None:
    if round.state not in states:
        raise ValidationError(
            {
                "round": [
                    invalid(
                        _("Round “%(name)s” is %(state)s: %(doing)s is not possible now.")
                        % {"name": round.name, "state": round.get_state_display(), "doing": doing},
                        ScoringErrorCode.ROUND_STATE,
                    )
                ]
            }
        )


def points_parse(value) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        return None
    return number if number.is_finite() else None


def item_label(item: RubricItem) -> str:
    return f"{item.code} {item.title}"


def scorecard_locked(scorecard: Scorecard) -> Scorecard:
    return (
        Scorecard.objects.select_for_update()
        .select_related("round__rubric", "center")
        .get(pk=scorecard.pk)
    )
