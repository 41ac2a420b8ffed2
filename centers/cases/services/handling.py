"""Handling after acceptance: reassigning, visits (两次终结), 联办 sign-off, reply and close,
the certificate (art. 44), 容缺 materials brought in or waived, withdrawal, revocation (art.
69) and scans."""

from __future__ import annotations

import datetime
from collections.abc import Sequence

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tenants.accounts.models import Role

from .. import approvals, clock, notices, referrals, selectors
from ..error_codes import CaseErrorCode, coded, denied
from ..events import CaseAction, document_attachment, record
from ..models import (
    Case,
    CaseMaterial,
    CaseTask,
    DocumentKind,
)
from ..states import (
    CLOCK_RUNNING_STATUSES,
    DECISION_CODES,
    CaseKind,
    CaseStatus,
    Decision,
    Delivery,
    Handover,
    ProcessCode,
    transition_check,
)
from .common import (
    center_user,
    count_visit,
    current_time,
    local_day,
    locked,
    materials_delivery,
    raise_errors,
    require_director,
    scans_attach,
)
from .time_limits import pause_close


def case_reassign(
    *, actor, case: Case, owner, reason: str, now: datetime.datetime | None = None
) -> Case:
    now = current_time(now)
    errors: dict[str, list[str]] = {}
    if not (reason or "").strip():
        errors["reason"] = [coded(_("Say why the case changes hands."), CaseErrorCode.REQUIRED)]
    new_owner = center_user(owner, "owner", errors, roles={Role.WINDOW_STAFF, Role.CENTER_DIRECTOR})
    with transaction.atomic():
        case = locked(case)
        transition_check("reassign", case.status, actor)
        if new_owner is not None and new_owner.pk == case.owner_id:
            errors["owner"] = [
                coded(_("That person already owns the case."), CaseErrorCode.ALREADY_OWNER)
            ]
        raise_errors(errors)
        before = case.owner_id
        case.owner = new_owner
        case.save()
        record(
            case,
            actor,
            CaseAction.REASSIGN,
            at=now,
            from_status=case.status,
            reason=reason.strip(),
            detail={"from_owner": before, "to_owner": new_owner.pk},
        )
    return case


def case_record_visit(
    *, actor, case: Case, note: str = "", now: datetime.datetime | None = None
) -> Case:
    """A visit of the applicant that no step records (两次终结): called in to sign, to show
    an original, for an inspection at the center. The steps count their own visits (a window
    intake, materials brought to a window, a result collected at a window: `count_visit`), so this
    is never the way to count those. A visit beyond two needs the director: the director
    records it (with the reason), or a clerk with the director's approved request."""
    now = current_time(now)
    with transaction.atomic():
        case = locked(case)
        transition_check("record_visit", case.status, actor)
        visit = count_visit(case, actor, now)
        # The director's own decision carries its reason (a clerk's approved request has one).
        own = visit.get("director_approved") and not visit.get("visit_approval")
        if own and not (note or "").strip():
            raise ValidationError(
                {
                    "note": [
                        coded(
                            _("Say why a third visit is needed; it is recorded."),
                            CaseErrorCode.REQUIRED,
                        )
                    ]
                }
            )
        case.save()
        record(
            case,
            actor,
            CaseAction.RECORD_VISIT,
            at=now,
            from_status=case.status,
            reason=(note or "").strip(),
            detail={"director_approved": False, **visit},
        )
    return case


def case_task_sign_off(
    *, actor, task: CaseTask, opinion: str, now: datetime.datetime | None = None
) -> CaseTask:
    """A department signs off its part of a joint case: at its own windows, or, for a
    department with no window here, its written opinion recorded by the case's owner
    (`selectors.task_sign_off_refusal`); the director may sign for any."""
    now = current_time(now)
    if not (opinion or "").strip():
        raise ValidationError(
            {"opinion": [coded(_("Write the department's opinion."), CaseErrorCode.REQUIRED)]}
        )
    with transaction.atomic():
        case = locked(task.case)
        transition_check("task_sign_off", case.status, actor)
        task = CaseTask.objects.select_for_update().select_related("department").get(pk=task.pk)
        if task.signed_off_at is not None:
            raise ValidationError(
                {
                    "task": [
                        coded(
                            _("This department has already signed off."),
                            CaseErrorCode.ALREADY_SIGNED_OFF,
                        )
                    ]
                }
            )
        refusal = selectors.task_sign_off_refusal(actor, case, task)
        if refusal:
            raise denied(refusal, CaseErrorCode.SIGN_OFF_NOT_ALLOWED)
        task.signed_off_at = now
        task.signed_off_by = actor
        task.opinion = opinion.strip()
        task.save()
        record(
            case,
            actor,
            CaseAction.TASK_SIGN_OFF,
            at=now,
            from_status=case.status,
            reason=task.opinion,
            detail={"department": task.department.name, "lead": task.is_lead},
        )
    return task


# Art. 44: the certificate within 10 working days of the granting decision.
CERTIFICATE_DAYS = 10


def case_close(
    *,
    actor,
    case: Case,
    decision: str,
    handover: str,
    handed_over_at: datetime.datetime | None = None,
    note: str = "",
    now: datetime.datetime | None = None,
) -> Case:
    """Reply and close (办结): the decision, how and when the result was handed over, and
    whether it was on time. A joint case closes only when every department has signed off;
    a result is handed over only once every fee is paid or waived (统一收费,
    `selectors.handover_refusal`)."""
    now = current_time(now)
    handed_over_at = handed_over_at or now
    errors: dict[str, list[str]] = {}
    if decision not in Decision.values:
        errors["decision"] = [coded(_("Choose the decision."), CaseErrorCode.INVALID)]
    if handover not in Handover.values:
        errors["handover"] = [
            coded(_("Choose how the result was handed over."), CaseErrorCode.INVALID)
        ]
    if handed_over_at > now + datetime.timedelta(minutes=5):
        errors["handed_over_at"] = [
            coded(_("The hand-over time cannot be in the future."), CaseErrorCode.DATE_IN_FUTURE)
        ]
    if decision == Decision.DENIED and not (note or "").strip():
        errors["note"] = [coded(_("Give the reasons for the denial."), CaseErrorCode.REQUIRED)]
    with transaction.atomic():
        case = locked(case)
        transition_check("close", case.status, actor)
        refusal = selectors.handover_refusal(case, decision)
        if refusal:
            errors["fees"] = [coded(refusal, CaseErrorCode.FEE_UNPAID)]
        if case.kind == CaseKind.JOINT:
            waiting = [t.department.name for t in case.tasks.filter(signed_off_at__isnull=True)]
            if waiting:
                errors["tasks"] = [
                    coded(
                        _("Waiting for the sign-off of: %(departments)s.")
                        % {"departments": "、".join(waiting)},
                        CaseErrorCode.TASKS_WAITING,
                    )
                ]
        if "decision" not in errors:
            refusal = selectors.tolerance_close_refusal(case, decision)
            if refusal:
                errors["decision"] = [coded(refusal, CaseErrorCode.TOLERANCE_PENDING)]
        raise_errors(errors)
        from_status = case.status
        today = local_day(now)
        # 两次终结: collecting the result at a window is a visit, unless it is the visit
        # already counted that day (a 即办件 handed over on the spot).
        visit = {}
        if handover == Handover.WINDOW:
            visit = (
                {"visit": True, "visits": case.visits, "same_visit": True}
                if selectors.visited_on(case, local_day(handed_over_at))
                else count_visit(case, actor, now)
            )
        case.status = CaseStatus.CLOSED
        case.decision = decision
        case.decision_note = (note or "").strip()
        case.handover = handover
        case.handed_over_at = handed_over_at
        case.closed_at = now
        case.closed_on = today
        case.closed_late = case.due_date is not None and today > case.due_date
        _certificate_due(case, from_status, decision, today, now)
        case.save()
        record(
            case,
            actor,
            CaseAction.CLOSE,
            at=now,
            from_status=from_status,
            code=DECISION_CODES[Decision(decision)],
            reason=case.decision_note,
            detail={
                "decision": decision,
                "handover": handover,
                "handed_over_at": handed_over_at.isoformat(),
                "late": case.closed_late,
                "certificate_due_date": (
                    case.certificate_due_date.isoformat() if case.certificate_due_date else None
                ),
                **visit,
            },
            notify=True,
        )
        approvals.lapse_moot(case=case, actor=actor, now=now)
    return case


def _certificate_due(case: Case, from_status: str, decision: str, today, now) -> None:
    """Art. 44: a granting decision this center made on a matter whose result is a
    certificate (LocalMatter.issues_certificate) has the certificate due within 10 working
    days; a decision of 已发证 is the certificate itself, issued now. A decision the district
    made on a forwarded case is the district's to issue."""
    if from_status != CaseStatus.ACCEPTED:
        return
    if decision == Decision.CERTIFICATE_ISSUED:
        case.certificate_due_date = clock.due_date(today, CERTIFICATE_DAYS)[0]
        case.certificate_issued_at = now
    elif (
        decision in (Decision.APPROVED, Decision.APPROVED_TOLERANCE)
        and case.matter.issues_certificate
    ):
        case.certificate_due_date = clock.due_date(today, CERTIFICATE_DAYS)[0]


def case_issue_certificate(
    *,
    actor,
    case: Case,
    note: str = "",
    issued_at: datetime.datetime | None = None,
    now: datetime.datetime | None = None,
) -> Case:
    """发证 (行政许可法 art. 44): record that the certificate of a granting decision was issued
    (its number or how it went in `note`); supervision's certificate_late watches the 10
    working days until it is. The case stays closed."""
    now = current_time(now)
    issued_at = issued_at or now
    if issued_at > now + datetime.timedelta(minutes=5):
        raise ValidationError(
            {
                "issued_at": [
                    coded(
                        _("The issue time cannot be in the future."), CaseErrorCode.DATE_IN_FUTURE
                    )
                ]
            }
        )
    with transaction.atomic():
        case = locked(case)
        transition_check("issue_certificate", case.status, actor)
        refusal = selectors.certificate_refusal(case)
        if refusal:
            raise ValidationError({"status": [coded(refusal, CaseErrorCode.CERTIFICATE_NOT_DUE)]})
        case.certificate_issued_at = issued_at
        case.save()
        late = local_day(issued_at) > case.certificate_due_date
        record(
            case,
            actor,
            CaseAction.ISSUE_CERTIFICATE,
            at=now,
            from_status=case.status,
            reason=(note or "").strip(),
            detail={
                "issued_at": issued_at.isoformat(),
                "certificate_due_date": case.certificate_due_date.isoformat(),
                "late": late,
            },
        )
    return case


def _tolerated_line(case: Case, material) -> CaseMaterial:
    name = getattr(material, "name", material)
    line = (
        case.materials.select_for_update()
        .filter(name=(name or "").strip(), state=CaseMaterial.State.TOLERATED)
        .first()
    )
    if line is None:
        raise ValidationError(
            {
                "material": [
                    coded(
                        _("Choose a 容缺 material of this case that is still to come."),
                        CaseErrorCode.TOLERANCE_NOT_PENDING,
                    )
                ]
            }
        )
    return line


def case_tolerance_receive(
    *,
    actor,
    case: Case,
    material,
    via: str | None = None,
    uploads: Sequence = (),
    now: datetime.datetime | None = None,
) -> Case:
    """The applicant brings a 容缺 material promised at acceptance (容缺受理承诺书). Late or not,
    it is recorded (the event says whether the promised date had passed). Brought to a window
    it is a visit (两次终结)."""
    now = current_time(now)
    with transaction.atomic():
        case = locked(case)
        transition_check("tolerance_receive", case.status, actor)
        line = _tolerated_line(case, material)
        via = materials_delivery(case, via)
        attachments = scans_attach(case, actor, [(u, line.name) for u in uploads])
        visit = count_visit(case, actor, now) if via == Delivery.WINDOW else {}
        line.state = CaseMaterial.State.RECEIVED
        line.originals_received = max(line.originals_received, line.originals_needed)
        line.copies_received = max(line.copies_received, line.copies_needed)
        line.save()
        case.save()
        record(
            case,
            actor,
            CaseAction.TOLERANCE_RECEIVE,
            at=now,
            from_status=case.status,
            detail={
                "material": line.name,
                "tolerance_due": line.tolerance_due.isoformat() if line.tolerance_due else None,
                "late": bool(line.tolerance_due and local_day(now) > line.tolerance_due),
                "via": via,
                **visit,
            },
            attachments=attachments,
        )
    return case


def case_tolerance_waive(
    *, actor, case: Case, material, reason: str, now: datetime.datetime | None = None
) -> Case:
    """The director waives a 容缺 material (免予提交) with the reason: the case may then close
    as 容缺通过 without it."""
    now = current_time(now)
    if not (reason or "").strip():
        raise ValidationError(
            {
                "reason": [
                    coded(_("Give the reason for waiving the material."), CaseErrorCode.REQUIRED)
                ]
            }
        )
    with transaction.atomic():
        case = locked(case)
        transition_check("tolerance_waive", case.status, actor)
        require_director(actor, _("a 容缺 waiver"))
        line = _tolerated_line(case, material)
        line.state = CaseMaterial.State.WAIVED
        line.note = reason.strip()[:300]
        line.save()
        record(
            case,
            actor,
            CaseAction.TOLERANCE_WAIVE,
            at=now,
            from_status=case.status,
            reason=reason.strip(),
            detail={
                "material": line.name,
                "tolerance_due": line.tolerance_due.isoformat() if line.tolerance_due else None,
                "approved_by": actor.pk if actor else None,
            },
        )
    return case


def case_withdraw(*, actor, case: Case, reason: str, now: datetime.datetime | None = None) -> Case:
    """The applicant withdraws (撤件 before acceptance, 撤回 after), until it is decided."""
    now = current_time(now)
    if not (reason or "").strip():
        raise ValidationError(
            {
                "reason": [
                    coded(
                        _("Record the applicant's reason for withdrawing."), CaseErrorCode.REQUIRED
                    )
                ]
            }
        )
    with transaction.atomic():
        case = locked(case)
        transition_check("withdraw", case.status, actor)
        from_status = case.status
        pause_close(case, local_day(now))
        case.status = CaseStatus.WITHDRAWN
        case.closed_at = now
        case.closed_on = local_day(now)
        case.save()
        code = ProcessCode.CANCELLED if case.accepted_on is None else ProcessCode.WITHDRAWN
        record(
            case,
            actor,
            CaseAction.WITHDRAW,
            at=now,
            from_status=from_status,
            code=code,
            reason=reason.strip(),
        )
        approvals.lapse_moot(case=case, actor=actor, now=now)
        if from_status == CaseStatus.REFERRED:
            referrals.referral_withdraw_send(case, reason.strip())
    return case


def case_revoke(
    *, actor, case: Case, reason: str, basis: str, now: datetime.datetime | None = None
) -> Case:
    """撤销 (art. 69): the director revokes a decision this center granted, with its reasons
    and legal basis. The case keeps its closing (its handling and figures stand); the
    revocation decision (撤销行政许可决定书) is printed, the event carries code 15 and the
    applicant is told by SMS. A decision the district made on a forwarded case is the
    district's to revoke."""
    now = current_time(now)
    errors: dict[str, list[str]] = {}
    if not (reason or "").strip():
        errors["reason"] = [
            coded(_("Give the reasons for revoking the decision."), CaseErrorCode.REQUIRED)
        ]
    if not (basis or "").strip():
        errors["basis"] = [
            coded(_("Give the legal basis for revoking it (e.g. art. 69)."), CaseErrorCode.REQUIRED)
        ]
    with transaction.atomic():
        case = locked(case)
        transition_check("revoke", case.status, actor)
        refusal = selectors.revocation_refusal(case)
        if refusal:
            errors["status"] = [coded(refusal, CaseErrorCode.REVOCATION_NOT_ALLOWED)]
        raise_errors(errors)
        case.revoked_at = now
        case.revocation_reason = reason.strip()
        case.revocation_basis = basis.strip()
        case.save()
        document = notices.issue(case, DocumentKind.REVOCATION_DECISION)
        record(
            case,
            actor,
            CaseAction.REVOKE,
            at=now,
            from_status=case.status,
            code=ProcessCode.REVOKED,
            reason=case.revocation_reason,
            detail={"basis": case.revocation_basis, "decision": case.decision},
            attachments=[document_attachment(document)],
            notify=True,
        )
    return case


def case_scan_add(*, actor, case: Case, upload, material=None) -> object:
    """Attach a scan to an open case, audited as an event."""
    now = timezone.now()
    with transaction.atomic():
        case = locked(case)
        transition_check("record_visit", case.status, actor)
        attachments = scans_attach(case, actor, [(upload, getattr(material, "name", ""))])
        record(
            case, actor, CaseAction.ATTACH, at=now, from_status=case.status, attachments=attachments
        )
    return case.files.get(pk=attachments[0]["id"])


def is_clock_running(case: Case) -> bool:
    return case.status in CLOCK_RUNNING_STATUSES
