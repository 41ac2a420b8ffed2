"""Fees of a case (统一收费): an item assessed at acceptance is either paid at the window, with
the payment reference, or waived (减免) on a written policy with the approval of the
authority the city's case policy names (`waiver_authority`). A result is handed over only
once every fee is settled (`selectors.handover_refusal`). Each step locks the case,
checks the "fee" row of states.TRANSITIONS and writes the case's append-only event, in one
transaction.

A waiver is recorded by the director: in person, or by approving a clerk's request
(`approvals.approval_decide`); the approver recorded is the director, or the district's or
city's official whose approval the director records. `now`
may be passed by demo data and tests.
"""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from tenants.accounts.permissions import Capability, can, is_center_director

from . import approvals, notices
from .error_codes import CaseErrorCode, coded, denied
from .events import CaseAction, record
from .models import CaseFee
from .services.common import current_time, local_day, locked, raise_errors
from .states import transition_check

REFERENCE_MAX = CaseFee._meta.get_field("payment_reference").max_length
REASON_MAX = CaseFee._meta.get_field("waiver_reason").max_length
BASIS_MAX = CaseFee._meta.get_field("waiver_basis_document").max_length
NAME_MAX = CaseFee._meta.get_field("waiver_approver_name").max_length


def may_waive(user) -> bool:
    """Only the center director approves a waiver (减免)."""
    return user is not None and can(user, Capability.HANDLE_CASES) and is_center_director(user)


def _locked_fee(fee: CaseFee, actor):
    """The case and the fee under row locks, after the state table's check."""
    case = locked(fee.case)
    transition_check("fee", case.status, actor)
    return case, CaseFee.objects.select_for_update().get(pk=fee.pk)


def _not_unpaid(fee: CaseFee) -> ValidationError:
    if fee.state == CaseFee.State.PAID:
        paid_on = fee.paid_on.isoformat() if fee.paid_on else ""
        return ValidationError(
            {
                "fee": [
                    coded(
                        _(
                            "“%(item)s” was already paid on %(day)s (payment reference "
                            "%(reference)s): it cannot be paid or waived again."
                        )
                        % {"item": fee.item, "day": paid_on, "reference": fee.payment_reference},
                        CaseErrorCode.FEE_SETTLED,
                    )
                ]
            }
        )
    return ValidationError(
        {
            "fee": [
                coded(
                    _("“%(item)s” was waived: nothing is left to pay or waive.")
                    % {"item": fee.item},
                    CaseErrorCode.FEE_SETTLED,
                )
            ]
        }
    )


def _detail(fee: CaseFee, **extra) -> dict:
    return {"fee": fee.pk, "item": fee.item, "amount": str(fee.amount)} | extra


def fee_pay(
    *, actor, fee: CaseFee, payment_reference: str, now: datetime.datetime | None = None
) -> CaseFee:
    """Record the payment of an unpaid fee, with the reference of the receipt or transfer
    (收支两条线: the center records the payment, the money goes to the treasury)."""
    now = current_time(now)
    reference = (payment_reference or "").strip()
    errors: dict[str, list[str]] = {}
    if not reference:
        errors["payment_reference"] = [
            coded(
                _("Enter the payment reference (receipt or transaction number)."),
                CaseErrorCode.REQUIRED,
            )
        ]
    elif len(reference) > REFERENCE_MAX:
        errors["payment_reference"] = [
            coded(
                _("The payment reference is longer than %(max)s characters.")
                % {"max": REFERENCE_MAX},
                CaseErrorCode.TOO_LONG,
            )
        ]
    with transaction.atomic():
        case, fee = _locked_fee(fee, actor)
        if fee.state != CaseFee.State.UNPAID:
            raise _not_unpaid(fee)
        raise_errors(errors)
        fee.state = CaseFee.State.PAID
        fee.paid_at = now
        fee.paid_on = local_day(now)
        fee.payment_reference = reference
        fee.save()
        record(
            case,
            actor,
            CaseAction.FEE_PAID,
            at=now,
            from_status=case.status,
            detail=_detail(fee, payment_reference=reference),
        )
        approvals.lapse_moot(case=case, actor=actor, now=now)
    return fee


# What a waiver records beyond its reason (fee_waive's keyword arguments).
WAIVER_FIELDS = (
    "basis_document",
    "basis_article",
    "approver_name",
    "approver_post",
    "approval_reference",
)


def waiver_authority(fee: CaseFee) -> str:
    """Who may approve the waiver of `fee` under the city's case policy (a default, overridden
    per matter code or fee item): the center director, the district or the city."""
    from catalog_cms.standards.selectors import case_policy

    return case_policy().waiver_authority_for(matter_code=fee.case.matter_code, item=fee.item)


def _authority_label(authority: str) -> str:
    from catalog_cms.standards.models import WaiverAuthority

    return str(WaiverAuthority(authority).label) if authority in WaiverAuthority.values else ""


def _field(value, name: str, limit: int, message: str, errors: dict) -> str:
    text = (value or "").strip()
    if not text:
        errors[name] = [coded(message, CaseErrorCode.REQUIRED)]
    elif len(text) > limit:
        errors[name] = [
            coded(
                _("This is longer than %(max)s characters.") % {"max": limit},
                CaseErrorCode.TOO_LONG,
            )
        ]
    return text


def fee_waive(
    *,
    actor,
    fee: CaseFee,
    reason: str,
    basis_document: str = "",
    basis_article: str = "",
    approver_name: str = "",
    approver_post: str = "",
    approval_reference: str = "",
    now: datetime.datetime | None = None,
) -> CaseFee:
    """Waive (减免) an unpaid fee, with the reason and the policy it rests on (document number
    and article, both required). Seed plan 3 (统一收费): a waiver follows the government's
    written policy, or is examined by the unit head and approved by the government itself;
    so who approves is the city's rule (`waiver_authority`, the city's case policy).

    The center director records every waiver. Where the director has the authority, the
    director is the approver (name and post default to the director's). Where the district
    or the city has it, the center cannot waive on its own: the director records the
    approval that came from there, naming its approving official (name and post, required)
    and its approval document (required). The waiver, its basis and its approver are kept on
    the fee and in the case's event."""
    from catalog_cms.standards.models import WaiverAuthority

    now = current_time(now)
    errors: dict[str, list[str]] = {}
    reason = _field(
        reason, "waiver_reason", REASON_MAX, _("Give the reason for the waiver (减免)."), errors
    )
    basis_document = _field(
        basis_document,
        "basis_document",
        BASIS_MAX,
        _("Give the number of the policy document the waiver rests on (文号)."),
        errors,
    )
    basis_article = _field(
        basis_article,
        "basis_article",
        BASIS_MAX,
        _("Give the article of the policy document (条款)."),
        errors,
    )
    with transaction.atomic():
        case, fee = _locked_fee(fee, actor)
        if not may_waive(actor):
            raise denied(
                _("Only the center director may record a waiver (减免)."),
                CaseErrorCode.DIRECTOR_ONLY,
            )
        if fee.state != CaseFee.State.UNPAID:
            raise _not_unpaid(fee)
        authority = waiver_authority(fee)
        name, post = (approver_name or "").strip(), (approver_post or "").strip()
        reference = (approval_reference or "").strip()
        if authority == WaiverAuthority.CENTER_DIRECTOR:
            name = name or notices.person_name(actor)
            post = post or _("政务服务中心主任")
        else:
            who = _authority_label(authority)
            if not reference:
                errors["approval_reference"] = [
                    coded(
                        _(
                            "The city's policy gives this waiver to %(who)s: the center cannot "
                            "waive it on its own. Give the reference of their approval document."
                        )
                        % {"who": who},
                        CaseErrorCode.WAIVER_APPROVAL_REQUIRED,
                    )
                ]
            if not name:
                errors["approver_name"] = [
                    coded(
                        _("Name the official of %(who)s who approved it.") % {"who": who},
                        CaseErrorCode.REQUIRED,
                    )
                ]
            if not post:
                errors["approver_post"] = [
                    coded(
                        _("Give the post of the official who approved it."), CaseErrorCode.REQUIRED
                    )
                ]
        for key, value in (("approver_name", name), ("approver_post", post)):
            if len(value) > NAME_MAX:
                errors[key] = [
                    coded(
                        _("This is longer than %(max)s characters.") % {"max": NAME_MAX},
                        CaseErrorCode.TOO_LONG,
                    )
                ]
        if len(reference) > BASIS_MAX:
            errors["approval_reference"] = [
                coded(
                    _("This is longer than %(max)s characters.") % {"max": BASIS_MAX},
                    CaseErrorCode.TOO_LONG,
                )
            ]
        raise_errors(errors)
        fee.state = CaseFee.State.WAIVED
        fee.waiver_reason = reason
        fee.waiver_approved_by = actor
        fee.waiver_basis_document = basis_document
        fee.waiver_basis_article = basis_article
        fee.waiver_authority = authority
        fee.waiver_approver_name = name
        fee.waiver_approver_post = post
        fee.waiver_approval_reference = reference
        fee.waived_at = now
        fee.save()
        record(
            case,
            actor,
            CaseAction.FEE_WAIVED,
            at=now,
            from_status=case.status,
            reason=reason,
            detail=_detail(
                fee,
                approved_by=actor.pk,
                authority=authority,
                basis_document=basis_document,
                basis_article=basis_article,
                approver_name=name,
                approver_post=post,
                approval_reference=reference,
            ),
        )
        approvals.lapse_moot(case=case, actor=actor, now=now)
    return fee
