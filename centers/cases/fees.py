"""Fees of a case (统一收费): an item assessed at acceptance is either paid at the window, with
the payment reference, or waived with the center director's approval. Each step locks the case,
checks the "fee" row of states.TRANSITIONS and writes the case's append-only event, in one
transaction.

A waiver is the director's: taken in person, or by approving a clerk's request
(`approvals.approval_decide`), and either way the director is recorded as the approver. `now`
may be passed by demo data and tests.
"""

from __future__ import annotations

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from tenants.accounts.models import Role
from tenants.accounts.permissions import Capability, can

from . import services
from .models import CaseFee
from .states import transition_check

REFERENCE_MAX = CaseFee._meta.get_field("payment_reference").max_length
REASON_MAX = CaseFee._meta.get_field("waiver_reason").max_length


def may_waive(user) -> bool:
    """Only the center director approves a waiver (减免)."""
    return (
        user is not None
        and can(user, Capability.HANDLE_CASES)
        and getattr(user, "role", None) == Role.CENTER_DIRECTOR
    )


def _locked_fee(fee: CaseFee, actor):
    """The case and the fee under row locks, after the state table's check."""
    case = services._locked(fee.case)
    transition_check("fee", case.status, actor)
    return case, CaseFee.objects.select_for_update().get(pk=fee.pk)


def _not_unpaid(fee: CaseFee) -> ValidationError:
    if fee.state == CaseFee.State.PAID:
        paid_on = fee.paid_on.isoformat() if fee.paid_on else ""
        return ValidationError(
            {
                "fee": [
                    _(
                        "“%(item)s” was already paid on %(day)s (payment reference "
                        "%(reference)s): it cannot be paid or waived again."
                    )
                    % {"item": fee.item, "day": paid_on, "reference": fee.payment_reference}
                ]
            }
        )
    return ValidationError(
        {"fee": [_("“%(item)s” was waived: nothing is left to pay or waive.") % {"item": fee.item}]}
    )


def _detail(fee: CaseFee, **extra) -> dict:
    return {"fee": fee.pk, "item": fee.item, "amount": str(fee.amount)} | extra


def fee_pay(
    *, actor, fee: CaseFee, payment_reference: str, now: datetime.datetime | None = None
) -> CaseFee:
    """Record the payment of an unpaid fee, with the reference of the receipt or transfer
    (收支两条线: the center records the payment, the money goes to the treasury)."""
    now = services._now(now)
    reference = (payment_reference or "").strip()
    errors: dict[str, list[str]] = {}
    if not reference:
        errors["payment_reference"] = [
            _("Enter the payment reference (receipt or transaction number).")
        ]
    elif len(reference) > REFERENCE_MAX:
        errors["payment_reference"] = [
            _("The payment reference is longer than %(max)s characters.") % {"max": REFERENCE_MAX}
        ]
    with transaction.atomic():
        case, fee = _locked_fee(fee, actor)
        if fee.state != CaseFee.State.UNPAID:
            raise _not_unpaid(fee)
        services._raise(errors)
        fee.state = CaseFee.State.PAID
        fee.paid_at = now
        fee.paid_on = services._local_day(now)
        fee.payment_reference = reference
        fee.save()
        services._event(
            case,
            actor,
            "fee_paid",
            at=now,
            from_status=case.status,
            detail=_detail(fee, payment_reference=reference),
        )
        services._approvals_lapse(case, actor, now)
    return fee


def fee_waive(*, actor, fee: CaseFee, reason: str, now: datetime.datetime | None = None) -> CaseFee:
    """Waive (减免) an unpaid fee: the center director only, with the reason; the director is
    recorded as the approver."""
    now = services._now(now)
    reason = (reason or "").strip()
    errors: dict[str, list[str]] = {}
    if not reason:
        errors["waiver_reason"] = [_("Give the reason for the waiver (减免).")]
    elif len(reason) > REASON_MAX:
        errors["waiver_reason"] = [
            _("The reason is longer than %(max)s characters.") % {"max": REASON_MAX}
        ]
    with transaction.atomic():
        case, fee = _locked_fee(fee, actor)
        if not may_waive(actor):
            raise PermissionDenied(_("Only the center director may approve a waiver (减免)."))
        if fee.state != CaseFee.State.UNPAID:
            raise _not_unpaid(fee)
        services._raise(errors)
        fee.state = CaseFee.State.WAIVED
        fee.waiver_reason = reason
        fee.waiver_approved_by = actor
        fee.save()
        services._event(
            case,
            actor,
            "fee_waived",
            at=now,
            from_status=case.status,
            reason=reason,
            detail=_detail(fee, approved_by=actor.pk),
        )
        services._approvals_lapse(case, actor, now)
    return fee
