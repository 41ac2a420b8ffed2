"""Objections (异议) to a refusal or a denial, and their written answers.

Seed plan 1 (“六办件”, 退回件): 对申报材料不符合受理条件的“退回件”和“补办件”……如行政相对人对
办理结果提出异议,承办人应明确答复,并说明理由. The applicant's objection to a refusal
(不予受理, a case not accepted) or a denial (不予批准, a case closed with that decision) is
recorded at the window by staff (`objection_file`, channel window) or filed online from the
public progress page behind the same receipt and phone-digit check (portal/objection.py,
channel online, no staff actor). The case's owner (or the director) answers in writing with
the reasons (`objection_answer`) within the working days the city's case policy sets, counted
on the official calendar (the center's own closures do not move a date owed to the
applicant); the 异议答复书 is printed, the applicant told by SMS, and each step is a case
event of the state table's "object" / "answer_objection" rows, which keep the case's state
(like "revoke"). An answer not given by its date raises the supervision flag
`objection_late` (evaluation.supervision).

One objection waits at a time (a partial unique key); once answered, the applicant may object
again, and that is a new objection with its own date."""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from catalog_cms.standards import calendar as cal
from tenants.accounts.permissions import is_center_director

from . import notices
from .error_codes import CaseErrorCode, coded, denied
from .events import CaseAction, document_attachment, record
from .models import Case, CaseObjection, DocumentKind
from .services.common import current_time, local_day, locked, raise_errors
from .states import CaseStatus, Decision, transition_check

TEXT_MAX = 2000
ANSWER_MAX = 4000


def objection_refusal(case: Case) -> str | None:
    """Why the applicant may not object to `case` now, or None if they may: only a refusal
    (不予受理) or a denial (不予批准) is objected to, and one objection waits at a time. The
    one rule of the service, the desk's offer, the API's actions and the progress page."""
    refused = case.status == CaseStatus.NOT_ACCEPTED
    denied = case.status == CaseStatus.CLOSED and case.decision == Decision.DENIED
    if not (refused or denied):
        return _("Only a refusal (不予受理) or a denial (不予批准) can be objected to.")
    if open_objection(case) is not None:
        return _("An objection is waiting for its answer: the case owner answers it first.")
    return None


def open_objection(case: Case) -> CaseObjection | None:
    """The objection still waiting for its answer (from a prefetch when there)."""
    return next((o for o in case.objections.all() if o.answered_at is None), None)


def answer_refusal(user, case: Case) -> str | None:
    """Why `user` may not answer the objection waiting on `case`, or None: the case's owner
    (承办人) answers; the director may answer for an absent owner; the platform (None) too."""
    if open_objection(case) is None:
        return _("No objection is waiting for an answer.")
    if user is None or is_center_director(user) or user.pk == case.owner_id:
        return None
    if case.owner_id is None and user.pk == case.first_contact_id:
        return None  # a refusal at intake has no owner: the clerk who refused answers
    return _("The case owner (承办人) or the director answers the objection.")


def answer_due(day: datetime.date) -> tuple[datetime.date, bool]:
    """(due, provisional): the city's working days after `day` on the official calendar."""
    from catalog_cms.standards.selectors import case_policy

    return cal.add_working_days(day, case_policy().objection_answer_days)


def objection_file(
    *,
    actor,
    case: Case,
    text: str,
    channel: str = CaseObjection.Channel.WINDOW,
    now: datetime.datetime | None = None,
) -> CaseObjection:
    """Record the applicant's objection (异议) with what they say. At the window `actor` is
    the clerk; online it is None (the applicant, checked by the progress page). The answer
    is due within the city's working days; the applicant is told the date by SMS."""
    now = current_time(now)
    text = (text or "").strip()
    errors: dict[str, list[str]] = {}
    if channel not in CaseObjection.Channel.values:
        errors["channel"] = [coded(_("Choose the window or online."), CaseErrorCode.INVALID)]
    if not text:
        errors["text"] = [
            coded(_("Write what the applicant objects to and why."), CaseErrorCode.REQUIRED)
        ]
    elif len(text) > TEXT_MAX:
        errors["text"] = [
            coded(
                _("The objection is longer than %(max)s characters.") % {"max": TEXT_MAX},
                CaseErrorCode.TOO_LONG,
            )
        ]
    if actor is not None and channel != CaseObjection.Channel.WINDOW:
        errors["channel"] = [
            coded(_("Staff record an objection brought to the window."), CaseErrorCode.INVALID)
        ]
    try:
        with transaction.atomic():
            case = locked(case)
            transition_check("object", case.status, actor)
            refusal = objection_refusal(case)
            if refusal:
                errors["status"] = [coded(refusal, CaseErrorCode.OBJECTION_NOT_ALLOWED)]
            raise_errors(errors)
            today = local_day(now)
            due, provisional = answer_due(today)
            objection = CaseObjection.objects.create(
                case=case,
                channel=channel,
                text=text,
                filed_at=now,
                filed_on=today,
                recorded_by=actor,
                due_on=due,
                due_provisional=provisional,
            )
            record(
                case,
                actor,
                CaseAction.OBJECTION_FILED,
                at=now,
                from_status=case.status,
                reason=text,
                detail={
                    "objection": objection.pk,
                    "channel": channel,
                    "due_date": due.isoformat(),
                    "provisional": provisional,
                },
                notify=True,
                actor_name=None if actor is not None else _("申请人（网上提交）"),
            )
    except IntegrityError:  # a racing second objection: the partial unique key refused it
        raise ValidationError(
            {
                "status": [
                    coded(
                        _(
                            "An objection is waiting for its answer: "
                            "the case owner answers it first."
                        ),
                        CaseErrorCode.OBJECTION_WAITING,
                    )
                ]
            }
        ) from None
    return objection


def objection_answer(
    *,
    actor,
    case: Case,
    answer: str,
    reasons: str,
    now: datetime.datetime | None = None,
) -> CaseObjection:
    """The case owner answers the waiting objection in writing (明确答复), with the reasons
    (说明理由): the 异议答复书 is printed and kept, the applicant told by SMS, the event
    written; an answer after its date is marked late (the supervision flag was raised)."""
    now = current_time(now)
    answer, reasons = (answer or "").strip(), (reasons or "").strip()
    errors: dict[str, list[str]] = {}
    if not answer:
        errors["answer"] = [coded(_("Write the answer to the objection."), CaseErrorCode.REQUIRED)]
    elif len(answer) > ANSWER_MAX:
        errors["answer"] = [
            coded(
                _("The answer is longer than %(max)s characters.") % {"max": ANSWER_MAX},
                CaseErrorCode.TOO_LONG,
            )
        ]
    if not reasons:
        errors["reasons"] = [
            coded(_("Give the reasons of the answer (说明理由)."), CaseErrorCode.REQUIRED)
        ]
    elif len(reasons) > ANSWER_MAX:
        errors["reasons"] = [
            coded(
                _("The reasons are longer than %(max)s characters.") % {"max": ANSWER_MAX},
                CaseErrorCode.TOO_LONG,
            )
        ]
    with transaction.atomic():
        case = locked(case)
        transition_check("answer_objection", case.status, actor)
        refusal = answer_refusal(actor, case)
        if refusal and open_objection(case) is None:
            errors["status"] = [coded(refusal, CaseErrorCode.ANSWER_NOT_ALLOWED)]
        elif refusal:
            raise denied(refusal, CaseErrorCode.ANSWER_NOT_ALLOWED)
        raise_errors(errors)
        objection = CaseObjection.objects.select_for_update().get(
            case=case, answered_at__isnull=True
        )
        today = local_day(now)
        objection.answer = answer
        objection.answer_reasons = reasons
        objection.answered_at = now
        objection.answered_on = today
        objection.answered_by = actor
        objection.answered_late = today > objection.due_on
        objection.save()
        document = notices.issue(
            case,
            DocumentKind.OBJECTION_ANSWER,
            facts={
                "objection": objection,
                "answerer_name": notices.person_name(actor),
                "issued_on": today,
            },
        )
        record(
            case,
            actor,
            CaseAction.OBJECTION_ANSWERED,
            at=now,
            from_status=case.status,
            reason=answer,
            detail={
                "objection": objection.pk,
                "reasons": reasons,
                "due_date": objection.due_on.isoformat(),
                "late": objection.answered_late,
            },
            attachments=[document_attachment(document)],
            notify=True,
        )
    return objection
