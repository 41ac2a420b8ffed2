"""Director approvals (领导审批) of a case: the clerk who has the applicant at the window asks,
the director approves or declines from the queue or the case page.

Four steps need the director: 急办 (seed plan 1 六办件, `services.case_mark_urgent`; today's
duty leader may also mark it directly, but the queue is the director's), a visit beyond two
(两次终结), a fee waiver (减免, `fees.fee_waive`) and a second one-time notice (二次补正, art.
32, `services.case_request_supplement`). An approved further visit is an allowance: the next
step that brings the applicant to a window (`services.common.count_visit`: recording a visit,
materials brought to a window, a result collected there) uses it, since the visit is counted
by that step. Without this round the director had to take them in person; now a clerk asks with a
reason (`approval_request`), the request waits in the director's queue, and `approval_decide`
either takes the step in the director's name (the same service, so its own checks and event
hold) or declines with a note the clerk reads. The request, the decision and the step are each
an event of the case, in one transaction per call. One request of a kind (per fee) waits at a
time: asking again returns it.
"""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from tenants.accounts.permissions import is_center_director

from . import fees, selectors
from .error_codes import CaseErrorCode, coded, denied
from .events import CaseAction, record
from .models import ApprovalRequest, Case, CaseFee
from .services import acceptance, time_limits
from .services.common import (
    VISITS_WITHOUT_APPROVAL,
    current_time,
    local_day,
    locked,
    materials_update,
    missing_lines,
    raise_errors,
)
from .states import TRANSITIONS, PauseKind, transition_check

Kind = ApprovalRequest.Kind
REASON_MAX = CaseFee._meta.get_field("waiver_reason").max_length
NOTE_MAX = 500


def request_refusal(user, case: Case, kind: str, fee: CaseFee | None = None) -> str | None:
    """Why `user` may not ask the director for a `kind` approval on `case` now, or None.
    The desk offers only the requests this allows; the service refuses the rest."""
    if is_center_director(user):
        return _("You are the director: take the step yourself.")
    if kind == Kind.FURTHER_VISIT:
        if case.status not in TRANSITIONS["record_visit"].sources:
            return _("The case is no longer open: no further visit can be recorded.")
        if case.visits < VISITS_WITHOUT_APPROVAL:
            return _("Visit %(n)s needs no approval: record it yourself.") % {"n": case.visits + 1}
        if selectors.further_visit_unused(case) is not None:
            return _("An approved further visit is not used yet: take the step.")
        return None
    if kind == Kind.SECOND_SUPPLEMENT:
        if case.status not in TRANSITIONS["request_supplement"].sources:
            return _("No one-time notice can be issued in this state.")
        if case.pauses.filter(kind=PauseKind.SUPPLEMENT, end_on__isnull=True).exists():
            return _("A one-time notice is already open.")
        if selectors.supplement_notices(case) < acceptance.NOTICES_WITHOUT_APPROVAL:
            return _("The first one-time notice needs no approval: issue it yourself.")
        return None
    if kind == Kind.FEE_WAIVER:
        if case.status not in TRANSITIONS["fee"].sources:
            return _("The case takes no fee step any more.")
        if fee is None or fee.case_id != case.pk:
            return _("Choose an unpaid fee of this case.")
        if fee.state != CaseFee.State.UNPAID:
            return _("“%(item)s” is not unpaid: nothing is left to waive.") % {"item": fee.item}
        return None
    if kind == Kind.URGENT:
        if case.status not in TRANSITIONS["mark_urgent"].sources:
            return _("The case is no longer open: it cannot be made urgent.")
        if case.urgent:
            return _("The case is already urgent (急办).")
        if user is not None and selectors.urgent_confirm_refusal(user, _today()) is None:
            return _("You lead today's duty: mark it urgent yourself.")
        return None
    return _("Choose a further visit, a fee waiver, a second one-time notice or 急办.")


def _today() -> datetime.date:
    return local_day(current_time(None))


STEP_OF_KIND = {
    Kind.FURTHER_VISIT: "record_visit",
    Kind.FEE_WAIVER: "fee",
    Kind.URGENT: "mark_urgent",
    Kind.SECOND_SUPPLEMENT: "request_supplement",
}


def _pending(case: Case, kind: str, fee: CaseFee | None):
    return ApprovalRequest.objects.filter(
        case=case, kind=kind, fee=fee, state=ApprovalRequest.State.PENDING
    ).first()


def approval_request(
    *,
    actor,
    case: Case,
    kind: str,
    reason: str,
    fee: CaseFee | None = None,
    materials=None,
    now: datetime.datetime | None = None,
) -> ApprovalRequest:
    """Ask the director to approve a further visit, a fee waiver or a second one-time notice
    (with `materials`: the lines it will list, checked now), with the reason. Asking again
    while one waits returns the waiting request unchanged."""
    now = current_time(now)
    reason = (reason or "").strip()
    errors: dict[str, list[str]] = {}
    if not reason:
        errors["reason"] = [
            coded(_("Say why the director should approve it."), CaseErrorCode.REQUIRED)
        ]
    elif len(reason) > REASON_MAX:
        errors["reason"] = [
            coded(
                _("The reason is longer than %(max)s characters.") % {"max": REASON_MAX},
                CaseErrorCode.TOO_LONG,
            )
        ]
    if kind != Kind.FEE_WAIVER:
        fee = None
    with transaction.atomic():
        case = locked(case)
        transition_check(STEP_OF_KIND.get(kind, "record_visit"), case.status, actor)
        if fee is not None:
            fee = CaseFee.objects.select_for_update().filter(pk=fee.pk).first()
        refusal = request_refusal(actor, case, kind, fee)
        if refusal:
            on_fee = kind == Kind.FEE_WAIVER and not is_center_director(actor)
            errors["fee" if on_fee else "kind"] = [
                coded(refusal, CaseErrorCode.APPROVAL_NOT_ASKABLE)
            ]
        raise_errors(errors)
        # Under the case's row lock a second click finds the first request; the partial unique
        # keys hold the rule in the database too.
        waiting = _pending(case, kind, fee)
        if waiting is not None:
            return waiting
        detail = {}
        if kind == Kind.SECOND_SUPPLEMENT:
            detail["materials"] = _notice_lines(case, materials)
        request = ApprovalRequest.objects.create(
            case=case,
            kind=kind,
            fee=fee,
            reason=reason,
            requested_by=actor,
            requested_at=now,
            detail=detail,
        )
        record(
            case,
            actor,
            CaseAction.APPROVAL_REQUESTED,
            at=now,
            from_status=case.status,
            reason=reason,
            detail={"approval": request.pk, "kind": kind, "fee": getattr(fee, "pk", None)},
        )
    return request


def approval_decide(
    *,
    actor,
    case: Case,
    request: ApprovalRequest,
    approve: bool,
    note: str = "",
    waiver: dict | None = None,
    now: datetime.datetime | None = None,
) -> ApprovalRequest:
    """The director approves (the step is taken in the director's name, with the clerk's
    reason) or declines (with a note for the clerk). A request decided already is refused.
    Approving a fee waiver passes `waiver` (the policy basis and, where the district or the
    city approves, their official and approval document) to `fees.fee_waive`."""
    now = current_time(now)
    note = (note or "").strip()
    with transaction.atomic():
        case = locked(case)
        request = (
            ApprovalRequest.objects.select_for_update().filter(pk=request.pk, case=case).first()
        )
        if request is None:
            raise ValidationError(
                {
                    "request": [
                        coded(_("No such request on this case."), CaseErrorCode.APPROVAL_NOT_FOUND)
                    ]
                }
            )
        if actor is not None and not is_center_director(actor):
            raise denied(
                _("Only the center director decides an approval request."),
                CaseErrorCode.DIRECTOR_ONLY,
            )
        if request.state != ApprovalRequest.State.PENDING:
            raise ValidationError(
                {
                    "request": [
                        coded(
                            _("This request was already decided (%(state)s) on %(day)s.")
                            % {
                                "state": request.get_state_display(),
                                "day": local_day(request.decided_at).isoformat(),
                            },
                            CaseErrorCode.APPROVAL_ALREADY_DECIDED,
                        )
                    ]
                }
            )
        if not approve and not note:
            raise ValidationError(
                {
                    "note": [
                        coded(
                            _("Say why it is declined: the clerk reads it."), CaseErrorCode.REQUIRED
                        )
                    ]
                }
            )
        if len(note) > NOTE_MAX:
            raise ValidationError(
                {
                    "note": [
                        coded(
                            _("The note is longer than %(max)s characters.") % {"max": NOTE_MAX},
                            CaseErrorCode.TOO_LONG,
                        )
                    ]
                }
            )
        # Decided first, so that the step's own lapse check does not count it as waiting;
        # a step that refuses rolls all of it back.
        request.state = (
            ApprovalRequest.State.APPROVED if approve else ApprovalRequest.State.DECLINED
        )
        request.decided_by = actor
        request.decided_at = now
        request.decision_note = note
        request.save(update_fields=["state", "decided_by", "decided_at", "decision_note"])
        if approve and request.kind == Kind.SECOND_SUPPLEMENT:
            acceptance.case_request_supplement(
                actor=actor,
                case=case,
                materials=request.detail.get("materials") or [],
                reason=request.reason,
                approval=request,
                now=now,
            )
        elif approve and request.kind == Kind.URGENT:
            time_limits.case_mark_urgent(actor=actor, case=case, reason=request.reason, now=now)
        elif approve and request.kind == Kind.FEE_WAIVER:
            fees.fee_waive(
                actor=actor,
                fee=request.fee,
                reason=request.reason,
                now=now,
                **{
                    key: value for key, value in (waiver or {}).items() if key in fees.WAIVER_FIELDS
                },
            )
        # An approved further visit waits for the step that brings the applicant in.
        record(
            case,
            actor,
            CaseAction.APPROVAL_DECIDED,
            at=now,
            from_status=case.status,
            reason=note,
            detail={
                "approval": request.pk,
                "kind": request.kind,
                "approved": approve,
                "requested_by": request.requested_by_id,
            },
        )
    return request


def _notice_lines(case: Case, materials) -> list[dict]:
    """The material lines a second one-time notice will list, checked as the notice checks
    them (nothing is saved): at least one missing or defective."""
    lines = materials_update(case, materials or [], save=False)
    missing = missing_lines(lines)
    if not missing:
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
    given = {(m.get("name") or "").strip() for m in materials or []}
    return [
        {"name": line.name, "state": line.state, "note": line.note}
        for line in lines
        if line.name in given
    ]


def lapse_moot(*, case: Case, actor, now: datetime.datetime) -> list[int]:
    """Inside the transaction of a step that ended the case or settled a fee: the requests
    waiting on `case` that could no longer be asked (a further visit of a case closed,
    withdrawn or refused; the waiver of a fee paid or waived meanwhile) lapse, with the reason,
    in one event. Called by `services.case_close`, `case_withdraw`, `case_refuse` and
    `fees.fee_pay`, `fee_waive`."""
    lapsed = []
    for request in ApprovalRequest.objects.select_for_update().filter(
        case=case, state=ApprovalRequest.State.PENDING
    ):
        fee = CaseFee.objects.filter(pk=request.fee_id).first() if request.fee_id else None
        refusal = request_refusal(None, case, request.kind, fee)
        if refusal is None:
            continue
        request.state = ApprovalRequest.State.LAPSED
        request.decided_at = now
        request.decision_note = refusal
        request.save(update_fields=["state", "decided_at", "decision_note"])
        lapsed.append(request.pk)
    if lapsed:
        record(
            case,
            actor,
            CaseAction.APPROVALS_LAPSED,
            at=now,
            from_status=case.status,
            detail={"approvals": lapsed},
        )
    return lapsed


QUEUE_DECIDED_SHOWN = 50


def _visible_to(user):
    """The requests `user` has to see: the director all of the center's, anyone else their own."""
    requests = ApprovalRequest.objects.select_related("case", "fee", "requested_by", "decided_by")
    return requests if is_center_director(user) else requests.filter(requested_by=user)


def waiting_for(user, *, limit: int | None = None) -> list[ApprovalRequest]:
    """The requests still waiting that `user` has to see, oldest first (the first `limit`)."""
    waiting = _visible_to(user).filter(state=ApprovalRequest.State.PENDING)
    return list(waiting.order_by("requested_at", "pk")[:limit])


def approvals_for(user) -> tuple[list[ApprovalRequest], list[ApprovalRequest]]:
    """(waiting, recently decided) requests that `user` has to see. Waiting ones oldest first,
    decided ones newest first."""
    decided = _visible_to(user).exclude(state=ApprovalRequest.State.PENDING)
    return waiting_for(user), list(decided.order_by("-decided_at", "-pk")[:QUEUE_DECIDED_SHOWN])


DECIDED_LATELY_DAYS = 3


def decided_lately(user, *, now: datetime.datetime | None = None) -> list[ApprovalRequest]:
    """`user`'s own requests decided (or lapsed) in the last few days, newest first: what the
    clerk's home page tells them."""
    since = current_time(now) - datetime.timedelta(days=DECIDED_LATELY_DAYS)
    return list(
        ApprovalRequest.objects.filter(requested_by=user, decided_at__gte=since)
        .select_related("case", "fee", "requested_by", "decided_by")
        .order_by("-decided_at", "-pk")[:5]
    )


def waiting_count() -> int:
    return ApprovalRequest.objects.filter(state=ApprovalRequest.State.PENDING).count()


def waiting_on(case: Case) -> list[ApprovalRequest]:
    """The requests waiting on `case` (from `selectors.case_for_desk`'s prefetch when there)."""
    return [r for r in case.approval_requests.all() if r.state == ApprovalRequest.State.PENDING]


def requests_offered(user, case: Case) -> tuple[list[str], list[CaseFee]]:
    """What `user` may ask the director for on `case` now: the kinds, and the unpaid fees
    whose waiver may be asked (none already waiting). Reads the case's requests and fees as
    `selectors.case_for_desk` prefetches them."""
    waiting = waiting_on(case)
    kinds: list[str] = []
    if request_refusal(user, case, Kind.FURTHER_VISIT) is None and not any(
        r.kind == Kind.FURTHER_VISIT for r in waiting
    ):
        kinds.append(Kind.FURTHER_VISIT)
    if request_refusal(user, case, Kind.URGENT) is None and not any(
        r.kind == Kind.URGENT for r in waiting
    ):
        kinds.append(Kind.URGENT)
    if request_refusal(user, case, Kind.SECOND_SUPPLEMENT) is None and not any(
        r.kind == Kind.SECOND_SUPPLEMENT for r in waiting
    ):
        kinds.append(Kind.SECOND_SUPPLEMENT)
    waiting_fees = {r.fee_id for r in waiting if r.kind == Kind.FEE_WAIVER}
    open_fees = [
        fee
        for fee in case.fees.all()
        if fee.pk not in waiting_fees and request_refusal(user, case, Kind.FEE_WAIVER, fee) is None
    ]
    if open_fees:
        kinds.append(Kind.FEE_WAIVER)
    return kinds, open_fees
