"""A center's appeal against its submitted score (once, while the round takes appeals) and
the district's answer, which may change items with a reason each; the total is computed
again."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tenants.accounts.models import Role
from tenants.accounts.permissions import Capability, can

from ..error_codes import ScoringErrorCode, ScoringPermissionDenied
from ..models import (
    AppealState,
    ItemKind,
    ItemScore,
    RoundState,
    ScoreAppeal,
    Scorecard,
    ScorecardState,
)
from .common import (
    event_record,
    invalid,
    item_label,
    round_not_frozen,
    round_state_is,
    scorecard_locked,
)
from .scorecards import entry_apply, totals_recompute


@transaction.atomic
def appeal_file(*, actor, scorecard: Scorecard, reasons: str) -> ScoreAppeal:
    """The center's director appeals its submitted scorecard, once, while the round takes
    appeals."""
    scorecard = scorecard_locked(scorecard)
    if (
        connection.schema_name != scorecard.center.schema_name
        or getattr(actor, "role", "") != Role.CENTER_DIRECTOR
        or not can(actor, Capability.MANAGE_CENTER_WORKSPACE)
    ):
        raise ScoringPermissionDenied(
            _("Only the director of this center may appeal its score."),
            code=ScoringErrorCode.NOT_CENTER_DIRECTOR,
        )
    round_not_frozen(scorecard.round)
    round_state_is(scorecard.round, RoundState.APPEALS, doing=_("appealing"))
    if scorecard.state != ScorecardState.SUBMITTED:
        raise ValidationError(
            {
                "scorecard": [
                    invalid(
                        _("The scorecard is not submitted yet."),
                        ScoringErrorCode.SCORECARD_NOT_SUBMITTED,
                    )
                ]
            }
        )
    if ScoreAppeal.objects.filter(scorecard=scorecard).exists():
        raise ValidationError(
            {
                "reasons": [
                    invalid(
                        _("This center has already appealed this score."),
                        ScoringErrorCode.ALREADY_APPEALED,
                    )
                ]
            }
        )
    reasons = (reasons or "").strip()
    if len(reasons) < 10:
        raise ValidationError(
            {
                "reasons": [
                    invalid(
                        _("Give your reasons (at least 10 characters)."),
                        ScoringErrorCode.REASONS_TOO_SHORT,
                    )
                ]
            }
        )
    if len(reasons) > 5000:
        raise ValidationError(
            {"reasons": [invalid(_("At most 5000 characters."), ScoringErrorCode.TOO_LONG)]}
        )
    appeal = ScoreAppeal.objects.create(
        scorecard=scorecard,
        reasons=reasons,
        filed_by=actor.username,
        original_total=scorecard.total,
    )
    event_record("appeal_file", actor, round=scorecard.round, center=scorecard.center,
           appeal=appeal.pk)  # fmt: skip
    return appeal


@transaction.atomic
def appeal_answer(
    *, actor, appeal: ScoreAppeal, answer: str, changes: dict | None = None
) -> ScoreAppeal:
    """The district answers; `changes` maps item codes to the new input ({"points"} /
    {"fault_count"} / {"marked"}) with a "reason" each. The total is computed again."""
    appeal = ScoreAppeal.objects.select_for_update().get(pk=appeal.pk)
    scorecard = scorecard_locked(appeal.scorecard)
    if (
        connection.schema_name != "public"
        or getattr(actor, "role", "") not in (Role.DISTRICT_SUPERVISOR, Role.CITY_ADMIN)
        or not can(actor, Capability.SUPERVISE_CENTER, scorecard.center)
    ):
        raise ScoringPermissionDenied(
            _("Only the district supervising this center may answer."),
            code=ScoringErrorCode.NOT_SUPERVISING_DISTRICT,
        )
    round_not_frozen(scorecard.round)
    round_state_is(scorecard.round, RoundState.APPEALS, RoundState.REVIEW, doing=_("answering"))
    if appeal.state != AppealState.PENDING:
        raise ValidationError(
            {
                "answer": [
                    invalid(_("This appeal is answered already."), ScoringErrorCode.APPEAL_ANSWERED)
                ]
            }
        )
    answer = (answer or "").strip()
    errors: dict[str, list] = {}
    if not answer:
        errors["answer"] = [
            invalid(_("Write the district's answer."), ScoringErrorCode.ANSWER_REQUIRED)
        ]
    items = list(scorecard.round.rubric.items.all())
    by_code = {item.code: item for item in items if item.level == 3}
    saved = {s.item_id: s for s in scorecard.scores.all()}
    adjustments = []
    for code, entry in (changes or {}).items():
        item = by_code.get(code)
        key = f"item_{code}"
        if item is None:
            errors[key] = [
                invalid(_("Unknown item %(code)s.") % {"code": code}, ScoringErrorCode.UNKNOWN_ITEM)
            ]
            continue
        if item.kind == ItemKind.AUTO:
            errors[key] = [
                invalid(
                    _("%(item)s is computed from the figures and cannot be changed.")
                    % {"item": item_label(item)},
                    ScoringErrorCode.COMPUTED_ITEM,
                )
            ]
            continue
        reason = (entry.get("reason") or "").strip()
        if not reason:
            errors[key] = [
                invalid(
                    _("%(item)s: give the reason for the change.") % {"item": item_label(item)},
                    ScoringErrorCode.CHANGE_REASON_REQUIRED,
                )
            ]
            continue
        score = saved.get(item.pk) or ItemScore(scorecard=scorecard, item=item)
        before = score.points if item.kind != ItemKind.VETO else score.marked
        entry_apply(item, score, {k: v for k, v in entry.items() if k != "reason"}, errors)
        after = score.points if item.kind != ItemKind.VETO else score.marked
        if key in errors or before == after:
            continue
        if score.adjusted_from is None and item.kind != ItemKind.VETO:
            score.adjusted_from = before
        score.adjust_reason = reason[:2000]
        saved[item.pk] = score
        adjustments.append(
            {"item": code, "from": str(before), "to": str(after), "reason": reason[:2000]}
        )
    if errors:
        raise ValidationError(errors)
    for change in adjustments:
        saved[by_code[change["item"]].pk].save()
    if adjustments:
        totals_recompute(scorecard, items, saved)
        scorecard.save()
        appeal.adjusted_total = scorecard.total
    appeal.adjustments = adjustments
    appeal.answer = answer[:5000]
    appeal.answered_by = actor.username
    appeal.answered_at = timezone.now()
    appeal.state = AppealState.ANSWERED
    appeal.save()
    event_record(
        "appeal_answer", actor, round=scorecard.round, center=scorecard.center,
        appeal=appeal.pk, changes=len(adjustments), total=str(scorecard.total),
    )  # fmt: skip
    return appeal
