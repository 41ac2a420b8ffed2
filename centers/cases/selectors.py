"""Reads of cases that the desk, the API, exports and the portal share.

Lists are designed for a center holding a million cases: every filter is served by an index
(see Case.Meta.indexes), pages are cut by keyset (received_at, id) rather than OFFSET, and
the remaining working days are computed for the rows of one page only."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from centers.catalog.models import LocalMatter
from centers.workspace.models import Closure, Post, ServicePoint, Window
from centers.workspace.selectors import absent_user_ids, department_window_staff_ids
from cityplatform.pii import lookup_hash
from tenants.accounts.models import CENTER_ROLES, Role, User
from tenants.accounts.permissions import is_center_director, is_village_agent
from tenants.selectors import current_center

from . import clock
from .models import ApprovalRequest, Case, CaseDocument, CaseFile, CaseMaterial, CaseTask
from .personal_data import is_id_number
from .states import (
    CLOCK_RUNNING_STATUSES,
    OPEN_STATUSES,
    REVOCABLE_DECISIONS,
    CaseStatus,
    Channel,
    Decision,
    PauseKind,
)


def case_queryset() -> QuerySet[Case]:
    return Case.objects.select_related("window", "owner", "first_contact", "matter")


def covered_owner_ids(user, day: datetime.date) -> set[int]:
    """The owners whose cases `user` sees as their B post holder: A holders of the user's B
    posts who are absent on `day`."""
    a_holders = set(Post.objects.filter(holder_b=user).values_list("holder_a_id", flat=True))
    if not a_holders:
        return set()
    return a_holders & absent_user_ids(day)


def my_cases_filter(user, day: datetime.date) -> Q:
    """Cases the user owns, and those of absent colleagues whose B post the user holds."""
    return Q(owner=user) | Q(owner_id__in=covered_owner_ids(user, day))


@dataclass(frozen=True)
class CaseFilters:
    status: str | None = None  # a CaseStatus value, "open" or None for all
    window_id: int | None = None
    overdue: bool = False
    urgent: bool = False
    mine_for: object | None = None  # a user: only "my cases"
    matter_code: str | None = None
    query: str | None = None  # receipt number prefix, applicant name or full ID number
    approval_waiting: bool = False  # only cases with a request waiting for the director


def cases_filtered(filters: CaseFilters, today: datetime.date | None = None) -> QuerySet[Case]:
    today = today or clock.local_today()
    cases = case_queryset()
    if filters.status == "open":
        cases = cases.filter(status__in=OPEN_STATUSES)
    elif filters.status:
        cases = cases.filter(status=filters.status)
    if filters.window_id:
        cases = cases.filter(window_id=filters.window_id)
    if filters.overdue:
        cases = cases.filter(status__in=CLOCK_RUNNING_STATUSES, due_date__lt=today)
    if filters.urgent:
        cases = cases.filter(urgent=True)
    if filters.approval_waiting:
        cases = cases.filter(
            pk__in=ApprovalRequest.objects.filter(state=ApprovalRequest.State.PENDING).values(
                "case_id"
            )
        )
    if filters.mine_for is not None:
        cases = cases.filter(my_cases_filter(filters.mine_for, today))
    if filters.matter_code:
        cases = cases.filter(matter_code=filters.matter_code)
    if filters.query:
        q = filters.query.strip()
        if is_id_number(q):  # through the keyed hash: the ID number itself is encrypted
            cases = cases.filter(applicant_id_hash=lookup_hash(q.replace(" ", "")))
        elif q.isdigit():
            # A receipt is the division code + date + sequence (the older ones only date +
            # sequence): the clerk may type it from the date on, as before.
            code = current_center().division_code
            cases = cases.filter(
                Q(receipt_number__startswith=q) | Q(receipt_number__startswith=code + q)
            )
        else:
            cases = cases.filter(applicant_name=q)
    return cases.order_by("-urgent", "-received_at", "-id")


def case_page(
    cases: QuerySet[Case], *, after: tuple | None = None, size: int = 50
) -> tuple[list[Case], tuple | None]:
    """One page by keyset on (urgent, received_at, id), newest first; returns (rows, cursor of
    the next page or None)."""
    if after is not None:
        urgent, received_at, pk = after
        cases = cases.filter(
            Q(urgent__lt=urgent)
            | Q(urgent=urgent, received_at__lt=received_at)
            | Q(urgent=urgent, received_at=received_at, id__lt=pk)
        )
    rows = list(cases[: size + 1])
    more = len(rows) > size
    rows = rows[:size]
    cursor = (rows[-1].urgent, rows[-1].received_at, rows[-1].pk) if more and rows else None
    return rows, cursor


@dataclass(frozen=True)
class Deadline:
    due_date: datetime.date | None
    provisional: bool
    remaining: int | None  # working days left (negative: overdue by), None when no clock
    overdue: bool
    paused: bool

    @property
    def overdue_by(self) -> int:
        """Working days past the promised date (0 when not overdue)."""
        return max(0, -(self.remaining or 0)) if self.overdue else 0


def deadline_of(
    case: Case, today: datetime.date, working_days: clock.WorkingDays | None = None
) -> Deadline:
    """What the desk shows next to a case: promised date, official working days left (art.
    82: never the center's closures), overdue."""
    paused = case.status in (CaseStatus.SUPPLEMENTING, CaseStatus.SPECIAL_PROCEDURE) and (
        case.accepted_on is not None
    )
    if case.due_date is None or case.status not in OPEN_STATUSES:
        return Deadline(case.due_date, case.due_provisional, None, False, paused)
    remaining = clock.working_days_left(case.due_date, today, working_days or clock.WorkingDays())
    overdue = case.status in CLOCK_RUNNING_STATUSES and case.due_date < today
    return Deadline(case.due_date, case.due_provisional, remaining, overdue, paused)


def deadlines_for(cases, today: datetime.date | None = None) -> dict[int, Deadline]:
    """Deadlines of a page of cases, reading each year's official calendar once."""
    today = today or clock.local_today()
    working_days = clock.WorkingDays()
    return {case.pk: deadline_of(case, today, working_days) for case in cases}


def closures_in_term(case: Case) -> list[Closure]:
    """The center's closures inside the term of a case whose clock runs (from `accepted_on` to
    the promised date, both included). 行政许可法 art. 82: a closure never moves a legal or
    promised date; it is a risk to the date, shown on the case (the desk, the API) and in the
    supervision list (`closure_in_term`, the same condition in SQL), nothing more."""
    if (
        case.status not in CLOCK_RUNNING_STATUSES
        or case.accepted_on is None
        or case.due_date is None
    ):
        return []
    return list(
        Closure.objects.filter(start_date__lte=case.due_date, end_date__gte=case.accepted_on)
    )


def case_by_receipt(receipt_number: str) -> Case | None:
    return case_queryset().filter(receipt_number=(receipt_number or "").strip()).first()


def case_history(case: Case):
    return case.events.select_related("actor").order_by("at", "pk")


# --- the case desk -----------------------------------------------------------------------------


def cursor_encode(cursor: tuple | None) -> str:
    """A page cursor of case_page as text for a URL ("" for none)."""
    if cursor is None:
        return ""
    urgent, received_at, pk = cursor
    return f"{int(bool(urgent))}_{received_at.isoformat()}_{int(pk)}"


def cursor_decode(text: str | None) -> tuple | None:
    """The cursor of cursor_encode, or None when the text is missing or not a cursor."""
    parts = (text or "").split("_")
    if len(parts) != 3 or parts[0] not in ("0", "1") or not parts[2].isdigit():
        return None
    try:
        received_at = datetime.datetime.fromisoformat(parts[1])
    except ValueError:
        return None
    if received_at.tzinfo is None:
        return None
    return parts[0] == "1", received_at, int(parts[2])


def case_by_idempotency_key(key: str | None) -> Case | None:
    if not key:
        return None
    return Case.objects.filter(idempotency_key=key).first()


def case_for_desk(receipt_number: str) -> Case | None:
    """A case with everything its desk page shows."""
    return (
        case_queryset()
        .select_related("service_point", "lead_department", "urgent_confirmed_by")
        .prefetch_related(
            "materials",
            "files__material",
            "documents",
            "tasks__department",
            "tasks__signed_off_by",
            "pauses",
            "fees",
            "objections__recorded_by",
            "objections__answered_by",
            "approval_requests__fee",
            "approval_requests__requested_by",
            "approval_requests__decided_by",
        )
        .filter(receipt_number=(receipt_number or "").strip())
        .first()
    )


def matters_for_intake() -> list[dict]:
    """The adopted matters as the intake form needs them (code, name, kind of handling,
    promised days, materials with their 容缺 mark), in code order."""
    rows = LocalMatter.objects.order_by("code").values(
        "code", "name", "mode", "promised_days", "legal_days", "materials"
    )
    return [
        {
            "code": row["code"],
            "name": row["name"],
            "mode": row["mode"],
            "promised_days": row["promised_days"],
            "legal_days": row["legal_days"],
            "materials": [
                {
                    "name": m.get("name", ""),
                    "required": bool(m.get("required", True)),
                    "originals": int(m.get("originals", 1) or 0),
                    "copies": int(m.get("copies", 0) or 0),
                    "note": m.get("note", "") or "",
                    # 容缺-eligible (the template's mark on a required material).
                    "tolerance": bool(m.get("tolerance")) and bool(m.get("required", True)),
                }
                for m in row["materials"] or []
                if m.get("name")
            ],
        }
        for row in rows
    ]


def matter_choices() -> list[dict]:
    """Code and name of every adopted matter, for the list's matter filter."""
    return list(LocalMatter.objects.order_by("code").values("code", "name"))


def case_handlers():
    """Staff who may own a case: window staff and the center director, active."""
    return User.objects.filter(
        is_active=True, role__in=[Role.WINDOW_STAFF, Role.CENTER_DIRECTOR]
    ).order_by("last_name", "first_name", "username")


def intake_staff():
    """Staff who may be the first contact (首问负责人): every active center role."""
    return User.objects.filter(is_active=True, role__in=CENTER_ROLES).order_by(
        "last_name", "first_name", "username"
    )


def service_points_for(user):
    """The service points a village agent works for (every point for center staff)."""
    points = ServicePoint.objects.order_by("name")
    if is_village_agent(user):
        return points.filter(agents=user)
    return points


def default_window_for(user):
    """The window a clerk sits at (the first one that lists them as staff), if any."""
    return Window.objects.filter(staff=user).order_by("number").first()


def case_scan(receipt_number: str, pk: int) -> CaseFile | None:
    return CaseFile.objects.filter(pk=pk, case__receipt_number=receipt_number).first()


def case_document(receipt_number: str, pk: int) -> CaseDocument | None:
    return CaseDocument.objects.filter(pk=pk, case__receipt_number=receipt_number).first()


def task_sign_off_refusal(user, case: Case, task: CaseTask) -> str | None:
    """Why `user` may not sign off a department's part of a joint case, or None if they may.
    A department stationed in the center signs at its own windows (their staff and A/B
    holders); one with no window here sends its opinion in writing, which the case's owner
    records. The director may sign for any department; so may the system (user None)."""
    if user is None or is_center_director(user):
        return None
    staff = department_window_staff_ids(task.department)
    if staff:
        if user.pk in staff:
            return None
        return _(
            "%(department)s signs off at its own windows: only their staff or the director "
            "may sign for it."
        ) % {"department": task.department.name}
    if user.pk == case.owner_id:
        return None
    return _(
        "%(department)s has no window in this center: the case's owner records its written "
        "opinion, or the director."
    ) % {"department": task.department.name}


def tasks_to_sign(user, case: Case) -> list[CaseTask]:
    """The parts of a joint case still open that `user` may sign off."""
    open_tasks = case.tasks.filter(signed_off_at__isnull=True).select_related("department")
    return [t for t in open_tasks if task_sign_off_refusal(user, case, t) is None]


def revocation_refusal(case: Case) -> str | None:
    """Why the decision of a closed case may not be revoked (撤销, art. 69), or None if it may:
    once only, only a decision that grants something, and only by the center that made it
    (the district, for a case this center forwarded)."""
    if case.revoked_at is not None:
        return _("This decision was already revoked on %(day)s.") % {
            "day": timezone.localdate(case.revoked_at).isoformat()
        }
    if case.decision not in REVOCABLE_DECISIONS:
        return _(
            "Only a decision that grants something can be revoked; this one is “%(decision)s”."
        ) % {"decision": case.get_decision_display() or "—"}
    if case.referral_key and case.channel != Channel.REFERRAL:
        return _("The district center (%(center)s) made this decision: only it may revoke it.") % {
            "center": case.remote_center
        }
    return None


# --- 行政许可法 arts. 42, 44 and 急办件 (issue 15) ---------------------------------------------


def extension_approver_capacity(case: Case) -> str:
    """Whose approval an extension needs (行政许可法 art. 42): the head of the authority
    (本行政机关负责人), or for joint, unified or centralised handling the head of the people's
    government at this level (本级人民政府负责人)."""
    from catalog_cms.standards.vocab import is_concerted

    matter = case.matter
    if case.kind == "joint" or is_concerted(matter.mode, matter.handling_form):
        return "本级人民政府负责人"
    return "本行政机关负责人"


def extension_days_left(case: Case) -> int:
    """Working days the case may still be extended by (art. 42, the case's own maximum)."""
    return max(case.extension_max_days - case.extension_days, 0)


def duty_leader_ids(day: datetime.date) -> set[int]:
    """Who leads the duty on `day` (DutyShift.leader, 带班领导)."""
    from centers.workspace.models import DutyShift

    return set(
        DutyShift.objects.filter(date=day, leader__isnull=False).values_list("leader_id", flat=True)
    )


def urgent_confirm_refusal(user, day: datetime.date) -> str | None:
    """Why `user` may not confirm a 急办件 on `day`, or None: the director confirms it, or
    whoever leads that day's duty (seed plan 1 六办件: 急办件 are led by the center). The
    service, the desk and the API's actions ask this one rule."""
    if user is None or is_center_director(user):
        return None
    if getattr(user, "pk", None) in duty_leader_ids(day):
        return None
    return _(
        "Only the director or today's duty leader confirms a 急办件: ask the director "
        "through the approval queue."
    )


def urgent_open_cases(limit: int = 20) -> list[Case]:
    """Open 急办件, the nearest internal target first (the director's home panel)."""
    from django.db.models import F

    return list(
        case_queryset()
        .filter(urgent=True, status__in=[str(s) for s in OPEN_STATUSES])
        .order_by(F("urgent_target_date").asc(nulls_last=True), "received_at")[:limit]
    )


def offered_step(name: str, user, case: Case) -> bool:
    """Whether the desk and the API offer step `name` (already allowed by the state table for
    the user's role) on `case`: the checks a step makes beyond its state and role."""
    if name == "revoke":
        return not revocation_refusal(case)
    if name == "mark_urgent":
        return not case.urgent and urgent_confirm_refusal(user, timezone.localdate()) is None
    if name == "issue_certificate":
        return certificate_refusal(case) is None
    if name == "extend":
        return extension_days_left(case) > 0
    return True


def certificate_refusal(case: Case) -> str | None:
    """Why no certificate issue can be recorded on `case` now, or None (art. 44)."""
    if case.status != CaseStatus.CLOSED or case.certificate_due_date is None:
        return _("No certificate is due on this case.")
    if case.certificate_issued_at is not None:
        return _("The certificate was already issued.")
    if case.revoked_at is not None:
        return _("The decision was revoked: no certificate is issued.")
    return None


# --- 统一收费: fees before the result -----------------------------------------------------------


def unpaid_fees(case: Case) -> list:
    """The case's fee items neither paid nor waived (from `case_for_desk`'s prefetch when
    there)."""
    from .models import CaseFee

    return [fee for fee in case.fees.all() if fee.state == CaseFee.State.UNPAID]


def handover_refusal(case: Case, decision: str | None = None) -> str | None:
    """Why the result of `case` may not be handed over (办结) now for want of a fee, or None.
    统一收费 (seed plan 3: fees are collected in the center's hall; seed plan 5: every
    matter's guide publishes its fee basis and standard): a result is handed over only once
    each fee item is paid or waived. A denial (不予批准) is exempt: it hands over no result,
    and the written decision with its reasons and remedies is the applicant's by law
    (行政许可法 art. 38(2)). The one rule of `services.case_close`, the desk's close form and
    the API (`handover_refusal` in the case detail, the 400 of close)."""
    from .states import Decision

    if decision == Decision.DENIED:
        return None
    unpaid = unpaid_fees(case)
    if not unpaid:
        return None
    items = "、".join(f"{fee.item} ¥{fee.amount}" for fee in unpaid)
    return _(
        "The result cannot be handed over while a fee is unpaid and not waived (统一收费): "
        "%(items)s. Record the payment or the waiver first."
    ) % {"items": items}


def late_tasks(case: Case, today: datetime.date | None = None) -> list[CaseTask]:
    """The departments of an open joint case not signed off after their own due date (seed
    plan 1: 不得相互推诿): named on the desk, in the API and by the joint_task_late alert."""
    if case.status not in OPEN_STATUSES:
        return []
    today = today or clock.local_today()
    return [
        t
        for t in case.tasks.all()
        if t.signed_off_at is None and t.due_date is not None and t.due_date < today
    ]


# --- 两次终结, 补正 and 容缺 ------------------------------------------------------------------


def supplement_notices(case: Case) -> int:
    """How many one-time notices the case has had (art. 32: one, a second is the director's)."""
    return case.pauses.filter(kind=PauseKind.SUPPLEMENT).count()


def visited_on(case: Case, day: datetime.date) -> bool:
    """Whether a visit of the applicant was counted on `day` (the events' visit markers)."""
    start = datetime.datetime.combine(
        day, datetime.time.min, tzinfo=timezone.get_current_timezone()
    )
    return case.events.filter(
        detail__visit=True, at__gte=start, at__lt=start + datetime.timedelta(days=1)
    ).exists()


def visits_counted(case: Case) -> int:
    """The applicant's visits recounted from the events (what `Case.visits` caches): the
    events marked as a visit, less those that were the same visit as an earlier one."""
    return case.events.filter(detail__visit=True).exclude(detail__has_key="same_visit").count()


def further_visit_unused(case: Case) -> ApprovalRequest | None:
    """The director's approved further-visit request (两次终结) that no visit has used yet."""
    used = {
        value
        for value in case.events.filter(detail__has_key="visit_approval").values_list(
            "detail__visit_approval", flat=True
        )
    }
    approved = ApprovalRequest.objects.filter(
        case=case,
        kind=ApprovalRequest.Kind.FURTHER_VISIT,
        state=ApprovalRequest.State.APPROVED,
    ).order_by("decided_at", "pk")
    return next((r for r in approved if r.pk not in used), None)


def visits_allowed(case: Case) -> int:
    """The visits the matter promises (到现场次数), where an applicant who chose to come to a
    window for a matter promising none has made the first one by choice."""
    if case.channel == Channel.WINDOW:
        return max(case.promised_visits, 1)
    return case.promised_visits


def tolerance_lines(case: Case) -> list[CaseMaterial]:
    """The case's 容缺 materials (pending, brought or waived), from the prefetch when there."""
    return [m for m in case.materials.all() if m.tolerance_due is not None]


def tolerance_pending(case: Case) -> list[CaseMaterial]:
    """The 容缺 materials still to come, with their promised dates."""
    return [m for m in case.materials.all() if m.state == CaseMaterial.State.TOLERATED]


def tolerance_close_refusal(case: Case, decision: str) -> str | None:
    """Why `case` may not close with `decision` because of 容缺, or None. A case accepted with
    容缺 closes as 容缺通过 (办理状态 12) once every 容缺 material is in or waived by the
    director, and while one is pending it can only be denied; a case without 容缺 never
    closes as 容缺通过."""
    lines = tolerance_lines(case)
    pending = [m for m in lines if m.state == CaseMaterial.State.TOLERATED]
    if pending and decision != Decision.DENIED:
        return _(
            "Waiting for the 容缺 material(s) %(names)s: the case closes as 容缺通过 once they "
            "are brought in or waived by the director."
        ) % {"names": "、".join(f"{m.name}（{m.tolerance_due.isoformat()}）" for m in pending)}
    if lines and decision in (Decision.APPROVED, Decision.CERTIFICATE_ISSUED):
        return _("This case was accepted with 容缺: it closes as 容缺通过 (办理状态 12).")
    if not lines and decision == Decision.APPROVED_TOLERANCE:
        return _("容缺通过 (办理状态 12) is for a case accepted with 容缺 only.")
    return None


def close_decisions(case: Case) -> list[str]:
    """The decisions `case` may close with now (the desk's choices, the API's answer)."""
    return [d for d in Decision.values if tolerance_close_refusal(case, d) is None]
