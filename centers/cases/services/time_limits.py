"""A case's time limits: the promised date on the official calendar (art. 82), each 联办
department's terms and due date, pauses, special procedures (art. 45), extensions (art. 42)
and 急办 with its internal target."""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from catalog_cms.standards.vocab import EXTENSION_MAX_DAYS

from .. import clock, notices, selectors
from ..error_codes import CaseErrorCode, coded, denied
from ..events import CaseAction, document_attachment, record
from ..models import (
    Case,
    CaseFee,
    ClockPause,
    DocumentKind,
)
from ..states import (
    SPECIAL_PAUSE_KINDS,
    CaseKind,
    CaseStatus,
    ProcessCode,
    transition_check,
)
from .common import current_time, local_day, locked, raise_errors, require_director

# Art. 42: an extension of up to 10 working days, with the head's approval (15 for joint,
# unified or centralised handling: catalog_cms.standards.vocab.extension_ceiling).
MAX_EXTENSION_DAYS = EXTENSION_MAX_DAYS


# 急办: the reason, as long as a request in the approval queue may be.
URGENT_REASON_MAX = CaseFee._meta.get_field("waiver_reason").max_length


def deadline_refresh(case: Case) -> None:
    """Recompute the promised date from acceptance, limit, extension and closed pauses, on the
    official calendar (行政许可法 art. 82; a center's closures never move it, see clock)."""
    if case.accepted_on is None:
        case.due_date, case.due_provisional = None, False
        return
    days = case.promised_days + case.extension_days + case.paused_days
    if case.kind == CaseKind.INSTANT and days == 0:
        # 即办件: the same day, a 调休 or duty day included (clock.instant_due_date).
        case.due_date, case.due_provisional = clock.instant_due_date(case.accepted_on)
        return
    case.due_date, case.due_provisional = clock.due_date(case.accepted_on, days)
    if case.kind == CaseKind.JOINT and case.pk:
        for task in case.tasks.filter(signed_off_at__isnull=True):
            due = task_due(case, task.days)
            if due != task.due_date:
                task.due_date = due
                task.save(update_fields=["due_date"])


def urgent_target(case: Case) -> datetime.date | None:
    """A 急办件's internal target (seed plan 1 六办件): the center's share of the promised
    working days (CenterProfile.urgent_target_percent, default half), rounded up, counted
    from acceptance (from receipt while not accepted yet) on the working-day calendar."""
    from centers.workspace.models import CenterProfile

    if not case.urgent:
        return None
    percent = CenterProfile.objects.values_list("urgent_target_percent", flat=True).first() or 50
    days = -(-case.promised_days * percent // 100)
    start = case.accepted_on or case.received_on
    if days == 0 and case.kind == CaseKind.INSTANT:
        return clock.instant_due_date(start)[0]
    return clock.due_date(start, days)[0]


def task_due(case: Case, days: int | None) -> datetime.date | None:
    """A 联办 department's due date (seed plan 1: 在规定时限内办结): its working days from the
    acceptance on the working-day calendar, moved by the case's pauses like the case's own,
    and never later than the case's promised date. No days of its own: the case's date."""
    if case.accepted_on is None or case.due_date is None:
        return None
    if days is None:
        return case.due_date
    due, _provisional = clock.due_date(case.accepted_on, days + case.paused_days)
    return min(due, case.due_date)


def department_terms_check(case_or_matter, departments, terms: dict | None) -> dict:
    """Each co-department's part (seed plan 1, 并联审批告知单): what it needs (free text, up
    to 500 characters) and its working days within the case's term (a whole number from 1 to
    the promised days; default: the whole term). `terms` maps a department's pk to
    {"needs": …, "days": …}. Returns {pk: {"needs": str, "days": int | None}}."""
    errors: dict[str, list[str]] = {}
    limit = max(1, getattr(case_or_matter, "promised_days", 0) or 0)
    result = {}
    terms = terms or {}
    for department in departments:
        given = terms.get(department.pk) or terms.get(str(department.pk)) or {}
        needs = (given.get("needs") or "").strip()
        days = given.get("days")
        if days in ("", None):
            days = None
        else:
            try:
                days = int(days)
            except (TypeError, ValueError):
                days = 0
            if not 1 <= days <= limit:
                errors.setdefault("department_terms", []).append(
                    coded(
                        _(
                            "%(department)s: its working days must be 1 to %(max)s "
                            "(the case's term)."
                        )
                        % {"department": department.name, "max": limit},
                        CaseErrorCode.INVALID,
                    )
                )
        if len(needs) > 500:
            errors.setdefault("department_terms", []).append(
                coded(
                    _("%(department)s: say what it needs in at most 500 characters.")
                    % {"department": department.name},
                    CaseErrorCode.TOO_LONG,
                )
            )
        result[department.pk] = {"needs": needs[:500], "days": days}
    raise_errors(errors)
    return result


def pause_close(case: Case, today: datetime.date) -> ClockPause | None:
    pause = case.pauses.filter(end_on__isnull=True).first()
    if pause is None:
        return None
    pause.end_on = today
    # Before acceptance the clock was not running, so nothing is paused.
    pause.paused_days = (
        clock.paused_working_days(max(pause.start_on, case.accepted_on), today)
        if case.accepted_on is not None and case.accepted_on <= today
        else 0
    )
    pause.save()
    case.paused_days += pause.paused_days
    return pause


def case_special_start(
    *,
    actor,
    case: Case,
    kind: str,
    reason: str,
    expected_days: int | None = None,
    now: datetime.datetime | None = None,
) -> Case:
    """A special procedure outside the time limit (art. 45): hearing, inspection, testing,
    expert review. The clock stops, and the applicant is told in writing how long it takes
    (特别程序告知书, kept with the case and sent by SMS)."""
    now = current_time(now)
    errors: dict[str, list[str]] = {}
    if kind not in SPECIAL_PAUSE_KINDS:
        errors["kind"] = [
            coded(
                _("Choose hearing, inspection, testing, expert review or other."),
                CaseErrorCode.INVALID,
            )
        ]
    if not (reason or "").strip():
        errors["reason"] = [
            coded(_("Give the reason for the special procedure."), CaseErrorCode.REQUIRED)
        ]
    try:
        expected_days = int(expected_days) if expected_days is not None else None
    except (TypeError, ValueError):
        expected_days = 0
    if expected_days is None:
        errors["expected_days"] = [
            coded(
                _(
                    "Say how many working days it is expected to take: the applicant is told in "
                    "writing (art. 45)."
                ),
                CaseErrorCode.REQUIRED,
            )
        ]
    elif not (0 < expected_days <= 365):
        errors["expected_days"] = [
            coded(_("Expected working days must be between 1 and 365."), CaseErrorCode.INVALID)
        ]
    with transaction.atomic():
        case = locked(case)
        transition_check("start_special", case.status, actor)
        raise_errors(errors)
        today = local_day(now)
        ClockPause.objects.create(
            case=case,
            kind=kind,
            reason=reason.strip()[:300],
            expected_days=expected_days,
            start_on=today,
        )
        case.status = CaseStatus.SPECIAL_PROCEDURE
        case.save()
        document = notices.issue(case, DocumentKind.SPECIAL_PROCEDURE_NOTICE)
        record(
            case,
            actor,
            CaseAction.START_SPECIAL,
            at=now,
            from_status=CaseStatus.ACCEPTED,
            code=ProcessCode.SPECIAL_START,
            reason=reason.strip(),
            detail={"kind": kind, "expected_days": expected_days},
            attachments=[document_attachment(document)],
            notify=True,
        )
    return case


def case_special_end(
    *, actor, case: Case, result: str = "", now: datetime.datetime | None = None
) -> Case:
    now = current_time(now)
    with transaction.atomic():
        case = locked(case)
        transition_check("end_special", case.status, actor)
        pause = pause_close(case, local_day(now))
        case.status = CaseStatus.ACCEPTED
        deadline_refresh(case)
        case.save()
        record(
            case,
            actor,
            CaseAction.END_SPECIAL,
            at=now,
            from_status=CaseStatus.SPECIAL_PROCEDURE,
            code=ProcessCode.SPECIAL_END,
            reason=(result or "").strip(),
            detail={
                "paused_days": getattr(pause, "paused_days", 0),
                "due_date": case.due_date.isoformat() if case.due_date else None,
            },
        )
    return case


APPROVER_TEXT_MAX = 50


def case_extend(
    *,
    actor,
    case: Case,
    days: int,
    reason: str,
    approver_name: str = "",
    approver_post: str = "",
    now: datetime.datetime | None = None,
) -> Case:
    """延长审批 (行政许可法 art. 42): the case's own maximum in all (`Case.extension_max_days`,
    taken from the matter at intake: 10 working days on the 20-day limit, 15 on the 45-day
    limit of joint, unified or centralised handling, or less if the template says so), with
    a reason, approved by the head of the authority (本行政机关负责人) or, for concerted
    handling, of the people's government (本级人民政府负责人): the approving official's name
    and post are recorded and printed, not only the user who entered it."""
    now = current_time(now)
    errors: dict[str, list[str]] = {}
    try:
        days = int(days)
    except (TypeError, ValueError):
        days = 0
    if not (reason or "").strip():
        errors["reason"] = [coded(_("Give the reason for the extension."), CaseErrorCode.REQUIRED)]
    approver_name = (approver_name or "").strip()
    approver_post = (approver_post or "").strip()
    if not approver_name:
        errors["approver_name"] = [
            coded(_("Name the official who approved the extension."), CaseErrorCode.REQUIRED)
        ]
    elif len(approver_name) > APPROVER_TEXT_MAX:
        errors["approver_name"] = [
            coded(
                _("At most %(max)s characters.") % {"max": APPROVER_TEXT_MAX},
                CaseErrorCode.TOO_LONG,
            )
        ]
    if not approver_post:
        errors["approver_post"] = [
            coded(_("Give the approving official's post."), CaseErrorCode.REQUIRED)
        ]
    elif len(approver_post) > APPROVER_TEXT_MAX:
        errors["approver_post"] = [
            coded(
                _("At most %(max)s characters.") % {"max": APPROVER_TEXT_MAX},
                CaseErrorCode.TOO_LONG,
            )
        ]
    with transaction.atomic():
        case = locked(case)
        transition_check("extend", case.status, actor)
        require_director(actor, _("an extension"))
        if days < 1 or case.extension_days + days > case.extension_max_days:
            errors["days"] = [
                coded(
                    _(
                        "An extension is 1 to %(max)s working days in all; "
                        "%(used)s are already granted."
                    )
                    % {"max": case.extension_max_days, "used": case.extension_days},
                    CaseErrorCode.EXTENSION_BEYOND_MAXIMUM,
                )
            ]
        raise_errors(errors)
        capacity = selectors.extension_approver_capacity(case)
        before = case.due_date
        case.extension_days += days
        deadline_refresh(case)
        case.save()
        document = notices.issue(
            case,
            DocumentKind.EXTENSION_NOTICE,
            facts={
                "days": days,
                "reason": reason.strip(),
                "due_before": before,
                "approver_name": approver_name,
                "approver_post": approver_post,
                "approver_capacity": capacity,
                "entered_by": notices.person_name(actor),
                "issued_on": local_day(now),
            },
        )
        record(
            case,
            actor,
            CaseAction.EXTEND,
            at=now,
            from_status=case.status,
            reason=reason.strip(),
            attachments=[document_attachment(document)],
            notify=True,
            detail={
                "days": days,
                "approved_by": actor.pk if actor else None,
                "approver_name": approver_name,
                "approver_post": approver_post,
                "approver_capacity": capacity,
                "max_days": case.extension_max_days,
                "due_before": before.isoformat() if before else None,
                "due_date": case.due_date.isoformat() if case.due_date else None,
            },
        )
    return case


def urgent_mark(case: Case, actor, now: datetime.datetime, reason: str) -> None:
    case.urgent = True
    case.urgent_reason = reason
    case.urgent_confirmed_by = actor
    case.urgent_target_date = urgent_target(case)
    case.save()
    record(
        case,
        actor,
        CaseAction.MARK_URGENT,
        at=now,
        from_status=case.status,
        reason=reason,
        detail={
            "confirmed_by": getattr(actor, "pk", None),
            "target_date": (
                case.urgent_target_date.isoformat() if case.urgent_target_date else None
            ),
        },
    )


def case_mark_urgent(
    *, actor, case: Case, reason: str, now: datetime.datetime | None = None
) -> Case:
    """Mark an open case 急办件 (seed plan 1 六办件: handled first, led by the center), with
    the reason, confirmed by the director or today's duty leader
    (`selectors.urgent_confirm_refusal`; a clerk asks through the approval queue). It gets
    the center's internal target date (`urgent_target`), which supervision's urgent_late
    watches."""
    now = current_time(now)
    reason = (reason or "").strip()
    with transaction.atomic():
        case = locked(case)
        transition_check("mark_urgent", case.status, actor)
        refusal = selectors.urgent_confirm_refusal(actor, local_day(now))
        if refusal:
            raise denied(refusal, CaseErrorCode.URGENT_NOT_CONFIRMER)
        if case.urgent:
            raise ValidationError(
                {
                    "urgent": [
                        coded(_("The case is already urgent (急办)."), CaseErrorCode.ALREADY_URGENT)
                    ]
                }
            )
        if not reason:
            raise ValidationError(
                {"reason": [coded(_("Say why the case is urgent (急办)."), CaseErrorCode.REQUIRED)]}
            )
        urgent_mark(case, actor, now, reason)
    return case
