"""Either side of a 上报件 (see `referrals`): every transition of a case that has a referral key
is told to the other center, in the event's transaction, as an exchange message (the
district's close or refusal as the decision). Called by `events.record`; it writes no event
itself, so the case's history has one writer."""

from __future__ import annotations

import logging

from tenants.exchange import services as exchange
from tenants.exchange.models import MessageKind
from tenants.models import Center
from tenants.selectors import current_center

from .models import Case, CaseEvent
from .states import CaseStatus, Channel, Decision

log = logging.getLogger(__name__)

# Events that tell the other side something of their own accord (the township's referral and
# withdrawal send their own messages).
_SENT_BY_THEIR_SERVICE = frozenset({"refer_up", "withdraw"})
# Events that record what the other side said: never echoed back. The township's
# "referral_decided" is a transition of its own and is told to the district, but it carries
# the district's `seq` too.
REMOTE_ACTIONS = frozenset({"remote_status", "remote_withdrawal"})
DISTRICT_DECISION_STATUSES = frozenset({CaseStatus.CLOSED, CaseStatus.NOT_ACCEPTED})


def after_event(event: CaseEvent) -> None:
    """Called by events.record for every event of a case that has a referral key, inside
    the event's transaction: a transition is told to the other center (the district's close
    or refusal as the decision). Events that record the other side's news are not echoed."""
    case = event.case
    if event.action in REMOTE_ACTIONS:
        return
    if event.from_status == event.to_status and event.process_code is None:
        return  # not a transition: a visit, a fee, an attachment, a reassignment
    if case.channel == Channel.REFERRAL:  # the district's case
        decided = case.status in DISTRICT_DECISION_STATUSES and event.action in ("close", "refuse")
        kind = MessageKind.DECISION if decided else MessageKind.STATUS
    else:  # the township's case, after it was forwarded
        if event.action in _SENT_BY_THEIR_SERVICE:
            return
        kind = MessageKind.STATUS
    recipient = Center.objects.filter(slug=case.remote_center).first()
    if recipient is None:
        log.warning("case %s: the other center %s is gone", case.receipt_number, case.remote_center)
        return
    center = current_center()
    payload = {
        "status": case.status,
        "action": event.action,
        "process_code": event.process_code,
        "at": event.at.isoformat(),
        "seq": event.pk,
        "reason": event.reason,
        "receipt_number": case.receipt_number,
        "accepted_on": case.accepted_on.isoformat() if case.accepted_on else None,
        "due_date": case.due_date.isoformat() if case.due_date else None,
    }
    if kind == MessageKind.DECISION:
        payload |= _decision_payload(case)
    exchange.message_send(
        kind=kind,
        sender=center,
        recipient=recipient,
        referral_key=case.referral_key,
        key=f"{kind}:{case.referral_key}:{center.slug}:{event.pk}",
        payload=payload,
        sender_reference=case.receipt_number,
        recipient_reference=case.remote_receipt_number,
    )


def _decision_payload(case: Case) -> dict:
    if case.status == CaseStatus.NOT_ACCEPTED:
        reasons = case.refusal_reason
        if case.refusal_basis:
            reasons = f"{reasons}（{case.refusal_basis}）"
        return {"decision": Decision.DENIED, "decision_note": reasons, "refused": True}
    return {"decision": case.decision, "decision_note": case.decision_note, "refused": False}
