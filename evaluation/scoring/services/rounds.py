"""A round's life: create it on a published rubric version, assign the evaluators, open the
scoring and the appeals, review, lock once complete, and publish the frozen ranking (with the
约谈 flag)."""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tenants.accounts.models import Role, User
from tenants.accounts.permissions import Capability, can
from tenants.models import Center

from ..error_codes import ScoringErrorCode
from ..models import (
    SCORED_KINDS,
    AppealState,
    Assignment,
    RankingEntry,
    Round,
    RoundState,
    Rubric,
    RubricState,
    ScoreAppeal,
    Scorecard,
    ScorecardState,
)
from .common import (
    city_admin_require,
    event_record,
    invalid,
    points_parse,
    round_not_frozen,
    round_state_is,
)


def _locked_round(round: Round) -> Round:
    return Round.objects.select_for_update().get(pk=round.pk)


@transaction.atomic
def round_create(
    *,
    actor,
    name: str,
    period_start: datetime.date,
    period_end: datetime.date,
    rubric: Rubric,
    talk_threshold=None,
) -> Round:
    city_admin_require(actor)
    errors: dict[str, list] = {}
    name = (name or "").strip()
    if not name:
        errors["name"] = [invalid(_("A round needs a name."), ScoringErrorCode.NAME_REQUIRED)]
    elif len(name) > 60:
        errors["name"] = [invalid(_("At most 60 characters."), ScoringErrorCode.TOO_LONG)]
    elif Round.objects.filter(name=name).exists():
        errors["name"] = [
            invalid(
                _("A round named “%(name)s” exists.") % {"name": name},
                ScoringErrorCode.ROUND_NAME_TAKEN,
            )
        ]
    if not period_start or not period_end or period_end < period_start:
        errors["period_end"] = [
            invalid(
                _("The period must end on or after its start."), ScoringErrorCode.PERIOD_INVALID
            )
        ]
    if rubric is None or rubric.state != RubricState.PUBLISHED:
        errors["rubric"] = [
            invalid(
                _("A round uses a published rubric version."),
                ScoringErrorCode.RUBRIC_NOT_PUBLISHED,
            )
        ]
    threshold = points_parse(talk_threshold)
    if talk_threshold not in (None, "") and (threshold is None or threshold < 0):
        errors["talk_threshold"] = [
            invalid(
                _("The threshold must be a number of points."), ScoringErrorCode.THRESHOLD_INVALID
            )
        ]
    if errors:
        raise ValidationError(errors)
    round = Round.objects.create(
        name=name,
        period_start=period_start,
        period_end=period_end,
        rubric=rubric,
        talk_threshold=threshold,
        created_by=actor.username,
    )
    event_record("round_create", actor, round=round, rubric=rubric, name=name)
    return round


def _evaluator(username: str) -> User:
    user = User.objects.filter(username=username, is_active=True, role=Role.EVALUATOR).first()
    if user is None:
        raise ValidationError(
            {
                "evaluator": [
                    invalid(
                        _("“%(name)s” is not an active evaluator.") % {"name": username},
                        ScoringErrorCode.NOT_AN_EVALUATOR,
                    )
                ]
            }
        )
    return user


@transaction.atomic
def assignment_set(*, actor, round: Round, center: Center, evaluator: str) -> Assignment:
    """Assign (or reassign) the evaluator who scores `center` in `round`; the evaluator must
    belong to the center's district. Opens the center's scorecard."""
    city_admin_require(actor)
    round = _locked_round(round)
    round_not_frozen(round)
    round_state_is(round, RoundState.DRAFT, RoundState.SCORING, doing=_("assigning evaluators"))
    if center.kind not in SCORED_KINDS or center.status != "active":
        raise ValidationError(
            {
                "center": [
                    invalid(
                        _("%(center)s is not an active township or street center.")
                        % {"center": center},
                        ScoringErrorCode.CENTER_NOT_SCORED,
                    )
                ]
            }
        )
    user = _evaluator(evaluator)
    if not can(user, Capability.SCORE_CENTER, center):
        raise ValidationError(
            {
                "evaluator": [
                    invalid(
                        _("%(user)s is not an evaluator of %(center)s's district.")
                        % {"user": user.username, "center": center},
                        ScoringErrorCode.EVALUATOR_OUTSIDE_DISTRICT,
                    )
                ]
            }
        )
    assignment, created = Assignment.objects.get_or_create(
        round=round,
        center=center,
        defaults={"evaluator": user.username, "assigned_by": actor.username},
    )
    scorecard, _new = Scorecard.objects.get_or_create(
        round=round, center=center, defaults={"evaluator": user.username}
    )
    if not created and assignment.evaluator != user.username:
        if scorecard.state == ScorecardState.SUBMITTED:
            raise ValidationError(
                {
                    "evaluator": [
                        invalid(
                            _("%(center)s's scorecard is submitted; it keeps its evaluator.")
                            % {"center": center},
                            ScoringErrorCode.SCORECARD_SUBMITTED,
                        )
                    ]
                }
            )
        assignment.evaluator = user.username
        assignment.assigned_by = actor.username
        assignment.save(update_fields=["evaluator", "assigned_by"])
        scorecard.evaluator = user.username
        scorecard.save(update_fields=["evaluator", "updated_at"])
    event_record("assignment_set", actor, round=round, center=center, evaluator=user.username)
    return assignment


def _advance(actor, round: Round, *, from_states, to: str, action: str, doing: str) -> Round:
    city_admin_require(actor)
    round = _locked_round(round)
    round_not_frozen(round)
    round_state_is(round, *from_states, doing=doing)
    round.state = to
    round.state_changed_at = timezone.now()
    round.save(update_fields=["state", "state_changed_at"])
    event_record(action, actor, round=round)
    return round


@transaction.atomic
def round_open_scoring(*, actor, round: Round) -> Round:
    if not round.assignments.exists():
        raise ValidationError(
            {
                "round": [
                    invalid(
                        _("Assign evaluators to the centers first."),
                        ScoringErrorCode.NO_ASSIGNMENTS,
                    )
                ]
            }
        )
    return _advance(
        actor, round, from_states=(RoundState.DRAFT,), to=RoundState.SCORING,
        action="round_open_scoring", doing=_("opening the scoring"),
    )  # fmt: skip


@transaction.atomic
def round_open_appeals(*, actor, round: Round) -> Round:
    """Centers may appeal from now on (late scorecards may still be submitted)."""
    return _advance(
        actor, round, from_states=(RoundState.SCORING,), to=RoundState.APPEALS,
        action="round_open_appeals", doing=_("opening the appeals"),
    )  # fmt: skip


@transaction.atomic
def round_start_review(*, actor, round: Round) -> Round:
    """The appeals window closes; the city reviews (districts may still answer)."""
    return _advance(
        actor, round, from_states=(RoundState.APPEALS,), to=RoundState.REVIEW,
        action="round_start_review", doing=_("closing the appeals"),
    )  # fmt: skip


def round_missing(round: Round) -> list[str]:
    """What keeps a round from being locked: unsubmitted scorecards, unanswered appeals."""
    missing = []
    for card in round.scorecards.select_related("center").order_by("center__name"):
        if card.state != ScorecardState.SUBMITTED:
            missing.append(
                _("%(center)s: the scorecard is not submitted (%(evaluator)s).")
                % {"center": card.center, "evaluator": card.evaluator}
            )
    for appeal in ScoreAppeal.objects.filter(
        scorecard__round=round, state=AppealState.PENDING
    ).select_related("scorecard__center"):
        missing.append(
            _("%(center)s: the appeal is not answered.") % {"center": appeal.scorecard.center}
        )
    if not round.scorecards.exists():
        missing.append(_("No center is scored in this round."))
    return missing


@transaction.atomic
def round_lock(*, actor, round: Round) -> Round:
    city_admin_require(actor)
    round = _locked_round(round)
    round_not_frozen(round)
    round_state_is(round, RoundState.APPEALS, RoundState.REVIEW, doing=_("locking"))
    missing = round_missing(round)
    if missing:
        raise ValidationError(
            {"round": [invalid(problem, ScoringErrorCode.ROUND_INCOMPLETE) for problem in missing]}
        )
    round.state = RoundState.LOCKED
    round.state_changed_at = timezone.now()
    round.save(update_fields=["state", "state_changed_at"])
    event_record("round_lock", actor, round=round)
    return round


def _ranks(totals: list[tuple]) -> dict:
    """Competition ranking (1, 1, 3) of [(key, total)] by total descending."""
    ordered = sorted(totals, key=lambda pair: pair[1], reverse=True)
    ranks, previous, rank = {}, None, 0
    for position, (key, total) in enumerate(ordered, start=1):
        if total != previous:
            rank, previous = position, total
        ranks[key] = rank
    return ranks


def _talk_condition(entry_total, rank_district, last_rank, district_size, threshold) -> list:
    reasons = []
    if district_size > 1 and rank_district == last_rank:
        reasons.append("last")
    if threshold is not None and entry_total < threshold:
        reasons.append("below")
    return reasons


@transaction.atomic
def round_publish(*, actor, round: Round) -> Round:
    """Freeze the ranking: city-wide and within each district, ties sharing a rank; flag for
    约谈 a center last in its district or below the threshold in this and the previous
    published round. The view asks for re-authentication first."""
    city_admin_require(actor)
    round = _locked_round(round)
    round_state_is(round, RoundState.LOCKED, doing=_("publishing"))
    rows = ranking_rows(round)
    RankingEntry.objects.filter(round=round).delete()
    RankingEntry.objects.bulk_create(rows)
    round.state = RoundState.PUBLISHED
    round.state_changed_at = round.published_at = timezone.now()
    round.published_by = actor.username
    round.save(update_fields=["state", "state_changed_at", "published_at", "published_by"])
    event_record(
        "round_publish",
        actor,
        round=round,
        centers=len(rows),
        flagged=[row.center_name for row in rows if row.flagged_for_talk],
    )
    return round


def ranking_rows(round: Round) -> list[RankingEntry]:
    """The ranking of `round`'s submitted scorecards as unsaved RankingEntry rows, with the
    约谈 flag set where the center meets the condition in this and the previous published
    round: what round_publish freezes, and what the admin's preview of an unpublished round
    shows."""
    cards = list(round.scorecards.select_related("center__parent"))
    previous = (
        Round.objects.filter(state=RoundState.PUBLISHED, period_end__lt=round.period_end)
        .order_by("-period_end", "-pk")
        .first()
    )
    before = _previous_conditions(previous) if previous else {}
    rows = []
    for entry in rank_entries(round, cards):
        now_reasons = entry.pop("_reasons")
        then_reasons = before.get(entry["center"].pk, [])
        if now_reasons and then_reasons:
            entry["flagged_for_talk"] = True
            entry["talk_reason"] = _talk_reason(now_reasons, then_reasons, previous, round)
        rows.append(RankingEntry(round=round, **entry))
    return rows


def rank_entries(round: Round, cards) -> list[dict]:
    """The ranking rows (as dicts for RankingEntry) of submitted scorecards, by rank then name,
    each with "_reasons": why it meets the 约谈 condition in this round."""
    cards = [card for card in cards if card.state == ScorecardState.SUBMITTED]
    city = _ranks([(card.pk, card.total) for card in cards])
    by_district: dict = {}
    for card in cards:
        by_district.setdefault(card.center.parent_id, []).append(card)
    district_rank, last, size = {}, {}, {}
    for district_id, members in by_district.items():
        ranks = _ranks([(card.pk, card.total) for card in members])
        district_rank.update(ranks)
        last[district_id] = max(ranks.values())
        size[district_id] = len(members)
    entries = []
    for card in cards:
        district = card.center.parent
        entries.append(
            {
                "center": card.center,
                "district": district,
                "center_name": card.center.display_name,
                "district_name": district.display_name if district else "",
                "rank_city": city[card.pk],
                "rank_district": district_rank[card.pk],
                "total": card.total,
                "bonus": card.bonus,
                "sections": card.sections,
                "vetoed": card.vetoed,
                "_reasons": _talk_condition(
                    card.total,
                    district_rank[card.pk],
                    last[card.center.parent_id],
                    size[card.center.parent_id],
                    round.talk_threshold,
                ),
            }
        )
    entries.sort(key=lambda e: (e["rank_city"], e["center_name"]))
    return entries


def _previous_conditions(previous: Round) -> dict:
    entries = list(RankingEntry.objects.filter(round=previous))
    last, size = {}, {}
    for entry in entries:
        key = entry.district_id
        last[key] = max(last.get(key, 0), entry.rank_district)
        size[key] = size.get(key, 0) + 1
    return {
        entry.center_id: _talk_condition(
            entry.total,
            entry.rank_district,
            last[entry.district_id],
            size[entry.district_id],
            previous.talk_threshold,
        )
        for entry in entries
    }


def _talk_reason(now: list, then: list, previous: Round, round: Round) -> str:
    words = {"last": _("last in its district"), "below": _("below the threshold")}
    return (
        _("%(then_round)s: %(then)s; %(now_round)s: %(now)s.")
        % {
            "then_round": previous.name,
            "then": "、".join(str(words[w]) for w in then),
            "now_round": round.name,
            "now": "、".join(str(words[w]) for w in now),
        }
    )[:300]
