"""Every step of a rectification item: checks, the write and its `RectificationEvent` in one
transaction, under a row lock. Center steps (call-back, reply, report, appeal) are taken in
the center's own schema by its director or window staff; district steps (approve, return,
decide an appeal) in the public schema by a supervisor covering the center or the city
administrator. Refusals raise PermissionDenied or ValidationError({field: [message]}) and
change nothing."""

from __future__ import annotations

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from catalog_cms.standards import calendar as cal
from centers.cases import events as case_events
from centers.cases.models import Case
from centers.ratings.models import BAD_LEVELS
from tenants.accounts.labels import actor_label
from tenants.accounts.permissions import Capability, can, on_center_domain, on_domain_of
from tenants.selectors import current_center

from .models import (
    DEADLINE_MAX_DAYS,
    DEADLINE_MIN_DAYS,
    FINAL_STATES,
    AppealState,
    FindingOrigin,
    RatingAppeal,
    Rectification,
    RectificationEvent,
    RectificationPolicy,
    Source,
    State,
)

TEXT_MAX_LENGTH = 2000
REPLY_MAX_LENGTH = 300  # an SMS of a few parts


# --- the city's policy ----------------------------------------------------------------------


def policy_current() -> RectificationPolicy:
    policy = RectificationPolicy.objects.order_by("pk").first()
    if policy is None:
        policy, _created = RectificationPolicy.objects.get_or_create(pk=1)
    return policy


def policy_set(*, actor, deadline_working_days) -> RectificationPolicy:
    """The city administrator sets the deadline of new items (5 to 15 working days)."""
    if on_center_domain() or not can(actor, Capability.EDIT_CITY_STANDARDS):
        raise PermissionDenied
    try:
        days = int(deadline_working_days)
    except (TypeError, ValueError):
        days = None
    if days is None or not DEADLINE_MIN_DAYS <= days <= DEADLINE_MAX_DAYS:
        raise ValidationError(
            {
                "deadline_working_days": [
                    _("The deadline must be between %(min)s and %(max)s working days.")
                    % {"min": DEADLINE_MIN_DAYS, "max": DEADLINE_MAX_DAYS}
                ]
            }
        )
    with transaction.atomic():
        policy = policy_current()
        policy = RectificationPolicy.objects.select_for_update().get(pk=policy.pk)
        policy.deadline_working_days = days
        policy.updated_by = actor_label(actor)
        policy.save(update_fields=["deadline_working_days", "updated_by", "updated_at"])
    return policy


def deadline_for(opened_on: datetime.date, days: int) -> datetime.date:
    """The `days`-th national working day after the day of opening."""
    return cal.add_working_days(opened_on, days)[0]


# --- helpers --------------------------------------------------------------------------------


def current_day() -> datetime.date:
    return timezone.localdate()


def _event(rect: Rectification, *, actor, action: str, from_state: str, note: str = ""):
    return RectificationEvent.objects.create(
        rectification=rect,
        at=timezone.now(),
        actor_username=getattr(actor, "username", "") or "",
        actor_name=actor_label(actor),
        actor_schema=connection.schema_name,
        action=action,
        from_state=from_state,
        to_state=rect.state,
        note=note,
    )


def _text(value, field: str, *, required: bool, max_length: int = TEXT_MAX_LENGTH) -> str:
    value = (value or "").strip()
    if required and not value:
        raise ValidationError({field: [_("This field is required.")]})
    if len(value) > max_length:
        raise ValidationError(
            {field: [_("Please keep it under %(n)s characters.") % {"n": max_length}]}
        )
    return value


def _locked(rect: Rectification) -> Rectification:
    return Rectification.objects.select_for_update().select_related("center").get(pk=rect.pk)


def _check_center_actor(actor, rect: Rectification) -> None:
    """The center's director or window staff, on the center's own domain."""
    if not on_domain_of(rect.center) or not can(actor, Capability.HANDLE_CASES):
        raise PermissionDenied


def _check_district_actor(actor, rect: Rectification) -> None:
    """A supervisor of the center's district, or the city administrator, on the city domain."""
    if on_center_domain() or not can(actor, Capability.SUPERVISE_CENTER, rect.center):
        raise PermissionDenied


def _refuse_final(rect: Rectification) -> None:
    if rect.state in FINAL_STATES:
        raise ValidationError({"state": [_("This item is closed; nothing can change it now.")]})


def _pending_appeal(rect: Rectification) -> RatingAppeal | None:
    return RatingAppeal.objects.filter(rectification=rect, state=AppealState.PENDING).first()


# --- opening --------------------------------------------------------------------------------


def rectification_open_for_rating(rating) -> Rectification | None:
    """Open the item of a 差评 of the current center's schema (the ratings' bad-rating hook,
    registered in apps.py: rating_submit calls it in its transaction). Idempotent: a rating
    has at most one item. Other levels open nothing."""
    if rating.level not in BAD_LEVELS:
        return None
    center = current_center()
    existing = Rectification.objects.filter(center=center, rating_id=rating.pk).first()
    if existing is not None:
        return existing
    case = rating.case
    policy = policy_current()
    today = current_day()
    try:
        with transaction.atomic():
            rect = Rectification.objects.create(
                center=center,
                source=Source.BAD_RATING,
                rating_id=rating.pk,
                case_id=case.pk,
                receipt_number=case.receipt_number,
                matter_name=case.matter_name,
                rating_level=rating.level,
                rating_reasons=rating.reasons,
                rating_channel=rating.channel,
                rated_at=rating.created_at,
                resident_name_masked=case.applicant_name_masked,
                resident_named=bool(case.applicant_name.strip() and case.applicant_phone.strip()),
                owner_name=str(case.owner) if getattr(case, "owner", None) else "",
                opened_on=today,
                deadline_working_days=policy.deadline_working_days,
                deadline=deadline_for(today, policy.deadline_working_days),
                state=State.OPEN,
            )
            _event(rect, actor=None, action="open", from_state="")
    except IntegrityError:  # a concurrent submit of the same rating opened it first
        return Rectification.objects.get(center=center, rating_id=rating.pk)
    return rect


def rectification_open_for_finding(
    *, center, title, detail, owner_name, source, source_ref, actor
) -> Rectification:
    """Open an item for a problem found in a self, peer or district evaluation (`source` is
    one of FindingOrigin). The evaluation campaign calls this after its own access check (who
    may record a finding is the campaign's rule); `actor` is named in the history. The
    deadline follows the city's policy like a 差评's."""
    errors: dict[str, list[str]] = {}
    if source not in FindingOrigin.values:
        errors["source"] = [_("Unknown source of the finding.")]
    if center is None or center.is_city:
        errors["center"] = [_("Choose a center.")]
    for field, value, max_length in (
        ("title", title, 200),
        ("detail", detail, TEXT_MAX_LENGTH),
        ("owner_name", owner_name, 150),
    ):
        try:
            _text(value, field, required=True, max_length=max_length)
        except ValidationError as exc:
            errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)
    policy = policy_current()
    today = current_day()
    with transaction.atomic():
        rect = Rectification.objects.create(
            center=center,
            source=Source.FINDING,
            finding_origin=source,
            title=title.strip(),
            detail=detail.strip(),
            source_ref=(source_ref or "").strip()[:100],
            owner_name=owner_name.strip(),
            opened_on=today,
            deadline_working_days=policy.deadline_working_days,
            deadline=deadline_for(today, policy.deadline_working_days),
            state=State.OPEN,
        )
        _event(rect, actor=actor, action="open", from_state="")
    return rect


# --- the center's steps ---------------------------------------------------------------------


def call_back_record(*, rect: Rectification, actor, called_on, outcome: str) -> Rectification:
    """The call-back to the resident: when, who called (the actor), what came of it."""
    with transaction.atomic():
        rect = _locked(rect)
        _check_center_actor(actor, rect)
        _refuse_final(rect)
        if not rect.is_rating:
            raise ValidationError({"state": [_("Only a 差评 has a resident to call back.")]})
        if rect.state != State.OPEN:
            raise ValidationError({"state": [_("The call-back has already been recorded.")]})
        if not isinstance(called_on, datetime.date) or called_on > current_day():
            raise ValidationError(
                {"called_on": [_("Give the date of the call (not a future one).")]}
            )
        if called_on < rect.opened_on:
            raise ValidationError({"called_on": [_("The call cannot be before the item opened.")]})
        outcome = _text(outcome, "outcome", required=True)
        before = rect.state
        rect.state = State.CALLED_BACK
        rect.callback_on = called_on
        rect.callback_by = actor_label(actor)
        rect.callback_outcome = outcome
        rect.save(
            update_fields=["state", "callback_on", "callback_by", "callback_outcome", "updated_at"]
        )
        _event(rect, actor=actor, action="call_back", from_state=before, note=outcome)
    return rect


def reply_send(*, rect: Rectification, actor, text: str) -> Rectification:
    """The written reply to the resident, sent by SMS through the case notification path (and
    kept in the case's history). A named resident must have been called back first."""
    with transaction.atomic():
        rect = _locked(rect)
        _check_center_actor(actor, rect)
        _refuse_final(rect)
        if not rect.is_rating:
            raise ValidationError({"state": [_("Only a 差评 has a resident to reply to.")]})
        if rect.state == State.OPEN and rect.callback_required:
            raise ValidationError(
                {"state": [_("Call the resident back first: the resident left a name.")]}
            )
        if rect.state not in (State.OPEN, State.CALLED_BACK):
            raise ValidationError({"state": [_("The reply has already been sent.")]})
        text = _text(text, "text", required=True, max_length=REPLY_MAX_LENGTH)
        before = rect.state
        rect.state = State.REPLIED
        rect.reply_text = text
        rect.replied_at = timezone.now()
        rect.save(update_fields=["state", "reply_text", "replied_at", "updated_at"])
        _event(rect, actor=actor, action="reply", from_state=before, note=text)
        _reply_sms(rect, actor, text)
    return rect


def _reply_sms(rect: Rectification, actor, text: str) -> None:
    """The reply kept in the case's history and sent by SMS, through the case events
    (`centers.cases.events.rating_reply_record`)."""
    case = Case.objects.filter(pk=rect.case_id).first()
    if case is None:
        return
    case_events.rating_reply_record(
        case=case,
        actor=actor,
        actor_name=actor_label(actor),
        rectification_id=rect.pk,
        text=text,
        center_name=rect.center.display_name,
    )


def report_submit(*, rect: Rectification, actor, report: str) -> Rectification:
    """The center's rectification report, for district review. A 差评 needs its reply first."""
    with transaction.atomic():
        rect = _locked(rect)
        _check_center_actor(actor, rect)
        _refuse_final(rect)
        allowed = (State.REPLIED,) if rect.is_rating else (State.OPEN, State.REPLIED)
        if rect.state == State.SUBMITTED:
            raise ValidationError({"state": [_("The report is already with the district.")]})
        if rect.state not in allowed:
            raise ValidationError({"state": [_("Reply to the resident before the report.")]})
        report = _text(report, "report", required=True)
        before = rect.state
        rect.state = State.SUBMITTED
        rect.report_text = report
        rect.submitted_on = current_day()
        rect.save(update_fields=["state", "report_text", "submitted_on", "updated_at"])
        _event(rect, actor=actor, action="submit", from_state=before, note=report)
    return rect


def appeal_file(*, rect: Rectification, actor, reasons: str, evidence: str = "") -> RatingAppeal:
    """The center appeals the rating (once, with reasons) while the item is not closed."""
    with transaction.atomic():
        rect = _locked(rect)
        _check_center_actor(actor, rect)
        _refuse_final(rect)
        if not rect.is_rating:
            raise ValidationError({"reasons": [_("Only a rating can be appealed.")]})
        if RatingAppeal.objects.filter(rectification=rect).exists():
            raise ValidationError({"reasons": [_("This rating has already been appealed once.")]})
        reasons = _text(reasons, "reasons", required=True)
        evidence = _text(evidence, "evidence", required=False)
        appeal = RatingAppeal.objects.create(
            rectification=rect,
            reasons=reasons,
            evidence=evidence,
            filed_by=actor_label(actor),
            filed_at=timezone.now(),
        )
        rect.save(update_fields=["updated_at"])
        _event(rect, actor=actor, action="appeal", from_state=rect.state, note=reasons)
    return appeal


# --- the district's steps -------------------------------------------------------------------


def district_approve(*, rect: Rectification, actor, note: str = "") -> Rectification:
    with transaction.atomic():
        rect = _locked(rect)
        _check_district_actor(actor, rect)
        _refuse_final(rect)
        if rect.state != State.SUBMITTED:
            raise ValidationError({"state": [_("Only a submitted report can be approved.")]})
        if _pending_appeal(rect) is not None:
            raise ValidationError({"state": [_("Decide the pending appeal first.")]})
        note = _text(note, "note", required=False)
        before = rect.state
        rect.state = State.CLOSED
        rect.closed_at = timezone.now()
        rect.save(update_fields=["state", "closed_at", "updated_at"])
        _event(rect, actor=actor, action="approve", from_state=before, note=note)
    return rect


def district_return(*, rect: Rectification, actor, note: str) -> Rectification:
    """Send a submitted report back to the center (state `replied`) with what to add."""
    with transaction.atomic():
        rect = _locked(rect)
        _check_district_actor(actor, rect)
        _refuse_final(rect)
        if rect.state != State.SUBMITTED:
            raise ValidationError({"state": [_("Only a submitted report can be returned.")]})
        note = _text(note, "note", required=True)
        before = rect.state
        rect.state = State.REPLIED
        rect.save(update_fields=["state", "updated_at"])
        _event(rect, actor=actor, action="return", from_state=before, note=note)
    return rect


def appeal_decide(*, rect: Rectification, actor, upheld, answer: str) -> RatingAppeal:
    """Upheld: the rating leaves every figure and the item ends as `appeal_upheld` (kept).
    Rejected: the rectification goes on."""
    with transaction.atomic():
        rect = _locked(rect)
        _check_district_actor(actor, rect)
        _refuse_final(rect)
        appeal = (
            RatingAppeal.objects.select_for_update()
            .filter(rectification=rect, state=AppealState.PENDING)
            .first()
        )
        if appeal is None:
            raise ValidationError({"decision": [_("There is no pending appeal to decide.")]})
        if upheld not in (True, False):
            raise ValidationError({"decision": [_("Choose upheld or rejected.")]})
        answer = _text(answer, "answer", required=True)
        appeal.state = AppealState.UPHELD if upheld else AppealState.REJECTED
        appeal.answer = answer
        appeal.decided_by = actor_label(actor)
        appeal.decided_at = timezone.now()
        appeal.save(update_fields=["state", "answer", "decided_by", "decided_at"])
        before = rect.state
        if upheld:
            rect.state = State.APPEAL_UPHELD
            rect.closed_at = appeal.decided_at
        rect.save(update_fields=["state", "closed_at", "updated_at"])
        _event(
            rect,
            actor=actor,
            action="appeal_upheld" if upheld else "appeal_rejected",
            from_state=before,
            note=answer,
        )
    return appeal
