"""Every change of the scored evaluation, one function per step: each checks who acts and the
state, checks its input, writes, and records a ScoringEvent, in one transaction. Bad input
raises ValidationError({field: [message]}) naming the item, and nothing is written; a user
who may not act gets PermissionDenied."""

from __future__ import annotations

import datetime
import threading
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tenants.accounts.models import Role, User
from tenants.accounts.permissions import Capability, can
from tenants.models import Center, CenterKind

from . import calc
from .evidence import check_photo, make_thumbnail
from .models import (
    BASE_KINDS,
    AppealState,
    Assignment,
    EvidencePhoto,
    ItemKind,
    ItemScore,
    RankingEntry,
    Round,
    RoundState,
    Rubric,
    RubricItem,
    RubricState,
    ScoreAppeal,
    Scorecard,
    ScorecardState,
    ScoringEvent,
    evidence_storage,
)
from .tabular import parse_rubric_file

# Centers a round scores: the township and street centers (a district's own center is not
# scored by its own district's evaluators).
SCORED_KINDS = (CenterKind.TOWNSHIP, CenterKind.STREET)


def _event(action: str, actor, *, rubric=None, round=None, center=None, **detail) -> None:
    ScoringEvent.objects.create(
        action=action,
        actor=getattr(actor, "username", "") or "",
        rubric=rubric,
        round=round,
        center=center,
        detail=detail,
    )


def _require(user, capability: Capability, target=None) -> None:
    if not can(user, capability, target):
        raise PermissionDenied(_("You may not do this."))


def _require_city_admin(user) -> None:
    if connection.schema_name != "public" or not can(user, Capability.PUBLISH_RANKING):
        raise PermissionDenied(_("Only the city administrator may do this."))


def _not_frozen(round: Round) -> None:
    if round.is_frozen:
        raise ValidationError(
            {
                "round": [
                    _("Round “%(name)s” is %(state)s; nothing in it can be changed.")
                    % {"name": round.name, "state": round.get_state_display()}
                ]
            }
        )


def _state_is(round: Round, *states: str, doing: str) -> None:
    if round.state not in states:
        raise ValidationError(
            {
                "round": [
                    _("Round “%(name)s” is %(state)s: %(doing)s is not possible now.")
                    % {"name": round.name, "state": round.get_state_display(), "doing": doing}
                ]
            }
        )


def _locked_round(round: Round) -> Round:
    return Round.objects.select_for_update().get(pk=round.pk)


# ---------------------------------------------------------------- rubric


def _refresh_total(rubric: Rubric) -> None:
    total = sum(
        (item.max_points for item in rubric.items.filter(level=3, kind__in=BASE_KINDS)),
        Decimal(0),
    )
    rubric.total_points = calc.quantize(total)
    rubric.save(update_fields=["total_points"])


def _draft(rubric: Rubric) -> None:
    if rubric.state != RubricState.DRAFT:
        raise ValidationError(
            {
                "rubric": [
                    _("%(rubric)s is published and cannot be changed; make a new version.")
                    % {"rubric": rubric}
                ]
            }
        )


def _next_version(name: str) -> int:
    last = Rubric.objects.filter(name=name).order_by("-version").first()
    return (last.version + 1) if last else 1


@transaction.atomic
def rubric_import(
    *, actor, name: str, content: bytes, filename: str = "", bonus_cap=None, description=""
) -> Rubric:
    """A new draft version of rubric `name` from an xlsx/csv file. Every bad row is reported
    (ValidationError({"file": [...]})) and nothing is saved."""
    _require(actor, Capability.EDIT_CITY_STANDARDS)
    name = (name or "").strip()
    errors = {}
    if not name:
        errors["name"] = [_("A rubric needs a name.")]
    elif len(name) > 100:
        errors["name"] = [_("At most 100 characters.")]
    cap = _points(bonus_cap if bonus_cap not in (None, "") else "0")
    if cap is None or cap < 0:
        errors["bonus_cap"] = [_("The bonus cap must be a number of points, 0 or more.")]
    parsed = parse_rubric_file(content, filename)
    if not parsed.ok:
        errors["file"] = [str(error) for error in parsed.errors]
    if errors:
        raise ValidationError(errors)
    # Versions of one name are numbered one at a time (the unique constraint is the backstop).
    list(Rubric.objects.select_for_update().filter(name=name).values_list("pk", flat=True))
    rubric = Rubric.objects.create(
        name=name,
        version=_next_version(name),
        bonus_cap=cap,
        description=description,
        created_by=actor.username,
    )
    by_code: dict[str, RubricItem] = {}
    for order, row in enumerate(parsed.rows, start=1):
        by_code[row["code"]] = RubricItem.objects.create(
            rubric=rubric,
            code=row["code"],
            parent=by_code.get(row["parent_code"]),
            level=row["level"],
            order=order,
            title=row["title"],
            guidance=row["guidance"],
            max_points=row["max_points"],
            kind=row["kind"],
            evidence_required=row["evidence_required"],
            evidence_hint=row["evidence_hint"],
            formula=row["formula"],
            points_per_fault=row["points_per_fault"],
        )
    _refresh_total(rubric)
    _event("rubric_import", actor, rubric=rubric, rows=len(parsed.rows), file=filename[:100])
    return rubric


@transaction.atomic
def rubric_item_update(*, actor, item: RubricItem, **fields) -> RubricItem:
    """Change an item of a draft version (title, guidance, max_points, evidence, formula…)."""
    _require(actor, Capability.EDIT_CITY_STANDARDS)
    rubric = Rubric.objects.select_for_update().get(pk=item.rubric_id)
    _draft(rubric)
    allowed = {
        "title",
        "guidance",
        "max_points",
        "evidence_required",
        "evidence_hint",
        "formula",
        "points_per_fault",
        "order",
    }
    unknown = set(fields) - allowed
    if unknown:
        raise ValidationError({field: [_("This field cannot be changed.")] for field in unknown})
    for field, value in fields.items():
        setattr(item, field, value)
    problems = _item_problems(item)
    if problems:
        raise ValidationError({"item": problems})
    item.save(update_fields=list(fields))
    _refresh_total(rubric)
    _event("rubric_item_update", actor, rubric=rubric, item=item.code, fields=sorted(fields))
    return item


def _item_problems(item: RubricItem) -> list[str]:
    label = f"{item.code} {item.title}"
    problems = []
    if item.level == 3 and item.kind != ItemKind.VETO and (item.max_points or 0) <= 0:
        problems.append(_("%(item)s: the maximum points must be above 0.") % {"item": label})
    if item.kind == ItemKind.AUTO and item.level == 3:
        problems += [f"{label}: {p}" for p in calc.formula_problems(item.formula)]
    if item.kind == ItemKind.DEDUCTION and item.level == 3 and not (item.points_per_fault or 0) > 0:
        problems.append(_("%(item)s: a deduction needs the points per fault.") % {"item": label})
    return problems


@transaction.atomic
def rubric_new_version(*, actor, rubric: Rubric) -> Rubric:
    """A draft copy of `rubric` as the next version of its name."""
    _require(actor, Capability.EDIT_CITY_STANDARDS)
    list(Rubric.objects.select_for_update().filter(name=rubric.name).values_list("pk", flat=True))
    copy = Rubric.objects.create(
        name=rubric.name,
        version=_next_version(rubric.name),
        bonus_cap=rubric.bonus_cap,
        description=rubric.description,
        total_points=rubric.total_points,
        created_by=actor.username,
    )
    by_old: dict[int, RubricItem] = {}
    for item in rubric.items.order_by("level", "order", "pk"):
        old_pk = item.pk
        item.pk = None
        item.rubric = copy
        item.parent = by_old.get(item.parent_id)
        item.save()
        by_old[old_pk] = item
    _event("rubric_new_version", actor, rubric=copy, source=rubric.pk)
    return copy


def rubric_problems(rubric: Rubric) -> list[str]:
    """Everything that keeps a version from being published."""
    items = list(rubric.items.all())
    problems = []
    if not any(item.level == 3 for item in items):
        problems.append(_("The rubric has no scored items (level 3)."))
    codes: dict[str, int] = {}
    by_pk = {item.pk: item for item in items}
    for item in items:
        codes[item.code] = codes.get(item.code, 0) + 1
        parent = by_pk.get(item.parent_id)
        if item.level == 1 and item.parent_id is not None:
            problems.append(_("%(code)s: a section has no parent.") % {"code": item.code})
        if item.level > 1 and (parent is None or parent.level != item.level - 1):
            problems.append(
                _("%(code)s: its parent must be an entry of level %(level)d.")
                % {"code": item.code, "level": item.level - 1}
            )
        if item.level < 3 and not any(child.parent_id == item.pk for child in items):
            problems.append(_("%(code)s has no items under it.") % {"code": item.code})
        problems += _item_problems(item)
    problems += [
        _("Code %(code)s is used %(n)d times.") % {"code": code, "n": n}
        for code, n in codes.items()
        if n > 1
    ]
    if rubric.bonus_cap < 0:
        problems.append(_("The bonus cap cannot be negative."))
    if any(i.kind == ItemKind.BONUS and i.level == 3 for i in items) and rubric.bonus_cap <= 0:
        problems.append(_("The rubric has bonus items: set a bonus cap above 0."))
    return problems


@transaction.atomic
def rubric_publish(*, actor, rubric: Rubric) -> Rubric:
    _require(actor, Capability.EDIT_CITY_STANDARDS)
    rubric = Rubric.objects.select_for_update().get(pk=rubric.pk)
    _draft(rubric)
    problems = rubric_problems(rubric)
    if problems:
        raise ValidationError({"rubric": problems})
    _refresh_total(rubric)
    rubric.state = RubricState.PUBLISHED
    rubric.published_at = timezone.now()
    rubric.published_by = actor.username
    rubric.save(update_fields=["state", "published_at", "published_by"])
    _event("rubric_publish", actor, rubric=rubric, total=str(rubric.total_points))
    return rubric


# ---------------------------------------------------------------- rounds


def _points(value) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        return None
    return number if number.is_finite() else None


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
    _require_city_admin(actor)
    errors: dict[str, list] = {}
    name = (name or "").strip()
    if not name:
        errors["name"] = [_("A round needs a name.")]
    elif len(name) > 60:
        errors["name"] = [_("At most 60 characters.")]
    elif Round.objects.filter(name=name).exists():
        errors["name"] = [_("A round named “%(name)s” exists.") % {"name": name}]
    if not period_start or not period_end or period_end < period_start:
        errors["period_end"] = [_("The period must end on or after its start.")]
    if rubric is None or rubric.state != RubricState.PUBLISHED:
        errors["rubric"] = [_("A round uses a published rubric version.")]
    threshold = _points(talk_threshold)
    if talk_threshold not in (None, "") and (threshold is None or threshold < 0):
        errors["talk_threshold"] = [_("The threshold must be a number of points.")]
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
    _event("round_create", actor, round=round, rubric=rubric, name=name)
    return round


def _evaluator(username: str) -> User:
    user = User.objects.filter(username=username, is_active=True, role=Role.EVALUATOR).first()
    if user is None:
        raise ValidationError(
            {"evaluator": [_("“%(name)s” is not an active evaluator.") % {"name": username}]}
        )
    return user


@transaction.atomic
def assignment_set(*, actor, round: Round, center: Center, evaluator: str) -> Assignment:
    """Assign (or reassign) the evaluator who scores `center` in `round`; the evaluator must
    belong to the center's district. Opens the center's scorecard."""
    _require_city_admin(actor)
    round = _locked_round(round)
    _not_frozen(round)
    _state_is(round, RoundState.DRAFT, RoundState.SCORING, doing=_("assigning evaluators"))
    if center.kind not in SCORED_KINDS or center.status != "active":
        raise ValidationError(
            {
                "center": [
                    _("%(center)s is not an active township or street center.") % {"center": center}
                ]
            }
        )
    user = _evaluator(evaluator)
    if not can(user, Capability.SCORE_CENTER, center):
        raise ValidationError(
            {
                "evaluator": [
                    _("%(user)s is not an evaluator of %(center)s's district.")
                    % {"user": user.username, "center": center}
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
                        _("%(center)s's scorecard is submitted; it keeps its evaluator.")
                        % {"center": center}
                    ]
                }
            )
        assignment.evaluator = user.username
        assignment.assigned_by = actor.username
        assignment.save(update_fields=["evaluator", "assigned_by"])
        scorecard.evaluator = user.username
        scorecard.save(update_fields=["evaluator", "updated_at"])
    _event("assignment_set", actor, round=round, center=center, evaluator=user.username)
    return assignment


def _advance(actor, round: Round, *, from_states, to: str, action: str, doing: str) -> Round:
    _require_city_admin(actor)
    round = _locked_round(round)
    _not_frozen(round)
    _state_is(round, *from_states, doing=doing)
    round.state = to
    round.state_changed_at = timezone.now()
    round.save(update_fields=["state", "state_changed_at"])
    _event(action, actor, round=round)
    return round


@transaction.atomic
def round_open_scoring(*, actor, round: Round) -> Round:
    if not round.assignments.exists():
        raise ValidationError({"round": [_("Assign evaluators to the centers first.")]})
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
    _require_city_admin(actor)
    round = _locked_round(round)
    _not_frozen(round)
    _state_is(round, RoundState.APPEALS, RoundState.REVIEW, doing=_("locking"))
    missing = round_missing(round)
    if missing:
        raise ValidationError({"round": missing})
    round.state = RoundState.LOCKED
    round.state_changed_at = timezone.now()
    round.save(update_fields=["state", "state_changed_at"])
    _event("round_lock", actor, round=round)
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
    _require_city_admin(actor)
    round = _locked_round(round)
    _state_is(round, RoundState.LOCKED, doing=_("publishing"))
    rows = ranking_rows(round)
    RankingEntry.objects.filter(round=round).delete()
    RankingEntry.objects.bulk_create(rows)
    round.state = RoundState.PUBLISHED
    round.state_changed_at = round.published_at = timezone.now()
    round.published_by = actor.username
    round.save(update_fields=["state", "state_changed_at", "published_at", "published_by"])
    _event(
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


# ---------------------------------------------------------------- scorecards


def _evaluator_may(actor, scorecard: Scorecard) -> None:
    """Only the assigned evaluator of the center's district scores it."""
    if (
        connection.schema_name != "public"
        or getattr(actor, "role", "") != Role.EVALUATOR
        or not can(actor, Capability.SCORE_CENTER, scorecard.center)
        or actor.username != scorecard.evaluator
        or not Assignment.objects.filter(
            round_id=scorecard.round_id, center_id=scorecard.center_id, evaluator=actor.username
        ).exists()
    ):
        raise PermissionDenied(_("You are not the evaluator assigned to this center."))


def _locked_scorecard(scorecard: Scorecard) -> Scorecard:
    return (
        Scorecard.objects.select_for_update()
        .select_related("round__rubric", "center")
        .get(pk=scorecard.pk)
    )


def _editable(scorecard: Scorecard) -> None:
    _not_frozen(scorecard.round)
    _state_is(scorecard.round, RoundState.SCORING, RoundState.APPEALS, doing=_("scoring"))
    if scorecard.state == ScorecardState.SUBMITTED:
        raise ValidationError(
            {"scorecard": [_("This scorecard is submitted and cannot be changed.")]}
        )


def _label(item: RubricItem) -> str:
    return f"{item.code} {item.title}"


def _apply_entry(item: RubricItem, score: ItemScore, entry: dict, errors: dict) -> None:
    """Check one item's input and put it on `score` (not saved). Auto items take no input."""
    key = f"item_{item.code}"
    label = _label(item)
    if "comment" in entry:
        score.comment = (entry.get("comment") or "").strip()[:2000]
    if item.kind == ItemKind.AUTO:
        if entry.get("points") not in (None, ""):
            errors[key] = [
                _("%(item)s is computed from the figures; it takes no points.") % {"item": label}
            ]
        return
    if item.kind == ItemKind.VETO:
        if "marked" in entry:
            score.marked = bool(entry.get("marked"))
        return
    if item.kind == ItemKind.DEDUCTION:
        if "fault_count" not in entry:
            return
        raw = entry.get("fault_count")
        if raw in (None, ""):
            score.fault_count = None
            score.points = None
            return
        try:
            faults = int(str(raw).strip())
        except ValueError:
            errors[key] = [
                _("%(item)s: the number of faults must be a whole number.") % {"item": label}
            ]
            return
        limit = calc.max_faults(item)
        if faults < 0:
            errors[key] = [
                _("%(item)s: the number of faults cannot be negative.") % {"item": label}
            ]
        elif limit is not None and faults > limit:
            errors[key] = [
                _(
                    "%(item)s: %(faults)d faults exceed the item (%(max)s points at "
                    "%(per)s a fault: at most %(limit)d)."
                )
                % {
                    "item": label,
                    "faults": faults,
                    "max": item.max_points,
                    "per": item.points_per_fault,
                    "limit": limit,
                }
            ]
        else:
            score.fault_count = faults
            score.points = calc.deduction_points(item, faults)
        return
    if "points" not in entry:
        return
    raw = entry.get("points")
    if raw in (None, ""):
        score.points = None
        return
    points = _points(raw)
    if points is None:
        errors[key] = [_("%(item)s: “%(value)s” is not a number.") % {"item": label, "value": raw}]
    elif points < 0:
        errors[key] = [_("%(item)s: points cannot be negative.") % {"item": label}]
    elif points > item.max_points:
        errors[key] = [
            _("%(item)s: %(points)s is above the item's maximum of %(max)s.")
            % {"item": label, "points": points, "max": item.max_points}
        ]
    elif points != calc.quantize(points):
        errors[key] = [_("%(item)s: at most two decimals.") % {"item": label}]
    else:
        score.points = calc.quantize(points)


def _write(
    scorecard: Scorecard,
    *,
    actor,
    scores: dict,
    site_visit_date=...,
    comment=None,
    photos: dict | None = None,
    remove_photos=(),
) -> dict:
    """Apply the form's input (scores keyed by item code, new photos keyed by item code,
    photo ids to remove) to the scorecard; returns {item_id: ItemScore} of the level-3 items
    scored. Raises ValidationError naming each bad item; then nothing is written."""
    items = {item.code: item for item in scorecard.round.rubric.items.filter(level=3)}
    existing = {s.item_id: s for s in scorecard.scores.all()}
    errors: dict[str, list] = {}
    unknown = sorted(set(scores or {}) - set(items))
    if unknown:
        errors["scores"] = [_("Unknown items: %(codes)s.") % {"codes": ", ".join(unknown)}]
    changed = []
    for code, entry in (scores or {}).items():
        item = items.get(code)
        if item is None:
            continue
        score = existing.get(item.pk) or ItemScore(scorecard=scorecard, item=item)
        _apply_entry(item, score, entry or {}, errors)
        existing[item.pk] = score
        changed.append(score)
    if site_visit_date is not ...:
        if site_visit_date and site_visit_date > timezone.localdate():
            errors["site_visit_date"] = [_("The site visit cannot be in the future.")]
        scorecard.site_visit_date = site_visit_date or None
    if comment is not None:
        scorecard.comment = comment.strip()[:5000]
    checked_photos = []
    for code, uploads in (photos or {}).items():
        item = items.get(code)
        if item is None:
            errors.setdefault("scores", []).append(_("Unknown item %(code)s.") % {"code": code})
            continue
        for upload in uploads:
            try:
                checked_photos.append((item, upload, check_photo(upload)))
            except ValidationError as exc:
                errors.setdefault(f"item_{code}", []).extend(
                    f"{_label(item)}: {message}" for message in exc.message_dict["photo"]
                )
    removed = list(
        EvidencePhoto.objects.filter(item_score__scorecard=scorecard, pk__in=list(remove_photos))
    )
    if errors:
        raise ValidationError(errors)
    for score in changed:
        score.save()
    scorecard.save()
    for item, upload, checked in checked_photos:
        score = existing.get(item.pk)
        if score is None or score.pk is None:
            score, _new = ItemScore.objects.get_or_create(scorecard=scorecard, item=item)
            existing[item.pk] = score
        _photo_store(actor, score, upload, checked)
    for photo in removed:
        _photo_delete(photo)
    return existing


def _photo_store(actor, score: ItemScore, upload, checked: dict) -> EvidencePhoto:
    """Write a checked photo and its thumbnail; the files go away again if the transaction
    is rolled back."""
    photo = EvidencePhoto(
        item_score=score,
        original_name=(getattr(upload, "name", "") or "photo")[-200:],
        content_type=checked["content_type"],
        size=checked["size"],
        width=checked["width"],
        height=checked["height"],
        uploaded_by=actor.username,
    )
    photo.image.save(f"photo{checked['ext']}", ContentFile(checked["data"]), save=False)
    base = photo.image.name.rsplit("/", 1)[-1].rsplit(".", 1)[0]
    photo.thumbnail.save(f"{base}_thumb.jpg", make_thumbnail(checked["data"]), save=False)
    _written_files().extend([photo.image.name, photo.thumbnail.name])
    photo.save()
    return photo


def _photo_delete(photo: EvidencePhoto) -> None:
    names = (photo.image.name, photo.thumbnail.name)
    photo.delete()

    def remove_files():
        for name in names:
            if name:
                evidence_storage.delete(name)

    transaction.on_commit(remove_files)


_files = threading.local()


def _written_files() -> list:
    if not hasattr(_files, "names"):
        _files.names = []
    return _files.names


class _RemoveFilesOnError:
    """Around a service that may write photos: files written by a call that fails (its
    transaction rolled back) are deleted."""

    def __enter__(self):
        _files.names = []

    def __exit__(self, exc_type, exc, tb):
        names, _files.names = _written_files(), []
        if exc_type is not None:
            for name in names:
                evidence_storage.delete(name)
        return False


def scorecard_save_draft(
    *,
    actor,
    scorecard: Scorecard,
    scores: dict,
    site_visit_date=...,
    comment=None,
    photos: dict | None = None,
    remove_photos=(),
) -> Scorecard:
    """Keep what the evaluator entered so far. `scores` maps an item code to {"points",
    "fault_count", "marked", "comment"} as the item's kind takes; `photos` an item code to
    uploaded files; `remove_photos` lists evidence photo ids to delete."""
    with _RemoveFilesOnError(), transaction.atomic():
        return _save_draft(
            actor, scorecard, scores, site_visit_date, comment, photos, remove_photos
        )


def _save_draft(actor, scorecard, scores, site_visit_date, comment, photos, remove_photos):
    scorecard = _locked_scorecard(scorecard)
    _evaluator_may(actor, scorecard)
    _editable(scorecard)
    _write(
        scorecard,
        actor=actor,
        scores=scores,
        site_visit_date=site_visit_date,
        comment=comment,
        photos=photos,
        remove_photos=remove_photos,
    )
    _event("scorecard_save_draft", actor, round=scorecard.round, center=scorecard.center)
    return scorecard


def scorecard_submit(
    *,
    actor,
    scorecard: Scorecard,
    scores: dict | None = None,
    site_visit_date=...,
    comment=None,
    photos: dict | None = None,
    remove_photos=(),
) -> Scorecard:
    """Save the input, check every item is scored and every required photo attached, compute
    the automatic items from the period's figures, then the total."""
    with _RemoveFilesOnError(), transaction.atomic():
        return _submit(actor, scorecard, scores, site_visit_date, comment, photos, remove_photos)


def _submit(actor, scorecard, scores, site_visit_date, comment, photos, remove_photos):
    scorecard = _locked_scorecard(scorecard)
    _evaluator_may(actor, scorecard)
    _editable(scorecard)
    saved = _write(
        scorecard,
        actor=actor,
        scores=scores or {},
        site_visit_date=site_visit_date,
        comment=comment,
        photos=photos,
        remove_photos=remove_photos,
    )
    rubric = scorecard.round.rubric
    items = list(rubric.items.all())
    errors: dict[str, list] = {}
    photos = set(
        EvidencePhoto.objects.filter(item_score__scorecard=scorecard).values_list(
            "item_score__item_id", flat=True
        )
    )
    for item in items:
        if item.level != 3:
            continue
        score = saved.get(item.pk)
        key = f"item_{item.code}"
        if item.kind in (ItemKind.MANUAL, ItemKind.BONUS) and (
            score is None or score.points is None
        ):
            errors[key] = [_("%(item)s is not scored.") % {"item": _label(item)}]
        elif item.kind == ItemKind.DEDUCTION and (score is None or score.fault_count is None):
            errors[key] = [
                _("%(item)s: enter the number of faults (0 if none).") % {"item": _label(item)}
            ]
        # Evidence proves what was scored: a bonus only when points are given, a veto only
        # when found.
        needs_evidence = item.evidence_required and not (
            (item.kind == ItemKind.BONUS and score is not None and not score.points)
            or (item.kind == ItemKind.VETO and not (score and score.marked))
        )
        if needs_evidence and item.pk not in photos and key not in errors:
            errors[key] = [
                _("%(item)s needs an evidence photo (%(hint)s).")
                % {"item": _label(item), "hint": item.evidence_hint or _("photo")}
            ]
    if not scorecard.site_visit_date:
        errors["site_visit_date"] = [_("Enter the date of the site visit.")]
    if errors:
        raise ValidationError(errors)
    _compute_auto(scorecard, items, saved)
    _recompute(scorecard, items, saved)
    scorecard.state = ScorecardState.SUBMITTED
    scorecard.submitted_at = timezone.now()
    scorecard.save()
    _event(
        "scorecard_submit",
        actor,
        round=scorecard.round,
        center=scorecard.center,
        total=str(scorecard.total),
        vetoed=scorecard.vetoed,
    )
    return scorecard


def _compute_auto(scorecard: Scorecard, items, saved: dict) -> None:
    from evaluation.metrics.selectors import period_figures

    round = scorecard.round
    figures = period_figures([scorecard.center_id], round.period_start, round.period_end)
    figures = figures.get(scorecard.center_id, {})
    for item in items:
        if item.level != 3 or item.kind != ItemKind.AUTO:
            continue
        value = figures.get(item.formula["metric"])
        score = saved.get(item.pk) or ItemScore(scorecard=scorecard, item=item)
        score.metric_value = (
            Decimal(str(value)).quantize(Decimal("0.0001")) if value is not None else None
        )
        score.points = calc.auto_points(item.formula, value, item.max_points)
        score.save()
        saved[item.pk] = score


def _recompute(scorecard: Scorecard, items, saved: dict) -> None:
    result = calc.totals(items, saved, scorecard.round.rubric.bonus_cap)
    scorecard.total = result["total"]
    scorecard.bonus = result["bonus"]
    scorecard.sections = result["sections"]
    scorecard.vetoed = result["vetoed"]


def evidence_add(*, actor, scorecard: Scorecard, item_code: str, upload) -> EvidencePhoto:
    """Attach one photo to an item of a scorecard being scored."""
    with _RemoveFilesOnError(), transaction.atomic():
        scorecard = _locked_scorecard(scorecard)
        _evaluator_may(actor, scorecard)
        _editable(scorecard)
        item = scorecard.round.rubric.items.filter(level=3, code=item_code).first()
        if item is None:
            raise ValidationError({"item": [_("Unknown item %(code)s.") % {"code": item_code}]})
        checked = check_photo(upload)
        score, _new = ItemScore.objects.get_or_create(scorecard=scorecard, item=item)
        photo = _photo_store(actor, score, upload, checked)
        _event(
            "evidence_add", actor, round=scorecard.round, center=scorecard.center,
            item=item.code, photo=photo.pk,
        )  # fmt: skip
        return photo


@transaction.atomic
def evidence_remove(*, actor, photo: EvidencePhoto) -> None:
    scorecard = _locked_scorecard(photo.item_score.scorecard)
    _evaluator_may(actor, scorecard)
    _editable(scorecard)
    item_code = photo.item_score.item.code
    _photo_delete(photo)
    _event("evidence_remove", actor, round=scorecard.round, center=scorecard.center,
           item=item_code)  # fmt: skip


# ---------------------------------------------------------------- appeals


@transaction.atomic
def appeal_file(*, actor, scorecard: Scorecard, reasons: str) -> ScoreAppeal:
    """The center's director appeals its submitted scorecard, once, while the round takes
    appeals."""
    scorecard = _locked_scorecard(scorecard)
    if (
        connection.schema_name != scorecard.center.schema_name
        or getattr(actor, "role", "") != Role.CENTER_DIRECTOR
        or not can(actor, Capability.MANAGE_CENTER_WORKSPACE)
    ):
        raise PermissionDenied(_("Only the director of this center may appeal its score."))
    _not_frozen(scorecard.round)
    _state_is(scorecard.round, RoundState.APPEALS, doing=_("appealing"))
    if scorecard.state != ScorecardState.SUBMITTED:
        raise ValidationError({"scorecard": [_("The scorecard is not submitted yet.")]})
    if ScoreAppeal.objects.filter(scorecard=scorecard).exists():
        raise ValidationError({"reasons": [_("This center has already appealed this score.")]})
    reasons = (reasons or "").strip()
    if len(reasons) < 10:
        raise ValidationError({"reasons": [_("Give your reasons (at least 10 characters).")]})
    if len(reasons) > 5000:
        raise ValidationError({"reasons": [_("At most 5000 characters.")]})
    appeal = ScoreAppeal.objects.create(
        scorecard=scorecard,
        reasons=reasons,
        filed_by=actor.username,
        original_total=scorecard.total,
    )
    _event("appeal_file", actor, round=scorecard.round, center=scorecard.center,
           appeal=appeal.pk)  # fmt: skip
    return appeal


@transaction.atomic
def appeal_answer(
    *, actor, appeal: ScoreAppeal, answer: str, changes: dict | None = None
) -> ScoreAppeal:
    """The district answers; `changes` maps item codes to the new input ({"points"} /
    {"fault_count"} / {"marked"}) with a "reason" each. The total is computed again."""
    appeal = ScoreAppeal.objects.select_for_update().get(pk=appeal.pk)
    scorecard = _locked_scorecard(appeal.scorecard)
    if (
        connection.schema_name != "public"
        or getattr(actor, "role", "") not in (Role.DISTRICT_SUPERVISOR, Role.CITY_ADMIN)
        or not can(actor, Capability.SUPERVISE_CENTER, scorecard.center)
    ):
        raise PermissionDenied(_("Only the district supervising this center may answer."))
    _not_frozen(scorecard.round)
    _state_is(scorecard.round, RoundState.APPEALS, RoundState.REVIEW, doing=_("answering"))
    if appeal.state != AppealState.PENDING:
        raise ValidationError({"answer": [_("This appeal is answered already.")]})
    answer = (answer or "").strip()
    errors: dict[str, list] = {}
    if not answer:
        errors["answer"] = [_("Write the district's answer.")]
    items = list(scorecard.round.rubric.items.all())
    by_code = {item.code: item for item in items if item.level == 3}
    saved = {s.item_id: s for s in scorecard.scores.all()}
    adjustments = []
    for code, entry in (changes or {}).items():
        item = by_code.get(code)
        key = f"item_{code}"
        if item is None:
            errors[key] = [_("Unknown item %(code)s.") % {"code": code}]
            continue
        if item.kind == ItemKind.AUTO:
            errors[key] = [
                _("%(item)s is computed from the figures and cannot be changed.")
                % {"item": _label(item)}
            ]
            continue
        reason = (entry.get("reason") or "").strip()
        if not reason:
            errors[key] = [_("%(item)s: give the reason for the change.") % {"item": _label(item)}]
            continue
        score = saved.get(item.pk) or ItemScore(scorecard=scorecard, item=item)
        before = score.points if item.kind != ItemKind.VETO else score.marked
        _apply_entry(item, score, {k: v for k, v in entry.items() if k != "reason"}, errors)
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
        _recompute(scorecard, items, saved)
        scorecard.save()
        appeal.adjusted_total = scorecard.total
    appeal.adjustments = adjustments
    appeal.answer = answer[:5000]
    appeal.answered_by = actor.username
    appeal.answered_at = timezone.now()
    appeal.state = AppealState.ANSWERED
    appeal.save()
    _event(
        "appeal_answer", actor, round=scorecard.round, center=scorecard.center,
        appeal=appeal.pk, changes=len(adjustments), total=str(scorecard.total),
    )  # fmt: skip
    return appeal
