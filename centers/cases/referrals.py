"""上报件/代办件: a township case forwarded to its district center through the exchange
(tenants.exchange), and the district's progress and decision flowing back.

    township                                          district
    case_refer_up: ACCEPTED → REFERRED,
      outbox "referral" ──────────────────────────►  referral_receive: a new case of channel
      (applicant, matter, checklist, scans)            "referral", RECEIVED (已接件) for the
                                                       district's own pre-review
    referral_status_apply  ◄── "status" ──────────   after_event: every transition
    referral_decision_apply ◄── "decision" ───────   close or refusal
      REFERRED → REFERRAL_DECIDED; the clerk
      then closes it (hand-over to the applicant)
    after_event: decided, closed ── "status" ─────►  referral_status_apply
    case_withdraw → referral_withdraw_send
      ── "withdrawal" (or the undelivered
         referral cancelled) ─────────────────────►  referral_withdrawal_apply: withdrawn

Both cases carry the same `referral_key`. Nothing here writes the other center's schema: the
sending side writes an exchange message in its own transaction, and the receivers below run
in the receiving schema when the exchange delivers it. Every receiver is idempotent: a
repeated referral finds its case; a status or decision carries the sender's event id
(`seq`), and one that is not newer than what was applied is ignored.
"""

from __future__ import annotations

import datetime
import logging
import uuid

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _

from catalog_cms.standards.vocab import AUTHORITY_RANK, AuthorityLevel, ProcessingMode
from centers.catalog.models import LocalMatter
from tenants.accounts.labels import actor_label
from tenants.exchange import services as exchange
from tenants.exchange.models import ExchangeMessage, MessageKind
from tenants.models import Center, CenterStatus
from tenants.selectors import current_center

from . import files, notices
from .error_codes import CaseErrorCode, coded
from .events import CaseAction, document_attachment, record
from .models import Case, CaseMaterial, DocumentKind
from .referral_updates import REMOTE_ACTIONS
from .services import handling, intake
from .services.common import (
    MODE_KINDS,
    checklist,
    current_time,
    local_day,
    locked,
    missing_lines,
    raise_errors,
    receipt_number_next,
)
from .states import (
    NEW,
    TRANSITIONS,
    CaseKind,
    CaseStatus,
    Channel,
    Decision,
    ProcessCode,
    transition_check,
)

log = logging.getLogger(__name__)

SEQ_ACTIONS = REMOTE_ACTIONS | {CaseAction.REFERRAL_DECIDED}


# --- township: forward the case -----------------------------------------------------------


def is_report_up(case: Case) -> bool:
    """A case this center forwards rather than decides: a 上报件, or a matter decided above
    the township."""
    if case.kind == CaseKind.REPORT_UP:
        return True
    level = case.matter.authority_level
    return AUTHORITY_RANK.get(level, 0) > AUTHORITY_RANK[AuthorityLevel.TOWNSHIP]


def forwarded_by_this_center(matter, center=None) -> bool:
    """Issue 15: a township or street center receives a matter decided above it (a 上报件 or
    a matter of the 代办 list, `centers.catalog.selectors.agency_matters`) and forwards it;
    it never accepts it (受理 is the deciding authority's, 行政许可法 art. 32). A district
    center decides what reaches it. The one rule for the intake, the desk and the API."""
    center = center or current_center()
    if center is None or center.kind == "district" or center.parent_id is None:
        return False
    if matter.mode == ProcessingMode.REPORT:
        return True
    return AUTHORITY_RANK.get(matter.authority_level, 0) > AUTHORITY_RANK[AuthorityLevel.TOWNSHIP]


def deciding_authority(case: Case, center=None) -> dict | None:
    """Who accepts and decides a case this center forwards: the district center (the one it
    went to, else this center's district), the matter's level and handling body (办理主体) and
    the district catalog's receiving window for it. None for a case decided here."""
    center = center or current_center()
    if case.channel == Channel.REFERRAL or not (
        case.referral_key or forwarded_by_this_center(case.matter, center)
    ):
        return None
    district = None
    if case.remote_center:
        district = Center.objects.filter(slug=case.remote_center).first()
    district = district or center.parent
    if district is None:
        return None
    receiving_window = ""
    template_id = case.matter.template_id
    if template_id:
        from catalog_cms.standards.models import DistrictCatalogEntry

        entry = DistrictCatalogEntry.objects.filter(
            district=district, template_id=template_id
        ).first()
        receiving_window = entry.receiving_window if entry else ""
    level = case.matter.authority_level
    return {
        "center_name": district.display_name,
        "level": str(AuthorityLevel(level).label) if level in AuthorityLevel.values else "",
        "handling_body": (case.matter.handling_body or "").strip(),
        "receiving_window": receiving_window,
    }


def _referral_payload(case: Case, center: Center, note: str, at: datetime.datetime) -> dict:
    return {
        "receipt_number": case.receipt_number,
        "center_name": center.display_name,
        "matter_code": case.matter_code,
        "matter_name": case.matter_name,
        "kind": case.kind,
        "urgent": case.urgent,
        "applicant": {
            "kind": case.applicant_kind,
            "name": case.applicant_name,
            "id_number": case.applicant_id_number,
            "phone": case.applicant_phone,
            "contact_name": case.contact_name,
            "address": case.address,
        },
        "materials": [
            {
                "name": m.name,
                "required": m.required,
                "originals_needed": m.originals_needed,
                "copies_needed": m.copies_needed,
                "originals_received": m.originals_received,
                "copies_received": m.copies_received,
                "state": m.state,
                "note": m.note,
            }
            for m in case.materials.all()
        ],
        "received_on": case.received_on.isoformat(),
        "accepted_on": case.accepted_on.isoformat() if case.accepted_on else None,
        "due_date": case.due_date.isoformat() if case.due_date else None,
        "owner": actor_label(case.owner) if case.owner_id else "",
        "note": note,
        "status": case.status,
        "at": at.isoformat(),
    }


def _scans(case: Case) -> list[exchange.Attachment]:
    attachments = []
    for scan in case.files.select_related("material"):
        try:
            with scan.file.open("rb") as handle:
                content = handle.read()
        except OSError as exc:
            raise ValidationError(
                {
                    "files": [
                        coded(
                            _("The scan “%(name)s” cannot be read; attach it again first.")
                            % {"name": scan.original_name},
                            CaseErrorCode.SCAN_UNREADABLE,
                        )
                    ]
                }
            ) from exc
        attachments.append(
            exchange.Attachment(
                name=scan.original_name,
                content_type=scan.content_type,
                content=content,
                material_name=scan.material.name if scan.material_id else "",
            )
        )
    return attachments


def case_refer_up(*, actor, case: Case, note: str = "", now: datetime.datetime | None = None):
    """上报: forward a 上报件 to the center's district (初审 done here, the district accepts
    and decides). Issue 15: from RECEIVED (the township receives, it does not accept, 行政许可法
    art. 32; a case received from an agent or online gets its 收件回执 now, with an SMS); from
    ACCEPTED only for cases accepted under the old rule. The case waits as REFERRED with no
    clock of its own. The referral message, with the applicant, the materials checklist and
    the scans, is written in this transaction."""
    now = current_time(now)
    note = (note or "").strip()
    with transaction.atomic():
        case = locked(case)
        referral_forward(case, actor, now, note)
    return case


def referral_forward(case: Case, actor, now: datetime.datetime, note: str) -> None:
    """The forwarding itself, in the caller's transaction on a locked case (also called by
    services.case_intake for "receive and forward")."""
    from_status = case.status
    transition_check("refer_up", from_status, actor)
    errors: dict[str, list[str]] = {}
    if not is_report_up(case):
        errors["kind"] = [
            coded(
                _(
                    "Only a 上报件 (a matter decided at district or city level) is forwarded "
                    "to the district."
                ),
                CaseErrorCode.NOT_REPORT_UP,
            )
        ]
    center = current_center()
    district = center.parent
    if district is None:
        errors["center"] = [
            coded(_("This center has no district to forward cases to."), CaseErrorCode.NO_DISTRICT)
        ]
    elif district.status == CenterStatus.ARCHIVED:
        errors["center"] = [
            coded(
                _("The district center %(name)s is archived.") % {"name": district.display_name},
                CaseErrorCode.DISTRICT_ARCHIVED,
            )
        ]
    missing = missing_lines(list(case.materials.all()))
    if from_status == CaseStatus.RECEIVED and missing:
        errors["materials"] = [
            coded(
                _("Materials are missing (%(names)s): issue the one-time notice first.")
                % {"names": "、".join(m.name for m in missing)},
                CaseErrorCode.MATERIALS_MISSING,
            )
        ]
    raise_errors(errors)
    scans = _scans(case)
    key = str(uuid.uuid4())
    case.referral_key = key
    case.status = CaseStatus.REFERRED
    case.remote_center = district.slug
    case.remote_receipt_number = ""
    case.remote_status = ""
    case.remote_updated_at = None
    case.save()
    attachments = []
    receipt = None
    if (
        from_status == CaseStatus.RECEIVED
        and not case.documents.filter(kind=DocumentKind.RECEIPT_OF_MATERIALS).exists()
    ):
        receipt = notices.issue(case, DocumentKind.RECEIPT_OF_MATERIALS)
        attachments.append(document_attachment(receipt))
    record(
        case,
        actor,
        CaseAction.REFER_UP,
        at=now,
        from_status=from_status,
        reason=note,
        detail={
            "district": district.slug,
            "referral_key": key,
            "scans": len(scans),
            "receipt": receipt is not None,
        },
        attachments=attachments,
        notify=receipt is not None,
    )
    exchange.message_send(
        kind=MessageKind.REFERRAL,
        sender=center,
        recipient=district,
        referral_key=key,
        key=f"referral:{key}",
        payload=_referral_payload(case, center, note, now),
        sender_reference=case.receipt_number,
        attachments=scans,
    )


# --- receivers (run in the recipient's schema by the exchange) --------------------------------


def _case_for(message: ExchangeMessage) -> Case:
    case = Case.objects.select_for_update().filter(referral_key=message.referral_key).first()
    if case is None:
        raise ValidationError(
            {
                "referral": [
                    coded(
                        _("No case here carries the referral %(key)s (receipt %(receipt)s).")
                        % {"key": message.referral_key, "receipt": message.sender_reference},
                        CaseErrorCode.REFERRAL_UNKNOWN,
                    )
                ]
            }
        )
    if case.remote_center != message.sender.slug:
        raise ValidationError(
            {
                "referral": [
                    coded(
                        _("This referral belongs to another center."),
                        CaseErrorCode.REFERRAL_OTHER_CENTER,
                    )
                ]
            }
        )
    return case


def _last_remote_seq(case: Case) -> int:
    seqs = [
        int(detail.get("seq") or 0)
        for detail in case.events.filter(action__in=SEQ_ACTIONS).values_list("detail", flat=True)
    ]
    return max(seqs, default=0)


def _remote_fields(case: Case, payload: dict) -> None:
    case.remote_status = payload.get("status", "")[:20]
    case.remote_updated_at = parse_datetime(payload.get("at") or "") or timezone.now()
    if not case.remote_receipt_number:
        case.remote_receipt_number = (payload.get("receipt_number") or "")[:32]
    # The deciding center's acceptance starts the legal clock: its dates shown here.
    accepted_on = parse_date(payload.get("accepted_on") or "")
    due_date = parse_date(payload.get("due_date") or "")
    if accepted_on is not None:
        case.remote_accepted_on = accepted_on
    if due_date is not None:
        case.remote_due_date = due_date


def _remote_detail(message: ExchangeMessage, payload: dict) -> dict:
    return {
        "remote_status": payload.get("status"),
        "remote_action": payload.get("action"),
        "remote_code": payload.get("process_code"),
        "remote_at": payload.get("at"),
        "remote_receipt": payload.get("receipt_number"),
        "from_center": message.sender.slug,
        "seq": int(payload.get("seq") or 0),
        "message": str(message.pk),
    }


def _remote_status_record(
    case: Case, message: ExchangeMessage, action: CaseAction = CaseAction.REMOTE_STATUS
) -> bool:
    """Cache the other side's status on the case and write it in the history; a message no
    newer than the last one applied (a repeat, or one overtaken) changes nothing."""
    payload = message.payload
    if int(payload.get("seq") or 0) <= _last_remote_seq(case):
        return False
    _remote_fields(case, payload)
    case.save()
    record(
        case,
        None,
        action,
        at=timezone.now(),
        from_status=case.status,
        reason=payload.get("reason", ""),
        detail=_remote_detail(message, payload),
    )
    return True


def referral_receive(message: ExchangeMessage) -> str:
    """District side: the forwarded case becomes an incoming case of this center, RECEIVED
    (已接件) for the district's own pre-review: the district is the authority that accepts
    (受理, with its own deadline from its matter), asks for more (补正) or refuses. A repeated
    delivery finds the case made the first time. The matter must be in this catalog."""
    existing = Case.objects.filter(referral_key=message.referral_key).first()
    if existing is not None:
        return existing.receipt_number
    payload = message.payload
    code = payload.get("matter_code", "")
    matter = LocalMatter.objects.filter(code=code).first()
    if matter is None:
        raise ValidationError(
            {
                "matter": [
                    coded(
                        _(
                            "Matter %(code)s (%(name)s) is not in the district catalog: adopt it, "
                            "then retry."
                        )
                        % {"code": code, "name": payload.get("matter_name", "")},
                        CaseErrorCode.MATTER_NOT_IN_CATALOG,
                    )
                ]
            }
        )
    transition_check("receive", NEW, None)
    # The ID number and phone travel encrypted (tenants.exchange.services.payload_sealed).
    applicant = intake.applicant_check(exchange.payload_opened(payload).get("applicant") or {})
    now = timezone.now()
    today = local_day(now)
    known = {m["name"] for m in matter.materials}
    given = payload.get("materials") or []
    lines = checklist(
        matter,
        [
            {
                "name": m["name"],
                "state": m.get("state"),
                "originals_received": m.get("originals_received"),
                "copies_received": m.get("copies_received"),
                "note": m.get("note") or "",
            }
            for m in given
            if m.get("name") in known
        ],
    )
    kind = MODE_KINDS.get(matter.mode, CaseKind.PROMISED)
    if kind == CaseKind.REPORT_UP:
        kind = CaseKind.PROMISED  # decided here
    case = Case(
        receipt_number=receipt_number_next(today),
        matter=matter,
        matter_code=matter.code,
        matter_name=matter.name,
        kind=kind,
        urgent=bool(payload.get("urgent")),
        channel=Channel.REFERRAL,
        status=CaseStatus.RECEIVED,
        applicant_kind=applicant.kind,
        applicant_name=applicant.name,
        applicant_id_number=applicant.id_number,
        applicant_phone=applicant.phone,
        contact_name=applicant.contact_name,
        address=applicant.address,
        received_at=now,
        received_on=today,
        legal_days=matter.legal_days,
        promised_days=matter.promised_days,
        referral_key=message.referral_key,
        remote_center=message.sender.slug,
        remote_receipt_number=(payload.get("receipt_number") or "")[:32],
        remote_status=(payload.get("status") or "")[:20],
        remote_updated_at=parse_datetime(payload.get("at") or "") or now,
    )
    case.save()
    materials = CaseMaterial.objects.bulk_create(
        [CaseMaterial(case=case, **line) for line in lines]
    )
    by_name = {m.name: m for m in materials}
    attachments = []
    for scan in message.attachments.all():
        if scan.content is None:
            continue
        upload = ContentFile(bytes(scan.content), name=scan.name)
        content_type = files.check_scan(upload)
        stored = files.store_scan(case, upload, content_type, by_name.get(scan.material_name), None)
        attachments.append({"kind": "file", "id": stored.pk, "name": stored.original_name})
    record(
        case,
        None,
        CaseAction.RECEIVE,
        at=now,
        from_status=NEW,
        code=ProcessCode.RECEIVED,
        reason=payload.get("note", ""),
        detail={
            "channel": Channel.REFERRAL,
            "from_center": message.sender.slug,
            "from_center_name": payload.get("center_name", ""),
            "from_receipt": case.remote_receipt_number,
            "township_due_date": payload.get("due_date"),
            "materials_not_in_matter": [m["name"] for m in given if m.get("name") not in known],
        },
        attachments=attachments,
    )
    return case.receipt_number


def referral_status_apply(message: ExchangeMessage) -> str:
    """Either side: the other center's case moved; show its status here."""
    case = _case_for(message)
    _remote_status_record(case, message)
    return case.receipt_number


def referral_decision_apply(message: ExchangeMessage) -> str:
    """Township side: the district decided (办结, or refused). The case takes the step
    "referral_decided" with the decision; the clerk then hands the result over and closes it.
    A case withdrawn meanwhile only records the district's status."""
    case = _case_for(message)
    payload = message.payload
    if case.status != CaseStatus.REFERRED:
        _remote_status_record(case, message)
        return case.receipt_number
    transition_check("referral_decided", case.status, None)
    decision = payload.get("decision") or Decision.DENIED
    if decision not in Decision.values:
        raise ValidationError(
            {
                "decision": [
                    coded(
                        _("Unknown decision “%(value)s”.") % {"value": decision},
                        CaseErrorCode.INVALID,
                    )
                ]
            }
        )
    _remote_fields(case, payload)
    case.status = CaseStatus.REFERRAL_DECIDED
    case.decision = decision
    case.decision_note = (payload.get("decision_note") or "").strip()
    case.save()
    record(
        case,
        None,
        CaseAction.REFERRAL_DECIDED,
        at=timezone.now(),
        from_status=CaseStatus.REFERRED,
        reason=case.decision_note,
        detail=_remote_detail(message, payload)
        | {"decision": decision, "refused": bool(payload.get("refused"))},
    )
    return case.receipt_number


def referral_withdrawal_apply(message: ExchangeMessage) -> str:
    """District side: the applicant withdrew at the township; the district's case is
    withdrawn too, unless it is already decided (then the request is only recorded)."""
    case = _case_for(message)
    payload = message.payload
    if case.status == CaseStatus.WITHDRAWN:
        return case.receipt_number
    if not _remote_status_record(case, message, action=CaseAction.REMOTE_WITHDRAWAL):
        return case.receipt_number
    if case.status in TRANSITIONS["withdraw"].sources:
        reason = (payload.get("reason") or "").strip() or "-"
        handling.case_withdraw(
            actor=None,
            case=case,
            reason=_("Withdrawn at %(center)s: %(reason)s")
            % {"center": message.sender.display_name, "reason": reason},
        )
    return case.receipt_number


# --- township: withdrawal of a forwarded case -------------------------------------------------


def referral_withdraw_send(case: Case, reason: str) -> None:
    """Called by services.case_withdraw, in its transaction, when a REFERRED case is
    withdrawn: a referral the district has not received yet is cancelled; otherwise the
    district is told to withdraw its case."""
    referral = ExchangeMessage.objects.filter(idempotency_key=f"referral:{case.referral_key}")
    referral = referral.first()
    if referral is not None and exchange.message_cancel(message=referral, reason=reason):
        return
    recipient = Center.objects.filter(slug=case.remote_center).first()
    if recipient is None:
        return
    event = case.events.filter(action="withdraw").order_by("-pk").first()
    exchange.message_send(
        kind=MessageKind.WITHDRAWAL,
        sender=current_center(),
        recipient=recipient,
        referral_key=case.referral_key,
        key=f"withdrawal:{case.referral_key}",
        payload={
            "status": case.status,
            "action": "withdraw",
            "process_code": event.process_code if event else None,
            "at": (event.at if event else timezone.now()).isoformat(),
            "seq": event.pk if event else 0,
            "reason": reason,
            "receipt_number": case.receipt_number,
        },
        sender_reference=case.receipt_number,
        recipient_reference=case.remote_receipt_number,
    )
