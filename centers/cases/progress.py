"""Public progress lookup (办件进度查询): a resident finds a case of this center with its receipt
number and the last four digits of the applicant's phone, and sees only public, masked data.

The portal page (portal/progress.py) and the integrators' API share `progress_lookup` and the
throttle here, so both count against the same limits. Only the active schema is searched, so a
center never finds another center's cases.
"""

from __future__ import annotations

import hmac
import re
from urllib.parse import urlencode

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy

from cityplatform import ratelimit

from .models import Case, CaseMaterial
from .states import CaseStatus, ProcessCode

# Per client IP: lookups in a fixed window (every attempt counts).
IP_LIMIT = 10
IP_WINDOW_SECONDS = 60
# Per receipt number: failed lookups in a fixed window (guessing the four digits is stopped
# even when the guesses come from many addresses; a resident who knows them is not counted).
RECEIPT_FAILURE_LIMIT = 10
RECEIPT_WINDOW_SECONDS = 3600

RECEIPT_MAX_LENGTH = 32
PHONE_LAST4_RE = re.compile(r"^\d{4}$")

# What a resident reads for each state: plain Chinese terms, no staff wording.
PUBLIC_STATUS_LABELS = {
    CaseStatus.RECEIVED: gettext_lazy("已接件，待预审"),
    CaseStatus.SUPPLEMENTING: gettext_lazy("待补正材料"),
    CaseStatus.ACCEPTED: gettext_lazy("办理中"),
    CaseStatus.SPECIAL_PROCEDURE: gettext_lazy("特别程序中"),
    CaseStatus.REFERRED: gettext_lazy("已上报上级机关办理"),
    CaseStatus.REFERRAL_DECIDED: gettext_lazy("上级机关已办结"),
    CaseStatus.CLOSED: gettext_lazy("已办结"),
    CaseStatus.NOT_ACCEPTED: gettext_lazy("不予受理"),
    CaseStatus.WITHDRAWN: gettext_lazy("已撤回"),
}
# Who accepts and decides a case this center forwards (issue 15).
DECIDED_BY_TEMPLATE = gettext_lazy("由%(center)s受理并决定")
# A closed case whose decision was revoked afterwards (撤销, art. 69).
PUBLIC_REVOKED_LABEL = gettext_lazy("已办结，原决定已依法撤销")

# Steps without a 办理状态 code that a resident still needs to see; every other uncoded step
# (reassignment, visits, scans, fees) stays internal.
UNCODED_STEP_LABELS = {
    "extend": gettext_lazy("延长办理时限"),
    "task_sign_off": gettext_lazy("部门已签署意见"),
    "refer_up": gettext_lazy("已上报上级机关"),
    "referral_decided": gettext_lazy("上级机关已作出决定"),
    "issue_certificate": gettext_lazy("已颁发证照"),  # art. 44
    "rating_reply": gettext_lazy("已答复您的评价"),  # evaluation.rectification reply_send
    "objection_filed": gettext_lazy("已收到您的异议"),
    "objection_answered": gettext_lazy("已书面答复您的异议"),
}
# Steps whose detail names a department (public: the department, never the person).
DEPARTMENT_STEPS = frozenset({"task_start", "task_sign_off"})

MISSING_STATES = (CaseMaterial.State.MISSING, CaseMaterial.State.DEFECTIVE)
MISSING_STATE_LABELS = {
    CaseMaterial.State.MISSING: gettext_lazy("缺少"),
    CaseMaterial.State.DEFECTIVE: gettext_lazy("有误，需重新提交"),
}


# --- the address on every printed notice ------------------------------------------------------


def progress_path() -> str:
    """/progress/ on a center's domain (the tenant URL conf, whichever schema is active)."""
    return reverse("progress", urlconf="cityplatform.urls_tenant")


def progress_url(center, receipt_number: str) -> str:
    """The public progress page of `center` with the receipt prefilled: what the QR code on
    every notice encodes, with `via=qr` so a rating made from there is recorded as by QR code.
    Built from the center's primary domain like tenants.selectors' center_url."""
    from tenants.selectors import center_url

    base = center_url(center).rstrip("/")
    return f"{base}{progress_path()}?{urlencode({'receipt': receipt_number, 'via': 'qr'})}"


# --- lookup -----------------------------------------------------------------------------------


def normalise_receipt(value: str | None) -> str:
    """The receipt as stored: both forms (division code + date + sequence, and the older date
    + sequence) are looked up as typed, without the spaces or dashes a reader may add."""
    return re.sub(r"[\s\-－]+", "", value or "")[:RECEIPT_MAX_LENGTH]


def _phone_last4(phone: str) -> str:
    return re.sub(r"\D", "", phone or "")[-4:]


def progress_lookup(receipt_number: str, phone_last4: str) -> dict | None:
    """The public view of the case with this receipt number, if `phone_last4` are the last four
    digits of the applicant's phone; None otherwise. An unknown receipt and a wrong pair both
    give None, after the same single query, so nothing tells them apart.

    The dict holds only what a resident may see: the matter, the applicant's masked name, the
    state, the dated steps (办理状态 labels, no staff names and no free text), the promised
    date and, while materials are awaited, the list from the one-time notice. Dates are
    `datetime.date` values (local time)."""
    receipt_number = normalise_receipt(receipt_number)
    phone_last4 = (phone_last4 or "").strip()
    if not receipt_number or not PHONE_LAST4_RE.match(phone_last4):
        return None
    case = (
        Case.objects.filter(receipt_number=receipt_number)
        .only(
            "pk",
            "receipt_number",
            "matter_code",
            "matter_name",
            "status",
            "applicant_name",
            "applicant_phone",
            "received_on",
            "accepted_on",
            "due_date",
            "due_provisional",
            "closed_on",
            "revoked_at",
            "decision",
            "matter",
            "channel",
            "referral_key",
            "remote_center",
            "remote_accepted_on",
            "remote_due_date",
        )
        .first()
    )
    expected = _phone_last4(case.applicant_phone) if case is not None else "----"
    # Compare in constant time, and compare even when the receipt is unknown.
    matches = hmac.compare_digest(expected.encode(), phone_last4.encode())
    if case is None or not matches or len(expected) != 4:
        return None
    return _public_view(case)


def _public_view(case: Case) -> dict:
    from .objections import objection_refusal

    status = CaseStatus(case.status)
    missing = []
    if status == CaseStatus.SUPPLEMENTING:
        missing = [
            {
                "name": m.name,
                "state": m.state,
                "state_label": str(MISSING_STATE_LABELS[m.state]),
                "note": m.note,
                "originals_needed": m.originals_needed,
                "copies_needed": m.copies_needed,
            }
            for m in case.materials.filter(state__in=MISSING_STATES).order_by("order", "pk")
        ]
    clock_runs = status in (CaseStatus.ACCEPTED, CaseStatus.REFERRED, CaseStatus.REFERRAL_DECIDED)
    # Issue 15: a case this center forwards is accepted and decided by the district center;
    # the page names it and shows its dates once they come back.
    from .referrals import deciding_authority

    authority = deciding_authority(case)
    decided_by = ""
    if authority:
        decided_by = str(DECIDED_BY_TEMPLATE) % {"center": authority["center_name"]}
        clock_runs = clock_runs and case.remote_accepted_on is not None
    return {
        "receipt_number": case.receipt_number,
        "matter_code": case.matter_code,
        "matter_name": case.matter_name,
        "applicant": case.applicant_name_masked,
        "status": status.value,
        "status_label": str(
            PUBLIC_REVOKED_LABEL if case.revoked_at else PUBLIC_STATUS_LABELS[status]
        ),
        "received_on": case.received_on,
        "accepted_on": case.accepted_on,
        "due_date": case.due_date if status not in _FINISHED else None,
        "due_provisional": bool(case.due_provisional) and status not in _FINISHED,
        "clock_paused": case.accepted_on is not None
        and status in (CaseStatus.SUPPLEMENTING, CaseStatus.SPECIAL_PROCEDURE),
        "clock_running": clock_runs,
        "closed_on": case.closed_on,
        "decided_by": decided_by,
        "remote_accepted_on": case.remote_accepted_on if authority else None,
        "remote_due_date": (
            case.remote_due_date if authority and status not in _FINISHED else None
        ),
        "steps": _public_steps(case),
        "missing": missing,
        "objections": _public_objections(case),
        "may_object": objection_refusal(case) is None,
    }


def _public_objections(case: Case) -> list[dict]:
    """The applicant's objections and the written answers (seed plan 1, 退回件): dates, what
    was objected and what was answered with its reasons, never who answered."""
    return [
        {
            "filed_on": o.filed_on,
            "text": o.text,
            "due_on": o.due_on,
            "due_provisional": o.due_provisional,
            "answered_on": o.answered_on,
            "answer": o.answer,
            "reasons": o.answer_reasons,
        }
        for o in case.objections.order_by("filed_at", "pk")
    ]


_FINISHED = frozenset({CaseStatus.CLOSED, CaseStatus.NOT_ACCEPTED, CaseStatus.WITHDRAWN})


def _public_steps(case: Case) -> list[dict]:
    steps = []
    events = case.events.order_by("at", "pk").values_list("at", "action", "process_code", "detail")
    for at, action, code, detail in events:
        if code is not None:
            label = str(ProcessCode(code).label)
        elif action in UNCODED_STEP_LABELS:
            label = str(UNCODED_STEP_LABELS[action])
        else:
            continue
        department = ""
        if action in DEPARTMENT_STEPS and isinstance(detail, dict):
            department = str(detail.get("department") or "")
        steps.append(
            {
                "date": timezone.localtime(at).date(),
                "action": action,
                "code": code,
                "label": label,
                "department": department,
            }
        )
    return steps


# --- throttle ---------------------------------------------------------------------------------


class LookupThrottled(Exception):
    """Too many lookups from one address, or too many failed ones for one receipt."""

    def __init__(self, retry_after: int):
        super().__init__(retry_after)
        self.retry_after = retry_after


def _key(kind: str, value: str) -> str:
    return ratelimit.key(f"progress-lookup:{kind}", value)


def throttle_check(*, client_ip: str, receipt_number: str) -> None:
    """Count one lookup from `client_ip`, and raise LookupThrottled when that address or the
    receipt number is over its limit."""
    ip_key = _key("ip", client_ip or "unknown")
    if ratelimit.hit(ip_key, IP_WINDOW_SECONDS) > IP_LIMIT:
        raise LookupThrottled(ratelimit.retry_after(ip_key, IP_WINDOW_SECONDS))
    receipt = normalise_receipt(receipt_number)
    if receipt:
        receipt_key = _key("receipt", receipt)
        if ratelimit.count(receipt_key) >= RECEIPT_FAILURE_LIMIT:
            raise LookupThrottled(ratelimit.retry_after(receipt_key, RECEIPT_WINDOW_SECONDS))


def throttle_failure(receipt_number: str) -> None:
    """Count one failed lookup of a receipt number (whether or not it exists)."""
    receipt = normalise_receipt(receipt_number)
    if receipt:
        ratelimit.hit(_key("receipt", receipt), RECEIPT_WINDOW_SECONDS)


def progress_lookup_limited(
    *, receipt_number: str, phone_last4: str, client_ip: str
) -> dict | None:
    """`progress_lookup` behind the throttle: what the page and the API call. Raises
    LookupThrottled(retry_after) when over a limit."""
    throttle_check(client_ip=client_ip, receipt_number=receipt_number)
    result = progress_lookup(receipt_number, phone_last4)
    if result is None:
        throttle_failure(receipt_number)
    return result
