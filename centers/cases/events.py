"""The one writer of a case's history (CaseEvent, append-only) and of what an event sets off
in the same transaction: the applicant's SMS (`notifications`, sent after the commit) and, on
a case shared with another center through the exchange (上报件), the status or decision told
to that center (`referral_updates.after_event`).

Every step names its event by `CaseAction`, the vocabulary of `CaseEvent.action`: a step of
`states.TRANSITIONS` is recorded under its own name (the objection steps as
`objection_filed` / `objection_answered`), and the events that are not steps (a department
starting, a fee, an approval, the other center's news) are listed beside them. The column
keeps no `choices=`: the stored strings are these values already.
"""

from __future__ import annotations

import datetime

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override

from tenants.accounts.labels import actor_label

from . import notifications
from .models import Case, CaseDocument, CaseEvent
from .referral_updates import after_event
from .states import NEW, Channel


class CaseAction(models.TextChoices):
    """Every value `CaseEvent.action` takes. The stored strings are the names of the steps
    of `states.TRANSITIONS` (and the events beside them); they never change."""

    # steps of states.TRANSITIONS
    RECEIVE = "receive"
    ACCEPT = "accept"
    REQUEST_SUPPLEMENT = "request_supplement"
    COMPLETE_SUPPLEMENT = "complete_supplement"
    REFUSE = "refuse"
    START_SPECIAL = "start_special"
    END_SPECIAL = "end_special"
    EXTEND = "extend"
    REASSIGN = "reassign"
    RECORD_VISIT = "record_visit"
    TASK_SIGN_OFF = "task_sign_off"
    CLOSE = "close"
    ISSUE_CERTIFICATE = "issue_certificate"
    TOLERANCE_RECEIVE = "tolerance_receive"
    TOLERANCE_WAIVE = "tolerance_waive"
    MARK_URGENT = "mark_urgent"
    WITHDRAW = "withdraw"
    REVOKE = "revoke"
    REFER_UP = "refer_up"
    REFERRAL_DECIDED = "referral_decided"
    CONFIRM_DUE_DATE = "confirm_due_date"
    # events beside the steps
    ATTACH = "attach"
    TASK_START = "task_start"
    FEE_PAID = "fee_paid"
    FEE_WAIVED = "fee_waived"
    APPROVAL_REQUESTED = "approval_requested"
    APPROVAL_DECIDED = "approval_decided"
    APPROVALS_LAPSED = "approvals_lapsed"
    OBJECTION_FILED = "objection_filed"
    OBJECTION_ANSWERED = "objection_answered"
    REMOTE_STATUS = "remote_status"
    REMOTE_WITHDRAWAL = "remote_withdrawal"
    RATING_REPLY = "rating_reply"


def document_attachment(document: CaseDocument) -> dict:
    """How an event names the notice it issued (the desk and the API link it)."""
    return {"kind": "document", "id": document.pk, "name": document.get_kind_display()}


def record(
    case: Case,
    actor,
    action: CaseAction,
    *,
    at: datetime.datetime,
    from_status: str,
    code: int | None = None,
    reason: str = "",
    detail: dict | None = None,
    attachments: list | None = None,
    notify: bool = False,
    actor_name: str | None = None,
) -> CaseEvent:
    """Write the event of a step, in the step's transaction (after the case is saved: the
    event's `to_status` is the case's status now). `notify`: queue the applicant's SMS for
    it (`notifications`; a forwarded case's applicant hears from the township that took it,
    not from here). A case with a referral key tells the other center."""
    event = CaseEvent.objects.create(
        case=case,
        at=at,
        actor=actor,
        actor_name=actor_name or actor_label(actor),
        action=action,
        from_status="" if from_status == NEW else from_status,
        to_status=case.status,
        process_code=code,
        reason=reason,
        detail=detail or {},
        attachments=attachments or [],
    )
    if notify and case.channel != Channel.REFERRAL:
        notifications.queue_for_event(event)
    if case.referral_key:
        after_event(event)  # tell the other center (上报件), in this transaction
    return event


def rating_reply_record(
    *, case: Case, actor, actor_name: str, rectification_id: int, text: str, center_name: str
) -> CaseEvent:
    """差评整改: the written reply to the resident who rated the case (evaluation.rectification),
    kept in the case's history and sent by SMS. The step keeps the case's state and stays
    internal on the public progress page."""
    event = record(
        case,
        actor,
        CaseAction.RATING_REPLY,
        at=timezone.now(),
        from_status=case.status,
        detail={"rectification": rectification_id},
        actor_name=actor_name,
    )
    if case.applicant_phone:
        with override("zh-hans"):
            message = _(
                "【%(center)s】关于您对“%(matter)s”（编号%(receipt)s）的评价，答复如下：%(reply)s"
            ) % {
                "center": center_name,
                "matter": case.matter_name,
                "receipt": case.receipt_number,
                "reply": text,
            }
        notifications.queue_text(event, message)
    return event
