"""A scorecard: the assigned evaluator keeps a draft, attaches evidence photos and submits it;
the automatic items are computed from the period's figures and the total with them. Photos
written by a call that fails are deleted again."""

from __future__ import annotations

import threading
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from evaluation.metrics.selectors import period_figures
from tenants.accounts.models import Role
from tenants.accounts.permissions import Capability, can

from .. import calc
from ..error_codes import ScoringErrorCode, ScoringPermissionDenied
from ..evidence import check_photo, make_thumbnail
from ..models import (
    Assignment,
    EvidencePhoto,
    ItemKind,
    ItemScore,
    RoundState,
    RubricItem,
    Scorecard,
    ScorecardState,
    evidence_storage,
)
from .common import (
    event_record,
    invalid,
    item_label,
    points_parse,
    round_not_frozen,
    round_state_is,
    scorecard_locked,
)


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
        raise ScoringPermissionDenied(
            _("You are not the evaluator assigned to this center."),
            code=ScoringErrorCode.NOT_ASSIGNED_EVALUATOR,
        )


def _editable(scorecard: Scorecard) -> None:
    round_not_frozen(scorecard.round)
    round_state_is(scorecard.round, RoundState.SCORING, RoundState.APPEALS, doing=_("scoring"))
    if scorecard.state == ScorecardState.SUBMITTED:
        raise ValidationError(
            {
                "scorecard": [
                    invalid(
                        _("This scorecard is submitted and cannot be changed."),
                        ScoringErrorCode.SCORECARD_SUBMITTED,
                    )
                ]
            }
        )


def entry_apply(item: RubricItem, score: ItemScore, entry: dict, errors: dict) -> None:
    """Check one item's input and put it on `score` (not saved). Auto items take no input."""
    key = f"item_{item.code}"
    label = item_label(item)
    if "comment" in entry:
        score.comment = (entry.get("comment") or "").strip()[:2000]
    if item.kind == ItemKind.AUTO:
        if entry.get("points") not in (None, ""):
            errors[key] = [
                invalid(
                    _("%(item)s is computed from the figures; it takes no points.")
                    % {"item": label},
                    ScoringErrorCode.COMPUTED_ITEM,
                )
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
                invalid(
                    _("%(item)s: the number of faults must be a whole number.") % {"item": label},
                    ScoringErrorCode.FAULTS_NOT_WHOLE,
                )
            ]
            return
        limit = calc.max_faults(item)
        if faults < 0:
            errors[key] = [
                invalid(
                    _("%(item)s: the number of faults cannot be negative.") % {"item": label},
                    ScoringErrorCode.FAULTS_NEGATIVE,
                )
            ]
        elif limit is not None and faults > limit:
            errors[key] = [
                invalid(
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
                    },
                    ScoringErrorCode.FAULTS_ABOVE_LIMIT,
                )
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
    points = points_parse(raw)
    if points is None:
        errors[key] = [
            invalid(
                _("%(item)s: “%(value)s” is not a number.") % {"item": label, "value": raw},
                ScoringErrorCode.POINTS_NOT_A_NUMBER,
            )
        ]
    elif points < 0:
        errors[key] = [
            invalid(
                _("%(item)s: points cannot be negative.") % {"item": label},
                ScoringErrorCode.POINTS_NEGATIVE,
            )
        ]
    elif points > item.max_points:
        errors[key] = [
            invalid(
                _("%(item)s: %(points)s is above the item's maximum of %(max)s.")
                % {"item": label, "points": points, "max": item.max_points},
                ScoringErrorCode.POINTS_ABOVE_MAXIMUM,
            )
        ]
    elif points != calc.quantize(points):
        errors[key] = [
            invalid(
                _("%(item)s: at most two decimals.") % {"item": label},
                ScoringErrorCode.POINTS_TOO_PRECISE,
            )
        ]
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
        errors["scores"] = [
            invalid(
                _("Unknown items: %(codes)s.") % {"codes": ", ".join(unknown)},
                ScoringErrorCode.UNKNOWN_ITEM,
            )
        ]
    changed = []
    for code, entry in (scores or {}).items():
        item = items.get(code)
        if item is None:
            continue
        score = existing.get(item.pk) or ItemScore(scorecard=scorecard, item=item)
        entry_apply(item, score, entry or {}, errors)
        existing[item.pk] = score
        changed.append(score)
    if site_visit_date is not ...:
        if site_visit_date and site_visit_date > timezone.localdate():
            errors["site_visit_date"] = [
                invalid(
                    _("The site visit cannot be in the future."),
                    ScoringErrorCode.SITE_VISIT_IN_FUTURE,
                )
            ]
        scorecard.site_visit_date = site_visit_date or None
    if comment is not None:
        scorecard.comment = comment.strip()[:5000]
    checked_photos = []
    for code, uploads in (photos or {}).items():
        item = items.get(code)
        if item is None:
            errors.setdefault("scores", []).append(
                invalid(_("Unknown item %(code)s.") % {"code": code}, ScoringErrorCode.UNKNOWN_ITEM)
            )
            continue
        for upload in uploads:
            try:
                checked_photos.append((item, upload, check_photo(upload)))
            except ValidationError as exc:
                errors.setdefault(f"item_{code}", []).extend(
                    invalid(f"{item_label(item)}: {error.message}", error.code)
                    for error in exc.error_dict["photo"]
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
    scorecard = scorecard_locked(scorecard)
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
    event_record("scorecard_save_draft", actor, round=scorecard.round, center=scorecard.center)
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
    scorecard = scorecard_locked(scorecard)
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
            errors[key] = [
                invalid(
                    _("%(item)s is not scored.") % {"item": item_label(item)},
                    ScoringErrorCode.ITEM_NOT_SCORED,
                )
            ]
        elif item.kind == ItemKind.DEDUCTION and (score is None or score.fault_count is None):
            errors[key] = [
                invalid(
                    _("%(item)s: enter the number of faults (0 if none).")
                    % {"item": item_label(item)},
                    ScoringErrorCode.FAULTS_MISSING,
                )
            ]
        # Evidence proves what was scored: a bonus only when points are given, a veto only
        # when found.
        needs_evidence = item.evidence_required and not (
            (item.kind == ItemKind.BONUS and score is not None and not score.points)
            or (item.kind == ItemKind.VETO and not (score and score.marked))
        )
        if needs_evidence and item.pk not in photos and key not in errors:
            errors[key] = [
                invalid(
                    _("%(item)s needs an evidence photo (%(hint)s).")
                    % {"item": item_label(item), "hint": item.evidence_hint or _("photo")},
                    ScoringErrorCode.EVIDENCE_MISSING,
                )
            ]
    if not scorecard.site_visit_date:
        errors["site_visit_date"] = [
            invalid(_("Enter the date of the site visit."), ScoringErrorCode.SITE_VISIT_MISSING)
        ]
    if errors:
        raise ValidationError(errors)
    _compute_auto(scorecard, items, saved)
    totals_recompute(scorecard, items, saved)
    scorecard.state = ScorecardState.SUBMITTED
    scorecard.submitted_at = timezone.now()
    scorecard.save()
    event_record(
        "scorecard_submit",
        actor,
        round=scorecard.round,
        center=scorecard.center,
        total=str(scorecard.total),
        vetoed=scorecard.vetoed,
    )
    return scorecard


def _compute_auto(scorecard: Scorecard, items, saved: dict) -> None:
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


def totals_recompute(scorecard: Scorecard, items, saved: dict) -> None:
    result = calc.totals(items, saved, scorecard.round.rubric.bonus_cap)
    scorecard.total = result["total"]
    scorecard.bonus = result["bonus"]
    scorecard.sections = result["sections"]
    scorecard.vetoed = result["vetoed"]


def evidence_add(*, actor, scorecard: Scorecard, item_code: str, upload) -> EvidencePhoto:
    """Attach one photo to an item of a scorecard being scored."""
    with _RemoveFilesOnError(), transaction.atomic():
        scorecard = scorecard_locked(scorecard)
        _evaluator_may(actor, scorecard)
        _editable(scorecard)
        item = scorecard.round.rubric.items.filter(level=3, code=item_code).first()
        if item is None:
            raise ValidationError(
                {
                    "item": [
                        invalid(
                            _("Unknown item %(code)s.") % {"code": item_code},
                            ScoringErrorCode.UNKNOWN_ITEM,
                        )
                    ]
                }
            )
        checked = check_photo(upload)
        score, _new = ItemScore.objects.get_or_create(scorecard=scorecard, item=item)
        photo = _photo_store(actor, score, upload, checked)
        event_record(
            "evidence_add", actor, round=scorecard.round, center=scorecard.center,
            item=item.code, photo=photo.pk,
        )  # fmt: skip
        return photo


@transaction.atomic
def evidence_remove(*, actor, photo: EvidencePhoto) -> None:
    scorecard = scorecard_locked(photo.item_score.scorecard)
    _evaluator_may(actor, scorecard)
    _editable(scorecard)
    item_code = photo.item_score.item.code
    _photo_delete(photo)
    event_record("evidence_remove", actor, round=scorecard.round, center=scorecard.center,
           item=item_code)  # fmt: skip
