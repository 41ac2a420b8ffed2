"""Intake (收件): the applicant checked, the matter found, and everything a clerk (the API, an
agent, the online form) enters, decided at once: accept, one-time notice, refuse, or receive
for pre-review; a township receives and forwards what is decided above it (issue 15)."""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from stdnum.cn import ric, uscc

from centers.catalog.models import LocalMatter
from centers.workspace.models import Department, ServicePoint, Window
from tenants.accounts.models import Role, User

from .. import approvals, files, notices, referrals, selectors
from ..error_codes import CaseErrorCode, coded, denied
from ..events import CaseAction, document_attachment, record
from ..models import (
    ApplicantKind,
    Case,
    CaseMaterial,
    DocumentKind,
)
from ..states import (
    NEW,
    CaseKind,
    CaseStatus,
    Channel,
    ProcessCode,
    RefusalKind,
    transition_check,
)
from . import acceptance
from .common import (
    MODE_KINDS,
    PHONE_RE,
    center_user,
    checklist,
    count_visit,
    current_time,
    local_day,
    missing_lines,
    raise_errors,
    receipt_number_next,
    tolerance_mark,
)
from .time_limits import URGENT_REASON_MAX, urgent_mark


@dataclass
class Applicant:
    kind: str
    name: str
    id_number: str
    phone: str
    contact_name: str = ""
    address: str = ""


def applicant_check(data: dict) -> Applicant:
    """Check and normalise the applicant: a person with a valid resident ID (checksum), or an
    organisation with a valid unified social credit code; a mobile or landline phone."""
    errors: dict[str, list[str]] = {}
    kind = (data.get("kind") or ApplicantKind.PERSON).strip()
    name = (data.get("name") or "").strip()
    id_number = (data.get("id_number") or "").strip().upper().replace(" ", "")
    phone = re.sub(r"[\s]", "", data.get("phone") or "")
    if kind not in ApplicantKind.values:
        errors["applicant_kind"] = [
            coded(_("Choose a person or an organisation."), CaseErrorCode.INVALID)
        ]
    if not name:
        errors["applicant_name"] = [coded(_("Enter the applicant's name."), CaseErrorCode.REQUIRED)]
    elif len(name) > 100:
        errors["applicant_name"] = [
            coded(_("The name is longer than 100 characters."), CaseErrorCode.TOO_LONG)
        ]
    if kind == ApplicantKind.PERSON:
        if not ric.is_valid(id_number):
            errors["applicant_id_number"] = [
                coded(
                    _(
                        "“%(value)s” is not a valid resident ID number (居民身份证号): "
                        "check the digits."
                    )
                    % {"value": id_number},
                    CaseErrorCode.ID_NUMBER_INVALID,
                )
            ]
    elif kind == ApplicantKind.ORGANISATION and not uscc.is_valid(id_number):
        errors["applicant_id_number"] = [
            coded(
                _(
                    "“%(value)s” is not a valid unified social credit code (统一社会信用代码): "
                    "check the characters."
                )
                % {"value": id_number},
                CaseErrorCode.ID_NUMBER_INVALID,
            )
        ]
    if not PHONE_RE.match(phone):
        errors["applicant_phone"] = [
            coded(
                _("Enter an 11-digit mobile number or a landline with its area code."),
                CaseErrorCode.INVALID,
            )
        ]
    raise_errors(errors)
    return Applicant(
        kind=kind,
        name=name,
        id_number=id_number,
        phone=phone,
        contact_name=(data.get("contact_name") or "").strip()[:50],
        address=(data.get("address") or "").strip()[:200],
    )


def matter_for_intake(code: str) -> LocalMatter:
    """The adopted matter with this code, or a clear error."""
    matter = LocalMatter.objects.filter(code=(code or "").strip()).first()
    if matter is None:
        raise ValidationError(
            {
                "matter": [
                    coded(
                        _("This center has not adopted a matter with code “%(code)s”.")
                        % {"code": code},
                        CaseErrorCode.MATTER_NOT_ADOPTED,
                    )
                ]
            }
        )
    return matter


@dataclass
class MaterialLine:
    name: str
    state: str
    originals_received: int = 0
    copies_received: int = 0
    note: str = ""


class Outcome:
    ACCEPT = "accept"
    SUPPLEMENT = "supplement"
    REFUSE = "refuse"
    RECEIVE = "receive"

    ALL = (ACCEPT, SUPPLEMENT, REFUSE, RECEIVE)


@dataclass
class Intake:
    """Everything a clerk (or the API, an agent, the online form) enters at intake."""

    matter: LocalMatter
    applicant: dict
    channel: str = Channel.WINDOW
    outcome: str = Outcome.ACCEPT
    materials: list[dict] = field(default_factory=list)
    first_contact: User | None = None
    owner: User | None = None
    window: Window | None = None
    service_point: ServicePoint | None = None
    urgent: bool = False
    urgent_reason: str = ""  # 急办: required with urgent
    lead_department: Department | None = None
    departments: list[Department] = field(default_factory=list)
    promised_date: datetime.date | None = None
    refusal_kind: str = RefusalKind.NOT_ACCEPTABLE
    refusal_reason: str = ""
    refusal_basis: str = ""
    # Art. 32(2): where to apply, for a refusal as outside this center's competence.
    competent_authority: str = ""
    # 联办件 (seed plan 1): per co-department {department pk: {"needs": str, "days": int}}.
    department_terms: dict = field(default_factory=dict)
    note: str = ""
    uploads: list = field(default_factory=list)  # [(UploadedFile, material name or "")]
    idempotency_key: str | None = None
    # 容缺受理 at acceptance: [{"name": material, "due": date the applicant brings it}]
    tolerance: list[dict] = field(default_factory=list)


def case_intake(*, actor, intake: Intake, now: datetime.datetime | None = None) -> Case:
    """Take in an application and decide at once: accept (受理), ask for the missing materials
    in one notice (补正), refuse (不予受理/退回), or just receive it for pre-review (an agent's
    or an online application). A repeated idempotency key returns the first case unchanged."""
    if intake.idempotency_key:
        existing = Case.objects.filter(idempotency_key=intake.idempotency_key).first()
        if existing is not None:
            return existing
    try:
        with transaction.atomic():
            return _case_intake(actor, intake, current_time(now))
    except IntegrityError:
        # A racing duplicate with the same key committed first: answer with its case.
        if intake.idempotency_key:
            existing = Case.objects.filter(idempotency_key=intake.idempotency_key).first()
            if existing is not None:
                return existing
        raise


def _intake_errors(actor, intake: Intake, today: datetime.date) -> dict:
    errors: dict[str, list[str]] = {}
    if intake.outcome not in Outcome.ALL:
        errors["outcome"] = [
            coded(_("Choose accept, one-time notice, refuse or receive."), CaseErrorCode.INVALID)
        ]
    if intake.channel not in (Channel.WINDOW, Channel.VILLAGE_POINT, Channel.ONLINE):
        errors["channel"] = [
            coded(_("Choose the window, a village point or online."), CaseErrorCode.INVALID)
        ]
    if actor is not None and actor.role == Role.VILLAGE_AGENT:
        if intake.channel != Channel.VILLAGE_POINT or intake.outcome != Outcome.RECEIVE:
            raise denied(
                _("A village agent forwards applications to the center; the center decides."),
                CaseErrorCode.VILLAGE_AGENT_FORWARDS,
            )
        if (
            intake.service_point is None
            or not intake.service_point.agents.filter(pk=actor.pk).exists()
        ):
            errors["service_point"] = [
                coded(
                    _("Choose the service point you work for."),
                    CaseErrorCode.SERVICE_POINT_NOT_YOURS,
                )
            ]
    if intake.channel == Channel.VILLAGE_POINT and intake.service_point is None:
        errors.setdefault("service_point", []).append(
            coded(_("Choose the village service point."), CaseErrorCode.REQUIRED)
        )
    if intake.promised_date is not None and intake.promised_date < today:
        errors["promised_date"] = [
            coded(_("The promised date cannot be in the past."), CaseErrorCode.DATE_IN_PAST)
        ]
    if intake.urgent:
        if not (intake.urgent_reason or "").strip():
            errors["urgent_reason"] = [
                coded(_("Say why the case is urgent (急办)."), CaseErrorCode.REQUIRED)
            ]
        elif len(intake.urgent_reason.strip()) > URGENT_REASON_MAX:
            errors["urgent_reason"] = [
                coded(
                    _("The reason is longer than %(max)s characters.") % {"max": URGENT_REASON_MAX},
                    CaseErrorCode.TOO_LONG,
                )
            ]
        if actor is not None and actor.role == Role.VILLAGE_AGENT:
            errors["urgent"] = [
                coded(
                    _("The center decides whether a case is urgent (急办)."),
                    CaseErrorCode.URGENT_CENTER_DECIDES,
                )
            ]
    if intake.outcome == Outcome.REFUSE:
        if not intake.refusal_reason.strip():
            errors["refusal_reason"] = [
                coded(
                    _("Give the reasons for not accepting the application."), CaseErrorCode.REQUIRED
                )
            ]
        if not intake.refusal_basis.strip():
            errors["refusal_basis"] = [
                coded(_("Give the legal basis for not accepting it."), CaseErrorCode.REQUIRED)
            ]
        if intake.refusal_kind not in RefusalKind.values:
            errors["refusal_kind"] = [
                coded(_("Choose out of remit or not acceptable."), CaseErrorCode.INVALID)
            ]
    return errors


def _case_intake(actor, intake: Intake, now: datetime.datetime) -> Case:
    today = local_day(now)
    outcome = intake.outcome
    transition_check(
        {
            Outcome.ACCEPT: "accept",
            Outcome.SUPPLEMENT: "request_supplement",
            Outcome.REFUSE: "refuse",
            Outcome.RECEIVE: "receive",
        }.get(outcome, "receive"),
        NEW,
        actor,
    )
    errors = _intake_errors(actor, intake, today)
    try:
        applicant = applicant_check(intake.applicant)
    except ValidationError as exc:
        errors.update(exc.error_dict)
    first_contact = center_user(intake.first_contact or actor, "first_contact", errors)
    owner = center_user(
        intake.owner, "owner", errors, roles={Role.WINDOW_STAFF, Role.CENTER_DIRECTOR}
    )
    matter = intake.matter
    if not LocalMatter.objects.filter(pk=getattr(matter, "pk", None)).exists():
        errors["matter"] = [
            coded(_("This center has not adopted that matter."), CaseErrorCode.MATTER_NOT_ADOPTED)
        ]
        raise_errors(errors)
    kind = MODE_KINDS.get(matter.mode, CaseKind.PROMISED)
    # Issue 15: a township receives a matter decided above it and forwards it (收件回执);
    # "accept" there means "receive and forward" (the deciding center accepts, art. 32).
    forward = outcome == Outcome.ACCEPT and referrals.forwarded_by_this_center(matter)
    authority = ""
    if outcome == Outcome.REFUSE:
        authority = acceptance.competent_authority_check(
            intake.refusal_kind, intake.competent_authority, matter, errors
        )
    departments = list(dict.fromkeys(intake.departments))
    if kind == CaseKind.JOINT and outcome == Outcome.ACCEPT and not forward:
        if intake.lead_department is None:
            errors["lead_department"] = [
                coded(_("A joint case needs a lead department."), CaseErrorCode.REQUIRED)
            ]
        elif intake.lead_department in departments:
            departments.remove(intake.lead_department)
        if not departments:
            errors["departments"] = [
                coded(
                    _("Choose the other departments that take part in the joint case."),
                    CaseErrorCode.REQUIRED,
                )
            ]
    try:
        lines = checklist(matter, intake.materials)
    except ValidationError as exc:
        errors.update(exc.error_dict)
        lines = []
    if intake.tolerance:
        if outcome != Outcome.ACCEPT:
            errors["tolerance"] = [
                coded(
                    _("容缺 is marked when the case is accepted."),
                    CaseErrorCode.TOLERANCE_AT_ACCEPTANCE,
                )
            ]
        else:
            problems = tolerance_mark(lines, intake.tolerance, today)
            if problems:
                errors["tolerance"] = problems
    missing = missing_lines(lines)
    if outcome == Outcome.ACCEPT and missing and not errors:
        errors["materials"] = [
            coded(
                (
                    _(
                        "%(count)s required material(s) are missing or defective (%(names)s): "
                        "issue the one-time notice instead of accepting."
                    )
                    if not forward
                    else _(
                        "%(count)s required material(s) are missing or defective (%(names)s): "
                        "issue the one-time notice instead of forwarding."
                    )
                )
                % {"count": len(missing), "names": "、".join(m["name"] for m in missing)},
                CaseErrorCode.MATERIALS_MISSING,
            )
        ]
    if outcome == Outcome.SUPPLEMENT and not missing and not errors:
        errors["materials"] = [
            coded(
                _("Mark what is missing or defective: the one-time notice must list it."),
                CaseErrorCode.NOTHING_MISSING,
            )
        ]
    checked_uploads = []
    for upload, material_name in intake.uploads:
        try:
            checked_uploads.append((files.check_scan(upload), upload, material_name))
        except ValidationError as exc:
            errors.setdefault("files", []).extend(exc.error_dict["files"])
    raise_errors(errors)

    case = Case(
        receipt_number=receipt_number_next(today),
        idempotency_key=intake.idempotency_key or None,
        matter=matter,
        matter_code=matter.code,
        matter_name=matter.name,
        kind=kind,
        channel=intake.channel,
        status=CaseStatus.RECEIVED,
        applicant_kind=applicant.kind,
        applicant_name=applicant.name,
        applicant_id_number=applicant.id_number,
        applicant_phone=applicant.phone,
        contact_name=applicant.contact_name,
        address=applicant.address,
        window=intake.window,
        service_point=intake.service_point,
        lead_department=intake.lead_department,
        first_contact=first_contact,
        received_at=now,
        received_on=today,
        legal_days=matter.legal_days,
        promised_days=matter.promised_days,
        extension_max_days=matter.extension_limit,
        promised_visits=matter.visits,
    )
    # 两次终结: an intake at a window is the applicant's first visit; online, by post or
    # through a village agent it is none.
    visit = count_visit(case, actor, now) if intake.channel == Channel.WINDOW else {}
    case.save()
    materials = CaseMaterial.objects.bulk_create(
        [CaseMaterial(case=case, **line) for line in lines]
    )
    by_name = {m.name: m for m in materials}
    attachments = []
    for content_type, upload, material_name in checked_uploads:
        stored = files.store_scan(case, upload, content_type, by_name.get(material_name), actor)
        attachments.append({"kind": "file", "id": stored.pk, "name": stored.original_name})
    detail = {"channel": case.channel, "first_contact": getattr(first_contact, "pk", None)}
    if forward:
        # Received, not accepted (办理状态 1): the 收件回执 names who accepts and decides.
        case.owner = owner or first_contact
        case.save()
        receipt = notices.issue(case, DocumentKind.RECEIPT_OF_MATERIALS)
        attachments.append(document_attachment(receipt))
        detail["forward_to"] = (referrals.deciding_authority(case) or {}).get("center_name", "")
    record(
        case,
        actor,
        CaseAction.RECEIVE,
        at=now,
        from_status=NEW,
        code=ProcessCode.RECEIVED,
        reason=intake.note,
        detail={**detail, **visit},
        attachments=attachments,
        notify=forward,
    )
    if forward:
        referrals.referral_forward(case, actor, now, intake.note.strip())
    elif outcome == Outcome.ACCEPT:
        acceptance.accept(
            case,
            actor,
            now,
            owner=owner or first_contact,
            promised_date=intake.promised_date,
            departments=departments,
            terms=intake.department_terms,
        )
    elif outcome == Outcome.SUPPLEMENT:
        acceptance.supplement_notice_issue(case, actor, now, reason=intake.note)
    elif outcome == Outcome.REFUSE:
        acceptance.refuse(
            case,
            actor,
            now,
            intake.refusal_kind,
            intake.refusal_reason,
            intake.refusal_basis,
            authority,
        )
    if intake.urgent and case.status != CaseStatus.NOT_ACCEPTED:
        _urgent_at_intake(case, actor, now, intake.urgent_reason.strip())
    return case


def _urgent_at_intake(case: Case, actor, now: datetime.datetime, reason: str) -> None:
    """急办 asked at intake: the director (or today's duty leader) marks it at once; anyone
    else's request waits in the director's approval queue (seed plan 1 六办件)."""
    if selectors.urgent_confirm_refusal(actor, local_day(now)) is None:
        urgent_mark(case, actor, now, reason)
        return
    approvals.approval_request(
        actor=actor, case=case, kind=approvals.Kind.URGENT, reason=reason, now=now
    )
