"""Acceptance (受理, with 联办 tasks, fees and 容缺), the one-time notice (补正, art. 32) and its
completion, and the refusal (不予受理, naming the competent authority, art. 32(2))."""

from __future__ import annotations

import datetime
from collections.abc import Sequence

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from centers.catalog.models import LocalMatter
from tenants.accounts.models import Role

from .. import approvals, clock, notices, referrals, selectors
from ..error_codes import CaseErrorCode, coded, denied
from ..events import CaseAction, document_attachment, record
from ..models import (
    Case,
    CaseFee,
    CaseMaterial,
    CaseTask,
    ClockPause,
    DocumentKind,
)
from ..states import (
    NEW,
    REFUSAL_CODES,
    CaseKind,
    CaseStatus,
    Channel,
    Delivery,
    PauseKind,
    ProcessCode,
    RefusalKind,
    transition_check,
)
from .common import (
    center_user,
    count_visit,
    current_time,
    local_day,
    locked,
    materials_delivery,
    materials_update,
    missing_lines,
    raise_errors,
    scans_attach,
    tolerance_mark,
)
from .time_limits import (
    deadline_refresh,
    department_terms_check,
    pause_close,
    task_due,
    urgent_target,
)

# 行政许可法 art. 32: the one-time notice within 5 (working) days of receiving the materials.
SUPPLEMENT_NOTICE_DAYS = 5


# 行政许可法 art. 32: the one-time notice lists everything at once; a second one on the same
# case is the director's (with a reason), and supervision flags it.
NOTICES_WITHOUT_APPROVAL = 1


def _acceptance_start(case: Case, today: datetime.date) -> tuple[datetime.date, bool]:
    """The day the clock counts from: today, unless the 5-day window for the one-time notice
    (art. 32) has passed without one, in which case the day the materials arrived. The window
    counts official working days (art. 82): a closure of the center does not stretch it."""
    notice_given = case.pauses.filter(kind=PauseKind.SUPPLEMENT).exists()
    if notice_given:
        return today, False
    limit, _provisional = clock.due_date(case.received_on, SUPPLEMENT_NOTICE_DAYS)
    if today > limit:
        return case.received_on, True
    return today, False


def accept(
    case: Case,
    actor,
    now: datetime.datetime,
    *,
    owner,
    promised_date: datetime.date | None = None,
    departments=(),
    terms: dict | None = None,
    code_reason: str = "",
) -> None:
    from_status = case.status
    today = local_day(now)
    if case.acceptance_deemed and case.accepted_on is not None:
        # Deemed accepted when a late one-time notice was issued: the clock keeps that start.
        start, deemed = case.accepted_on, True
    else:
        start, deemed = _acceptance_start(case, today)
    case.status = CaseStatus.ACCEPTED
    case.accepted_at = now
    case.accepted_on = start
    case.acceptance_deemed = case.acceptance_deemed or deemed
    case.owner = owner
    deadline_refresh(case)
    if promised_date is not None:
        if case.due_date and promised_date > case.due_date:
            raise ValidationError(
                {
                    "promised_date": [
                        coded(
                            _("The promised date cannot be later than %(due)s, the matter's limit.")
                            % {"due": case.due_date},
                            CaseErrorCode.PROMISED_DATE_BEYOND_LIMIT,
                        )
                    ]
                }
            )
        case.due_date = promised_date
    if case.urgent:
        case.urgent_target_date = urgent_target(case)
    tolerated = [m for m in case.materials.all() if m.state == CaseMaterial.State.TOLERATED]
    late = [m.name for m in tolerated if case.due_date and m.tolerance_due > case.due_date]
    if late:
        raise ValidationError(
            {
                "tolerance": [
                    coded(
                        _("The 容缺 material(s) %(names)s must be brought by %(due)s, the "
                          "case's promised date, so that it can close on time.")
                        % {"names": "、".join(late), "due": case.due_date},
                        CaseErrorCode.TOLERANCE_AFTER_DUE_DATE,
                    )
                ]
            }
        )  # fmt: skip
    case.save()
    joint_notice = None
    if case.kind == CaseKind.JOINT and departments:
        checked = department_terms_check(case, departments, terms)
        CaseTask.objects.bulk_create(
            [
                CaseTask(
                    case=case,
                    department=case.lead_department,
                    is_lead=True,
                    due_date=task_due(case, None),
                )
            ]
            + [
                CaseTask(
                    case=case,
                    department=d,
                    needs=checked[d.pk]["needs"],
                    days=checked[d.pk]["days"],
                    due_date=task_due(case, checked[d.pk]["days"]),
                )
                for d in departments
            ]
        )
        # Seed plan 1 (并联审批制度): the lead department gives the 并联审批告知单 on acceptance.
        joint_notice = notices.issue(case, DocumentKind.JOINT_NOTICE)
    _fees_create(case)
    document = notices.issue(case, DocumentKind.ACCEPTANCE_NOTICE)
    attachments = [document_attachment(document)]
    if tolerated:
        # 容缺受理: the applicant signs the commitment to bring each material by its date.
        commitment = notices.issue(case, DocumentKind.TOLERANCE_COMMITMENT)
        attachments.append(document_attachment(commitment))
    event = record(
        case,
        actor,
        CaseAction.ACCEPT,
        at=now,
        from_status=from_status,
        code=ProcessCode.ACCEPTED,
        reason=code_reason
        or (_("Deemed accepted from the day the materials arrived (art. 32).") if deemed else ""),
        detail={
            "owner": getattr(owner, "pk", None),
            "accepted_on": start.isoformat(),
            "due_date": case.due_date.isoformat() if case.due_date else None,
            "provisional": case.due_provisional,
            "deemed": deemed,
            "tolerance": [{"name": m.name, "due": m.tolerance_due.isoformat()} for m in tolerated],
        },
        attachments=attachments + ([document_attachment(joint_notice)] if joint_notice else []),
        notify=True,
    )
    if case.kind == CaseKind.JOINT:
        for task in case.tasks.all():
            record(
                case,
                actor,
                CaseAction.TASK_START,
                at=event.at,
                from_status=case.status,
                code=ProcessCode.DEPARTMENT_START,
                detail={
                    "department": task.department.name,
                    "lead": task.is_lead,
                    "task_due_date": task.due_date.isoformat() if task.due_date else None,
                    "needs": task.needs,
                },
            )


def _fees_create(case: Case) -> None:
    matter = case.matter
    if matter.fee_free or not matter.fee_amount:
        return
    CaseFee.objects.create(
        case=case,
        item=matter.fee_standard[:200] or matter.name,
        basis=matter.fee_basis,
        amount=matter.fee_amount,
        window=case.window,
    )


def case_accept(
    *,
    actor,
    case: Case,
    owner=None,
    lead_department=None,
    departments=(),
    department_terms: dict | None = None,
    promised_date: datetime.date | None = None,
    tolerance: Sequence[dict] = (),
    now: datetime.datetime | None = None,
) -> Case:
    """Accept a received case after pre-review (an agent's or an online application). Missing
    materials the matter marks as 容缺-eligible may be accepted as 容缺 (`tolerance`: name and
    the date the applicant brings each), with the printed commitment."""
    now = current_time(now)
    with transaction.atomic():
        case = locked(case)
        transition_check("accept", case.status, actor)
        refusal = acceptance_refusal(case)
        if refusal:
            raise ValidationError({"status": [coded(refusal, CaseErrorCode.DECIDED_ABOVE)]})
        errors: dict[str, list[str]] = {}
        owner = center_user(
            owner or actor, "owner", errors, roles={Role.WINDOW_STAFF, Role.CENTER_DIRECTOR}
        )
        lines = list(case.materials.all())
        problems = tolerance_mark(lines, tolerance, local_day(now))
        if problems:
            errors["tolerance"] = problems
        missing = missing_lines(lines)
        if missing:
            errors["materials"] = [
                coded(
                    _("Materials are missing (%(names)s): issue the one-time notice first.")
                    % {"names": "、".join(m.name for m in missing)},
                    CaseErrorCode.MATERIALS_MISSING,
                )
            ]
        departments = [d for d in dict.fromkeys(departments) if d != lead_department]
        if case.kind == CaseKind.JOINT and (lead_department is None or not departments):
            errors["departments"] = [
                coded(
                    _("A joint case needs a lead department and at least one other department."),
                    CaseErrorCode.REQUIRED,
                )
            ]
        if promised_date is not None and promised_date < local_day(now):
            errors["promised_date"] = [
                coded(_("The promised date cannot be in the past."), CaseErrorCode.DATE_IN_PAST)
            ]
        raise_errors(errors)
        if case.kind == CaseKind.JOINT:
            case.lead_department = lead_department
        for line in lines:
            if line.state == CaseMaterial.State.TOLERATED:
                line.save(update_fields=["state", "tolerance_due"])
        accept(
            case,
            actor,
            now,
            owner=owner,
            promised_date=promised_date,
            departments=departments,
            terms=department_terms,
        )
    return case


def acceptance_refusal(case: Case) -> str | None:
    """Why this center may not accept the case, or None: a township receives a matter decided
    above it and forwards it (issue 15; the deciding center's acceptance starts the clock).
    Used by case_accept, the desk's offer and the API's actions."""
    if case.channel != Channel.REFERRAL and referrals.forwarded_by_this_center(case.matter):
        return _(
            "“%(matter)s” is decided above this center: forward it to the district "
            "(收件回执); the district center accepts it."
        ) % {"matter": case.matter_name}
    return None


def supplement_notice_issue(
    case: Case, actor, now: datetime.datetime, *, reason: str = "", extra: dict | None = None
) -> None:
    from_status = case.status
    today = local_day(now)
    detail: dict = dict(extra or {})
    if from_status in (NEW, CaseStatus.RECEIVED) and case.accepted_on is None:
        limit, _p = clock.due_date(case.received_on, SUPPLEMENT_NOTICE_DAYS)
        if today > limit:
            # Art. 32: a late notice — the case counts as accepted from the day the materials
            # arrived, so the clock runs from then until this notice pauses it.
            case.accepted_on = case.received_on
            case.accepted_at = now
            case.acceptance_deemed = True
            case.promised_days = case.promised_days or case.matter.promised_days
            detail["deemed_accepted_on"] = case.received_on.isoformat()
    case.status = CaseStatus.SUPPLEMENTING
    deadline_refresh(case)
    case.save()
    ClockPause.objects.create(
        case=case, kind=PauseKind.SUPPLEMENT, reason=reason or _("补正"), start_on=today
    )
    document = notices.issue(case, DocumentKind.SUPPLEMENT_NOTICE)
    missing = missing_lines(list(case.materials.all()))
    detail["missing"] = [{"name": m.name, "state": m.state, "note": m.note} for m in missing]
    record(
        case,
        actor,
        CaseAction.REQUEST_SUPPLEMENT,
        at=now,
        from_status=from_status,
        code=ProcessCode.SUPPLEMENT_START,
        reason=reason
        or (
            _("One-time notice issued late: deemed accepted (art. 32).")
            if "deemed_accepted_on" in detail
            else ""
        ),
        detail=detail,
        attachments=[document_attachment(document)],
        notify=True,
    )


def case_request_supplement(
    *,
    actor,
    case: Case,
    materials: Sequence[dict],
    reason: str = "",
    approval=None,
    now: datetime.datetime | None = None,
) -> Case:
    """Issue the one-time notice (一次性告知单): mark every missing or defective material in one
    go. From a received case (pre-review) or during handling; the clock stops.

    行政许可法 art. 32: the notice tells everything at once, so a case gets one. A second one
    is the director's, with the reason: the director issues it, or approves a clerk's request
    (`approvals`, kind second_supplement), which issues it here in the director's name
    (`approval`: that request)."""
    now = current_time(now)
    with transaction.atomic():
        case = locked(case)
        transition_check("request_supplement", case.status, actor)
        if case.pauses.filter(kind=PauseKind.SUPPLEMENT, end_on__isnull=True).exists():
            raise ValidationError(
                {
                    "status": [
                        coded(
                            _("A one-time notice is already open."), CaseErrorCode.SUPPLEMENT_OPEN
                        )
                    ]
                }
            )
        number = selectors.supplement_notices(case) + 1
        extra: dict = {}
        if number > NOTICES_WITHOUT_APPROVAL:
            if actor is not None and actor.role != Role.CENTER_DIRECTOR:
                raise denied(
                    _(
                        "The one-time notice was already issued once (art. 32): a second one "
                        "needs the director's approval. Ask the director, with the reason."
                    ),
                    CaseErrorCode.SECOND_SUPPLEMENT_NEEDS_APPROVAL,
                )
            if not (reason or "").strip():
                raise ValidationError(
                    {
                        "reason": [
                            coded(
                                _("Say why a second one-time notice is needed; it is recorded."),
                                CaseErrorCode.REQUIRED,
                            )
                        ]
                    }
                )
            extra = {"notice_number": number, "director_approved": True}
            if approval is not None:
                extra["approval"] = approval.pk
        materials_update(case, materials)
        if not missing_lines(list(case.materials.all())):
            raise ValidationError(
                {
                    "materials": [
                        coded(
                            _("Mark what is missing or defective: the notice must list it."),
                            CaseErrorCode.NOTHING_MISSING,
                        )
                    ]
                }
            )
        supplement_notice_issue(case, actor, now, reason=(reason or "").strip(), extra=extra)
        approvals.lapse_moot(case=case, actor=actor, now=now)
    return case


def case_complete_supplement(
    *,
    actor,
    case: Case,
    materials: Sequence[dict] = (),
    owner=None,
    lead_department=None,
    departments=(),
    uploads: Sequence = (),
    via: str | None = None,
    now: datetime.datetime | None = None,
) -> Case:
    """The applicant brought what the notice listed (补正结束). A case never accepted is
    accepted now; a case in handling resumes its clock.

    `via` says how the materials came (states.Delivery; by default the way the case came in:
    a window case's at the window, an online one's online): brought to a window, it is a
    visit of the applicant (两次终结), and a third needs the director."""
    now = current_time(now)
    today = local_day(now)
    with transaction.atomic():
        case = locked(case)
        transition_check("complete_supplement", case.status, actor)
        via = materials_delivery(case, via)
        materials_update(case, materials)
        missing = missing_lines(list(case.materials.all()))
        if missing:
            raise ValidationError(
                {
                    "materials": [
                        coded(
                            _("Still missing or defective: %(names)s.")
                            % {"names": "、".join(m.name for m in missing)},
                            CaseErrorCode.MATERIALS_MISSING,
                        )
                    ]
                }
            )
        attachments = scans_attach(case, actor, uploads)
        visit = count_visit(case, actor, now) if via == Delivery.WINDOW else {}
        pause = pause_close(case, today)
        needs_acceptance = not case.events.filter(action="accept").exists()
        # A case this township forwards goes back to RECEIVED, to be forwarded (issue 15).
        forwarded = needs_acceptance and acceptance_refusal(case) is not None
        case.status = CaseStatus.RECEIVED if forwarded else CaseStatus.ACCEPTED
        deadline_refresh(case)
        case.save()
        record(
            case,
            actor,
            CaseAction.COMPLETE_SUPPLEMENT,
            at=now,
            from_status=CaseStatus.SUPPLEMENTING,
            code=ProcessCode.SUPPLEMENT_END,
            detail={"paused_days": getattr(pause, "paused_days", 0), "via": via, **visit},
            attachments=attachments,
        )
        if needs_acceptance and not forwarded:
            errors: dict[str, list[str]] = {}
            owner = center_user(
                owner or actor, "owner", errors, roles={Role.WINDOW_STAFF, Role.CENTER_DIRECTOR}
            )
            departments = [d for d in dict.fromkeys(departments) if d != lead_department]
            if case.kind == CaseKind.JOINT and (lead_department is None or not departments):
                errors["departments"] = [
                    coded(
                        _(
                            "A joint case needs a lead department and at least one other "
                            "department."
                        ),
                        CaseErrorCode.REQUIRED,
                    )
                ]
            raise_errors(errors)
            if case.kind == CaseKind.JOINT:
                case.lead_department = lead_department
            case.status = CaseStatus.SUPPLEMENTING  # accept records the step from here
            accept(case, actor, now, owner=owner, departments=departments)
    return case


def competent_authority_default(matter: LocalMatter) -> str:
    """Where an applicant is sent when the matter is outside this center's competence (art.
    32(2)): the matter's own entry (from its city template), else the district catalog's
    receiving center or window for its template."""
    if (matter.competent_authority or "").strip():
        return matter.competent_authority.strip()
    if matter.template_id:
        from catalog_cms.standards.models import DistrictCatalogEntry
        from tenants.selectors import current_center

        center = current_center()
        district_id = center.pk if center.kind == "district" else center.parent_id
        entry = DistrictCatalogEntry.objects.filter(
            district_id=district_id, template_id=matter.template_id
        ).first()
        if entry is not None and entry.receiving_window.strip():
            return entry.receiving_window.strip()
    return ""


def competent_authority_check(kind: str, given: str, matter: LocalMatter, errors: dict) -> str:
    """Art. 32(2): a refusal as outside this center's competence names the authority to apply
    to (given, or the default); required for that kind, kept empty for the other."""
    if kind != RefusalKind.OUT_OF_SCOPE:
        return ""
    authority = (given or "").strip() or competent_authority_default(matter)
    if not authority:
        errors["competent_authority"] = [
            coded(
                _(
                    "Name the authority the applicant should apply to: outside this center's "
                    "competence the law asks for it (行政许可法 art. 32(2))."
                ),
                CaseErrorCode.COMPETENT_AUTHORITY_REQUIRED,
            )
        ]
    elif len(authority) > 200:
        errors["competent_authority"] = [
            coded(_("At most 200 characters."), CaseErrorCode.TOO_LONG)
        ]
    return authority[:200]


def refuse(case: Case, actor, now, kind: str, reason: str, basis: str, authority="") -> None:
    from_status = case.status
    if from_status == CaseStatus.SUPPLEMENTING:
        pause_close(case, local_day(now))
    case.status = CaseStatus.NOT_ACCEPTED
    case.refusal_kind = kind
    case.refusal_reason = reason.strip()
    case.refusal_basis = basis.strip()
    case.competent_authority = authority
    case.closed_at = now
    case.closed_on = local_day(now)
    case.save()
    document = notices.issue(case, DocumentKind.REFUSAL_DECISION)
    record(
        case,
        actor,
        CaseAction.REFUSE,
        at=now,
        from_status=from_status,
        code=REFUSAL_CODES[RefusalKind(kind)],
        reason=reason.strip(),
        detail={"kind": kind, "basis": basis.strip(), "competent_authority": authority},
        attachments=[document_attachment(document)],
        notify=True,
    )
    approvals.lapse_moot(case=case, actor=actor, now=now)


def case_refuse(
    *,
    actor,
    case: Case,
    reason: str,
    basis: str,
    kind: str = RefusalKind.NOT_ACCEPTABLE,
    competent_authority: str = "",
    now: datetime.datetime | None = None,
) -> Case:
    """不予受理/退回 with reasons and legal basis, and the written decision; outside this
    center's competence it names the authority to apply to (art. 32(2))."""
    now = current_time(now)
    errors: dict[str, list[str]] = {}
    if not (reason or "").strip():
        errors["refusal_reason"] = [
            coded(_("Give the reasons for not accepting the application."), CaseErrorCode.REQUIRED)
        ]
    if not (basis or "").strip():
        errors["refusal_basis"] = [
            coded(_("Give the legal basis for not accepting it."), CaseErrorCode.REQUIRED)
        ]
    if kind not in RefusalKind.values:
        errors["refusal_kind"] = [
            coded(_("Choose out of remit or not acceptable."), CaseErrorCode.INVALID)
        ]
    with transaction.atomic():
        case = locked(case)
        transition_check("refuse", case.status, actor)
        authority = competent_authority_check(kind, competent_authority, case.matter, errors)
        raise_errors(errors)
        refuse(case, actor, now, kind, reason, basis, authority)
    return case
