"""Every change to a case: one keyword-only function per step of states.TRANSITIONS, which
checks the actor's role and the case's state, checks the input, writes the case and its
append-only CaseEvent, and queues the applicant's SMS, in one transaction.

`actor` is the acting user, or None for the platform itself (the exchange, demo data).
Errors are `ValidationError({field: [messages]})`; a refused right is `PermissionDenied`.
`now` may be passed by demo data and tests; it defaults to the current time.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from stdnum.cn import ric, uscc

from catalog_cms.standards.vocab import EXTENSION_MAX_DAYS, ProcessingMode
from centers.catalog.models import LocalMatter
from centers.workspace.models import Department, ServicePoint, Window
from tenants.accounts.labels import actor_label
from tenants.accounts.models import CENTER_ROLES, Role, User
from tenants.selectors import current_center

from . import clock, files, notices, notifications, selectors
from .models import (
    ApplicantKind,
    Case,
    CaseDocument,
    CaseEvent,
    CaseFee,
    CaseMaterial,
    CaseTask,
    ClockPause,
    DocumentKind,
    ReceiptCounter,
)
from .states import (
    CLOCK_RUNNING_STATUSES,
    DECISION_CODES,
    NEW,
    REFUSAL_CODES,
    SPECIAL_PAUSE_KINDS,
    CaseKind,
    CaseStatus,
    Channel,
    Decision,
    Delivery,
    Handover,
    PauseKind,
    ProcessCode,
    RefusalKind,
    transition_check,
)

# 行政许可法 art. 32: the one-time notice within 5 (working) days of receiving the materials.
SUPPLEMENT_NOTICE_DAYS = 5
# Art. 42: an extension of up to 10 working days, with the head's approval (15 for joint,
# unified or centralised handling: catalog_cms.standards.vocab.extension_ceiling).
MAX_EXTENSION_DAYS = EXTENSION_MAX_DAYS
# Art. 44: the certificate within 10 working days of the granting decision.
CERTIFICATE_DAYS = 10
# 急办: the reason, as long as a request in the approval queue may be.
URGENT_REASON_MAX = CaseFee._meta.get_field("waiver_reason").max_length
# 两次终结: a third visit needs the director's approval.
VISITS_WITHOUT_APPROVAL = 2
# 行政许可法 art. 32: the one-time notice lists everything at once; a second one on the same
# case is the director's (with a reason), and supervision flags it.
NOTICES_WITHOUT_APPROVAL = 1

MODE_KINDS = {
    ProcessingMode.IMMEDIATE: CaseKind.INSTANT,
    ProcessingMode.PROMISED: CaseKind.PROMISED,
    ProcessingMode.JOINT: CaseKind.JOINT,
    ProcessingMode.REPORT: CaseKind.REPORT_UP,
}

PHONE_RE = re.compile(r"^(1[3-9]\d{9}|0\d{2,3}-?\d{7,8})$")


# --- helpers ----------------------------------------------------------------------------------


def _now(now: datetime.datetime | None) -> datetime.datetime:
    return now or timezone.now()


def _local_day(at: datetime.datetime) -> datetime.date:
    return timezone.localtime(at).date()


def _raise(errors: dict[str, list[str]]) -> None:
    if errors:
        raise ValidationError(errors)


def _event(
    case: Case,
    actor,
    action: str,
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
    # A forwarded case's applicant hears from the township that took it (代办), not from here.
    if notify and case.channel != Channel.REFERRAL:
        notifications.queue_for_event(event)
    if case.referral_key:
        from . import referrals

        referrals.after_event(event)  # tell the other center (上报件), in this transaction
    return event


def _document_attachment(document: CaseDocument) -> dict:
    """How an event names the notice it issued (the desk and the API link it)."""
    return {"kind": "document", "id": document.pk, "name": document.get_kind_display()}


def _approvals_lapse(case: Case, actor, now: datetime.datetime) -> None:
    """The director's requests this step made moot lapse (`approvals.lapse_moot`)."""
    from . import approvals

    approvals.lapse_moot(case=case, actor=actor, now=now)


def _locked(case: Case) -> Case:
    """The case re-read under a row lock: two clerks clicking at once take turns."""
    return Case.objects.select_for_update().get(pk=case.pk)


def _center_user(user, field_name: str, errors: dict, *, roles=CENTER_ROLES) -> User | None:
    if user is None:
        return None
    if not isinstance(user, User):
        user = User.objects.filter(pk=user).first()
    if user is None or not user.is_active or user.role not in roles:
        errors.setdefault(field_name, []).append(_("Choose an active staff member of this center."))
        return None
    return user


def _require_director(actor, step: str) -> None:
    if actor is not None and actor.role != Role.CENTER_DIRECTOR:
        raise PermissionDenied(_("Only the center director may approve %(step)s.") % {"step": step})


def _deadline_refresh(case: Case) -> None:
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
            due = _task_due(case, task.days)
            if due != task.due_date:
                task.due_date = due
                task.save(update_fields=["due_date"])


def _urgent_target(case: Case) -> datetime.date | None:
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


def _task_due(case: Case, days: int | None) -> datetime.date | None:
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
                    _("%(department)s: its working days must be 1 to %(max)s (the case's term).")
                    % {"department": department.name, "max": limit}
                )
        if len(needs) > 500:
            errors.setdefault("department_terms", []).append(
                _("%(department)s: say what it needs in at most 500 characters.")
                % {"department": department.name}
            )
        result[department.pk] = {"needs": needs[:500], "days": days}
    _raise(errors)
    return result


# --- input checks -----------------------------------------------------------------------------


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
        errors["applicant_kind"] = [_("Choose a person or an organisation.")]
    if not name:
        errors["applicant_name"] = [_("Enter the applicant's name.")]
    elif len(name) > 100:
        errors["applicant_name"] = [_("The name is longer than 100 characters.")]
    if kind == ApplicantKind.PERSON:
        if not ric.is_valid(id_number):
            errors["applicant_id_number"] = [
                _("“%(value)s” is not a valid resident ID number (居民身份证号): check the digits.")
                % {"value": id_number}
            ]
    elif kind == ApplicantKind.ORGANISATION and not uscc.is_valid(id_number):
        errors["applicant_id_number"] = [
            _(
                "“%(value)s” is not a valid unified social credit code (统一社会信用代码): "
                "check the characters."
            )
            % {"value": id_number}
        ]
    if not PHONE_RE.match(phone):
        errors["applicant_phone"] = [
            _("Enter an 11-digit mobile number or a landline with its area code.")
        ]
    _raise(errors)
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
                    _("This center has not adopted a matter with code “%(code)s”.") % {"code": code}
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


def _checklist(matter: LocalMatter, received: Sequence[dict] | None) -> list[dict]:
    """The matter's materials merged with what was received (by name). A material the clerk
    did not mention is missing if required, not needed otherwise."""
    given = {(m.get("name") or "").strip(): m for m in (received or [])}
    known = {m["name"] for m in matter.materials}
    unknown = [name for name in given if name and name not in known]
    if unknown:
        raise ValidationError(
            {
                "materials": [
                    _("“%(name)s” is not a material of this matter.") % {"name": unknown[0]}
                ]
            }
        )
    lines = []
    for order, m in enumerate(matter.materials):
        got = given.get(m["name"], {})
        default = CaseMaterial.State.MISSING if m.get("required", True) else "not_needed"
        state = got.get("state") or default
        if state not in CaseMaterial.State.values:
            raise ValidationError(
                {"materials": [_("Unknown material state “%(state)s”.") % {"state": state}]}
            )
        note = (got.get("note") or "").strip()
        if state == CaseMaterial.State.DEFECTIVE and not note:
            raise ValidationError(
                {"materials": [_("Say what is wrong with “%(name)s”.") % {"name": m["name"]}]}
            )
        lines.append(
            {
                "order": order,
                "name": m["name"],
                "required": m.get("required", True),
                "originals_needed": m.get("originals", 1) or 0,
                "copies_needed": m.get("copies", 0) or 0,
                "originals_received": int(got.get("originals_received") or 0),
                "copies_received": int(got.get("copies_received") or 0),
                "state": state,
                "note": note[:300],
                "tolerance_allowed": bool(m.get("tolerance")) and m.get("required", True),
            }
        )
    return lines


def _missing(lines) -> list:
    return [
        line
        for line in lines
        if _line_state(line) in (CaseMaterial.State.MISSING, CaseMaterial.State.DEFECTIVE)
    ]


def _line_state(line) -> str:
    return line["state"] if isinstance(line, dict) else line.state


# Material states a clerk sets by hand; 容缺 and its waiver are their own steps.
INPUT_STATES = (
    CaseMaterial.State.RECEIVED,
    CaseMaterial.State.MISSING,
    CaseMaterial.State.DEFECTIVE,
    CaseMaterial.State.NOT_NEEDED,
)


def _tolerance_mark(lines, tolerance, today: datetime.date) -> list[str]:
    """容缺受理 at acceptance: mark the named missing materials as 容缺 (accepted without
    them) with the date the applicant promises to bring each. Only a material the matter's
    template marks as 容缺-eligible, missing or defective now, with a date not in the past.
    `lines` are the case's CaseMaterial rows or intake dicts; returns the errors."""
    errors: list[str] = []
    by_name = {(line["name"] if isinstance(line, dict) else line.name): line for line in lines}
    for item in tolerance or ():
        name = (item.get("name") or "").strip()
        due = item.get("due")
        line = by_name.get(name)
        if line is None:
            errors.append(_("“%(name)s” is not a material of this case.") % {"name": name})
            continue
        get = line.get if isinstance(line, dict) else lambda key, line=line: getattr(line, key)
        if not get("tolerance_allowed"):
            errors.append(
                _("“%(name)s” is not a 容缺 material of this matter: it must be brought before "
                  "acceptance.") % {"name": name}
            )  # fmt: skip
        elif get("state") not in (CaseMaterial.State.MISSING, CaseMaterial.State.DEFECTIVE):
            errors.append(
                _("“%(name)s” is not missing: 容缺 is for a material still to come.")
                % {"name": name}
            )
        elif not isinstance(due, datetime.date) or due < today:
            errors.append(
                _("Give the date by which the applicant brings “%(name)s” (not in the past).")
                % {"name": name}
            )
        else:
            if isinstance(line, dict):
                line["state"] = CaseMaterial.State.TOLERATED
                line["tolerance_due"] = due
            else:
                line.state = CaseMaterial.State.TOLERATED
                line.tolerance_due = due
    return errors


def _visit(case: Case, actor, now: datetime.datetime) -> dict:
    """两次终结: the applicant comes to a window for this step (a window intake, materials
    brought to a window, a result collected at a window). Counts the visit on the case and
    returns the event's visit marker. A visit beyond two is the director's: the director takes
    the step, or a clerk takes it with the director's approved further-visit request, which
    it uses up. A step refused here changes nothing (the caller's transaction rolls back)."""
    number = case.visits + 1
    marker: dict = {"visit": True, "visits": number}
    if number > VISITS_WITHOUT_APPROVAL:
        if actor is None or actor.role == Role.CENTER_DIRECTOR:
            marker["director_approved"] = True
        else:
            approval = selectors.further_visit_unused(case)
            if approval is None:
                raise PermissionDenied(
                    _(
                        "This would be visit %(n)s: beyond two visits (两次终结) the director "
                        "must approve it."
                    )
                    % {"n": number}
                )
            marker.update(director_approved=True, visit_approval=approval.pk)
    case.visits = number
    return marker


# --- intake -----------------------------------------------------------------------------------


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


def _receipt_number(day: datetime.date) -> str:
    """The center's 12-digit division code (统计用区划代码) + YYYYMMDD + a five-digit sequence
    of the day, taken atomically (one statement): unique across the city, so a district, the
    city and a provincial exchange can tell two centers' cases apart. Receipts issued before
    the code was added (YYYYMMDD + sequence) stay valid where they were printed."""
    return receipt_number_for(current_center().division_code, day, ReceiptCounter.take(day))


def receipt_number_for(division_code: str, day: datetime.date, sequence: int) -> str:
    return f"{division_code}{day:%Y%m%d}{sequence:05d}"


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
            return _case_intake(actor, intake, _now(now))
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
        errors["outcome"] = [_("Choose accept, one-time notice, refuse or receive.")]
    if intake.channel not in (Channel.WINDOW, Channel.VILLAGE_POINT, Channel.ONLINE):
        errors["channel"] = [_("Choose the window, a village point or online.")]
    if actor is not None and actor.role == Role.VILLAGE_AGENT:
        if intake.channel != Channel.VILLAGE_POINT or intake.outcome != Outcome.RECEIVE:
            raise PermissionDenied(
                _("A village agent forwards applications to the center; the center decides.")
            )
        if (
            intake.service_point is None
            or not intake.service_point.agents.filter(pk=actor.pk).exists()
        ):
            errors["service_point"] = [_("Choose the service point you work for.")]
    if intake.channel == Channel.VILLAGE_POINT and intake.service_point is None:
        errors.setdefault("service_point", []).append(_("Choose the village service point."))
    if intake.promised_date is not None and intake.promised_date < today:
        errors["promised_date"] = [_("The promised date cannot be in the past.")]
    if intake.urgent:
        if not (intake.urgent_reason or "").strip():
            errors["urgent_reason"] = [_("Say why the case is urgent (急办).")]
        elif len(intake.urgent_reason.strip()) > URGENT_REASON_MAX:
            errors["urgent_reason"] = [
                _("The reason is longer than %(max)s characters.") % {"max": URGENT_REASON_MAX}
            ]
        if actor is not None and actor.role == Role.VILLAGE_AGENT:
            errors["urgent"] = [_("The center decides whether a case is urgent (急办).")]
    if intake.outcome == Outcome.REFUSE:
        if not intake.refusal_reason.strip():
            errors["refusal_reason"] = [_("Give the reasons for not accepting the application.")]
        if not intake.refusal_basis.strip():
            errors["refusal_basis"] = [_("Give the legal basis for not accepting it.")]
        if intake.refusal_kind not in RefusalKind.values:
            errors["refusal_kind"] = [_("Choose out of remit or not acceptable.")]
    return errors


def competent_authority_default(matter: LocalMatter) -> str:
    """Where an applicant is sent when the matter is outside this center's competence (art.
    32(2)): the matter's own entry (from its city template), else the district catalog's
    receiving center or window for its template."""
    if (matter.competent_authority or "").strip():
        return matter.competent_authority.strip()
    if matter.template_id:
        from catalog_cms.standards.models import DistrictCatalogEntry
        from tenants.selectors import current_center

        center = current_center()
        district_id = center.pk if center.kind == "district" else center.parent_id
        entry = DistrictCatalogEntry.objects.filter(
            district_id=district_id, template_id=matter.template_id
        ).first()
        if entry is not None and entry.receiving_window.strip():
            return entry.receiving_window.strip()
    return ""


def _competent_authority(kind: str, given: str, matter: LocalMatter, errors: dict) -> str:
    """Art. 32(2): a refusal as outside this center's competence names the authority to apply
    to (given, or the default); required for that kind, kept empty for the other."""
    if kind != RefusalKind.OUT_OF_SCOPE:
        return ""
    authority = (given or "").strip() or competent_authority_default(matter)
    if not authority:
        errors["competent_authority"] = [
            _(
                "Name the authority the applicant should apply to: outside this center's "
                "competence the law asks for it (行政许可法 art. 32(2))."
            )
        ]
    elif len(authority) > 200:
        errors["competent_authority"] = [_("At most 200 characters.")]
    return authority[:200]


def _case_intake(actor, intake: Intake, now: datetime.datetime) -> Case:
    today = _local_day(now)
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
        errors.update(exc.message_dict)
    first_contact = _center_user(intake.first_contact or actor, "first_contact", errors)
    owner = _center_user(
        intake.owner, "owner", errors, roles={Role.WINDOW_STAFF, Role.CENTER_DIRECTOR}
    )
    matter = intake.matter
    if not LocalMatter.objects.filter(pk=getattr(matter, "pk", None)).exists():
        errors["matter"] = [_("This center has not adopted that matter.")]
        _raise(errors)
    kind = MODE_KINDS.get(matter.mode, CaseKind.PROMISED)
    from . import referrals

    # Issue 15: a township receives a matter decided above it and forwards it (收件回执);
    # "accept" there means "receive and forward" (the deciding center accepts, art. 32).
    forward = outcome == Outcome.ACCEPT and referrals.forwarded_by_this_center(matter)
    authority = ""
    if outcome == Outcome.REFUSE:
        authority = _competent_authority(
            intake.refusal_kind, intake.competent_authority, matter, errors
        )
    departments = list(dict.fromkeys(intake.departments))
    if kind == CaseKind.JOINT and outcome == Outcome.ACCEPT and not forward:
        if intake.lead_department is None:
            errors["lead_department"] = [_("A joint case needs a lead department.")]
        elif intake.lead_department in departments:
            departments.remove(intake.lead_department)
        if not departments:
            errors["departments"] = [
                _("Choose the other departments that take part in the joint case.")
            ]
    try:
        lines = _checklist(matter, intake.materials)
    except ValidationError as exc:
        errors.update(exc.message_dict)
        lines = []
    if intake.tolerance:
        if outcome != Outcome.ACCEPT:
            errors["tolerance"] = [_("容缺 is marked when the case is accepted.")]
        else:
            problems = _tolerance_mark(lines, intake.tolerance, today)
            if problems:
                errors["tolerance"] = problems
    missing = _missing(lines)
    if outcome == Outcome.ACCEPT and missing and not errors:
        errors["materials"] = [
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
            % {"count": len(missing), "names": "、".join(m["name"] for m in missing)}
        ]
    if outcome == Outcome.SUPPLEMENT and not missing and not errors:
        errors["materials"] = [
            _("Mark what is missing or defective: the one-time notice must list it.")
        ]
    checked_uploads = []
    for upload, material_name in intake.uploads:
        try:
            checked_uploads.append((files.check_scan(upload), upload, material_name))
        except ValidationError as exc:
            errors.setdefault("files", []).extend(exc.messages)
    _raise(errors)

    case = Case(
        receipt_number=_receipt_number(today),
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
    visit = _visit(case, actor, now) if intake.channel == Channel.WINDOW else {}
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
        attachments.append(_document_attachment(receipt))
        detail["forward_to"] = (referrals.deciding_authority(case) or {}).get("center_name", "")
    _event(
        case,
        actor,
        "receive",
        at=now,
        from_status=NEW,
        code=ProcessCode.RECEIVED,
        reason=intake.note,
        detail={**detail, **visit},
        attachments=attachments,
        notify=forward,
    )
    if forward:
        referrals._refer_up(case, actor, now, intake.note.strip())
    elif outcome == Outcome.ACCEPT:
        _accept(
            case,
            actor,
            now,
            owner=owner or first_contact,
            intake=intake,
            departments=departments,
            terms=intake.department_terms,
        )
    elif outcome == Outcome.SUPPLEMENT:
        _request_supplement(case, actor, now, reason=intake.note)
    elif outcome == Outcome.REFUSE:
        _refuse(
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
    if selectors.urgent_confirm_refusal(actor, _local_day(now)) is None:
        _mark_urgent(case, actor, now, reason)
        return
    from . import approvals

    approvals.approval_request(
        actor=actor, case=case, kind=approvals.Kind.URGENT, reason=reason, now=now
    )


# --- acceptance -------------------------------------------------------------------------------


def _acceptance_start(case: Case, today: datetime.date) -> tuple[datetime.date, bool]:
    """The day the clock counts from: today, unless the 5-day window for the one-time notice
    (art. 32) has passed without one, in which case the day the materials arrived. The window
    counts official working days (art. 82): a closure of the center does not stretch it."""
    notice_given = case.pauses.filter(kind=PauseKind.SUPPLEMENT).exists()
    if notice_given:
        return today, False
    limit, _provisional = clock.due_date(case.received_on, SUPPLEMENT_NOTICE_DAYS)
    if today > limit:
        return case.received_on, True
    return today, False


def _accept(
    case: Case,
    actor,
    now: datetime.datetime,
    *,
    owner,
    intake: Intake | None = None,
    departments=(),
    terms: dict | None = None,
    code_reason: str = "",
) -> None:
    from_status = case.status
    today = _local_day(now)
    if case.acceptance_deemed and case.accepted_on is not None:
        # Deemed accepted when a late one-time notice was issued: the clock keeps that start.
        start, deemed = case.accepted_on, True
    else:
        start, deemed = _acceptance_start(case, today)
    case.status = CaseStatus.ACCEPTED
    case.accepted_at = now
    case.accepted_on = start
    case.acceptance_deemed = case.acceptance_deemed or deemed
    case.owner = owner
    _deadline_refresh(case)
    if intake is not None and intake.promised_date is not None:
        if case.due_date and intake.promised_date > case.due_date:
            raise ValidationError(
                {
                    "promised_date": [
                        _("The promised date cannot be later than %(due)s, the matter's limit.")
                        % {"due": case.due_date}
                    ]
                }
            )
        case.due_date = intake.promised_date
    if case.urgent:
        case.urgent_target_date = _urgent_target(case)
    tolerated = [m for m in case.materials.all() if m.state == CaseMaterial.State.TOLERATED]
    late = [m.name for m in tolerated if case.due_date and m.tolerance_due > case.due_date]
    if late:
        raise ValidationError(
            {
                "tolerance": [
                    _("The 容缺 material(s) %(names)s must be brought by %(due)s, the case's "
                      "promised date, so that it can close on time.")
                    % {"names": "、".join(late), "due": case.due_date}
                ]
            }
        )  # fmt: skip
    case.save()
    joint_notice = None
    if case.kind == CaseKind.JOINT and departments:
        checked = department_terms_check(case, departments, terms)
        CaseTask.objects.bulk_create(
            [
                CaseTask(
                    case=case,
                    department=case.lead_department,
                    is_lead=True,
                    due_date=_task_due(case, None),
                )
            ]
            + [
                CaseTask(
                    case=case,
                    department=d,
                    needs=checked[d.pk]["needs"],
                    days=checked[d.pk]["days"],
                    due_date=_task_due(case, checked[d.pk]["days"]),
                )
                for d in departments
            ]
        )
        # Seed plan 1 (并联审批制度): the lead department gives the 并联审批告知单 on acceptance.
        joint_notice = notices.issue(case, DocumentKind.JOINT_NOTICE)
    _fees_create(case)
    document = notices.issue(case, DocumentKind.ACCEPTANCE_NOTICE)
    attachments = [_document_attachment(document)]
    if tolerated:
        # 容缺受理: the applicant signs the commitment to bring each material by its date.
        commitment = notices.issue(case, DocumentKind.TOLERANCE_COMMITMENT)
        attachments.append(_document_attachment(commitment))
    event = _event(
        case,
        actor,
        "accept",
        at=now,
        from_status=from_status,
        code=ProcessCode.ACCEPTED,
        reason=code_reason
        or (_("Deemed accepted from the day the materials arrived (art. 32).") if deemed else ""),
        detail={
            "owner": getattr(owner, "pk", None),
            "accepted_on": start.isoformat(),
            "due_date": case.due_date.isoformat() if case.due_date else None,
            "provisional": case.due_provisional,
            "deemed": deemed,
            "tolerance": [{"name": m.name, "due": m.tolerance_due.isoformat()} for m in tolerated],
        },
        attachments=attachments + ([_document_attachment(joint_notice)] if joint_notice else []),
        notify=True,
    )
    if case.kind == CaseKind.JOINT:
        for task in case.tasks.all():
            _event(
                case,
                actor,
                "task_start",
                at=event.at,
                from_status=case.status,
                code=ProcessCode.DEPARTMENT_START,
                detail={
                    "department": task.department.name,
                    "lead": task.is_lead,
                    "task_due_date": task.due_date.isoformat() if task.due_date else None,
                    "needs": task.needs,
                },
            )


def _fees_create(case: Case) -> None:
    matter = case.matter
    if matter.fee_free or not matter.fee_amount:
        return
    CaseFee.objects.create(
        case=case,
        item=matter.fee_standard[:200] or matter.name,
        basis=matter.fee_basis,
        amount=matter.fee_amount,
        window=case.window,
    )


def case_accept(
    *,
    actor,
    case: Case,
    owner=None,
    lead_department=None,
    departments=(),
    department_terms: dict | None = None,
    promised_date: datetime.date | None = None,
    tolerance: Sequence[dict] = (),
    now: datetime.datetime | None = None,
) -> Case:
    """Accept a received case after pre-review (an agent's or an online application). Missing
    materials the matter marks as 容缺-eligible may be accepted as 容缺 (`tolerance`: name and
    the date the applicant brings each), with the printed commitment."""
    now = _now(now)
    with transaction.atomic():
        case = _locked(case)
        transition_check("accept", case.status, actor)
        refusal = acceptance_refusal(case)
        if refusal:
            raise ValidationError({"status": [refusal]})
        errors: dict[str, list[str]] = {}
        owner = _center_user(
            owner or actor, "owner", errors, roles={Role.WINDOW_STAFF, Role.CENTER_DIRECTOR}
        )
        lines = list(case.materials.all())
        problems = _tolerance_mark(lines, tolerance, _local_day(now))
        if problems:
            errors["tolerance"] = problems
        missing = _missing(lines)
        if missing:
            errors["materials"] = [
                _("Materials are missing (%(names)s): issue the one-time notice first.")
                % {"names": "、".join(m.name for m in missing)}
            ]
        departments = [d for d in dict.fromkeys(departments) if d != lead_department]
        if case.kind == CaseKind.JOINT and (lead_department is None or not departments):
            errors["departments"] = [
                _("A joint case needs a lead department and at least one other department.")
            ]
        if promised_date is not None and promised_date < _local_day(now):
            errors["promised_date"] = [_("The promised date cannot be in the past.")]
        _raise(errors)
        if case.kind == CaseKind.JOINT:
            case.lead_department = lead_department
        for line in lines:
            if line.state == CaseMaterial.State.TOLERATED:
                line.save(update_fields=["state", "tolerance_due"])
        intake = Intake(matter=case.matter, applicant={}, promised_date=promised_date)
        _accept(
            case,
            actor,
            now,
            owner=owner,
            intake=intake,
            departments=departments,
            terms=department_terms,
        )
    return case


def acceptance_refusal(case: Case) -> str | None:
    """Why this center may not accept the case, or None: a township receives a matter decided
    above it and forwards it (issue 15; the deciding center's acceptance starts the clock).
    Used by case_accept, the desk's offer and the API's actions."""
    from . import referrals

    if case.channel != Channel.REFERRAL and referrals.forwarded_by_this_center(case.matter):
        return _(
            "“%(matter)s” is decided above this center: forward it to the district "
            "(收件回执); the district center accepts it."
        ) % {"matter": case.matter_name}
    return None


# --- 补正 (one-time notice) -------------------------------------------------------------------


def _request_supplement(
    case: Case, actor, now: datetime.datetime, *, reason: str = "", extra: dict | None = None
) -> None:
    from_status = case.status
    today = _local_day(now)
    detail: dict = dict(extra or {})
    if from_status in (NEW, CaseStatus.RECEIVED) and case.accepted_on is None:
        limit, _p = clock.due_date(case.received_on, SUPPLEMENT_NOTICE_DAYS)
        if today > limit:
            # Art. 32: a late notice — the case counts as accepted from the day the materials
            # arrived, so the clock runs from then until this notice pauses it.
            case.accepted_on = case.received_on
            case.accepted_at = now
            case.acceptance_deemed = True
            case.promised_days = case.promised_days or case.matter.promised_days
            detail["deemed_accepted_on"] = case.received_on.isoformat()
    case.status = CaseStatus.SUPPLEMENTING
    _deadline_refresh(case)
    case.save()
    ClockPause.objects.create(
        case=case, kind=PauseKind.SUPPLEMENT, reason=reason or _("补正"), start_on=today
    )
    document = notices.issue(case, DocumentKind.SUPPLEMENT_NOTICE)
    missing = _missing(list(case.materials.all()))
    detail["missing"] = [{"name": m.name, "state": m.state, "note": m.note} for m in missing]
    _event(
        case,
        actor,
        "request_supplement",
        at=now,
        from_status=from_status,
        code=ProcessCode.SUPPLEMENT_START,
        reason=reason
        or (
            _("One-time notice issued late: deemed accepted (art. 32).")
            if "deemed_accepted_on" in detail
            else ""
        ),
        detail=detail,
        attachments=[_document_attachment(document)],
        notify=True,
    )


def case_request_supplement(
    *,
    actor,
    case: Case,
    materials: Sequence[dict],
    reason: str = "",
    approval=None,
    now: datetime.datetime | None = None,
) -> Case:
    """Issue the one-time notice (一次性告知单): mark every missing or defective material in one
    go. From a received case (pre-review) or during handling; the clock stops.

    行政许可法 art. 32: the notice tells everything at once, so a case gets one. A second one
    is the director's, with the reason: the director issues it, or approves a clerk's request
    (`approvals`, kind second_supplement), which issues it here in the director's name
    (`approval`: that request)."""
    now = _now(now)
    with transaction.atomic():
        case = _locked(case)
        transition_check("request_supplement", case.status, actor)
        if case.pauses.filter(kind=PauseKind.SUPPLEMENT, end_on__isnull=True).exists():
            raise ValidationError({"status": [_("A one-time notice is already open.")]})
        number = selectors.supplement_notices(case) + 1
        extra: dict = {}
        if number > NOTICES_WITHOUT_APPROVAL:
            if actor is not None and actor.role != Role.CENTER_DIRECTOR:
                raise PermissionDenied(
                    _(
                        "The one-time notice was already issued once (art. 32): a second one "
                        "needs the director's approval. Ask the director, with the reason."
                    )
                )
            if not (reason or "").strip():
                raise ValidationError(
                    {"reason": [_("Say why a second one-time notice is needed; it is recorded.")]}
                )
            extra = {"notice_number": number, "director_approved": True}
            if approval is not None:
                extra["approval"] = approval.pk
        _materials_update(case, materials)
        if not _missing(list(case.materials.all())):
            raise ValidationError(
                {"materials": [_("Mark what is missing or defective: the notice must list it.")]}
            )
        _request_supplement(case, actor, now, reason=(reason or "").strip(), extra=extra)
        _approvals_lapse(case, actor, now)
    return case


def _materials_update(case: Case, materials: Sequence[dict], *, save: bool = True) -> list:
    """The case's material lines with the given states and notes, checked; saved unless
    `save` is False (an approval request checks the lines it will ask for)."""
    by_name = {m.name: m for m in case.materials.all()}
    for given in materials or ():
        line = by_name.get((given.get("name") or "").strip())
        if line is None:
            raise ValidationError(
                {
                    "materials": [
                        _("“%(name)s” is not a material of this case.")
                        % {"name": given.get("name")}
                    ]
                }
            )
        state = given.get("state") or line.state
        if state not in CaseMaterial.State.values:
            raise ValidationError(
                {"materials": [_("Unknown material state “%(state)s”.") % {"state": state}]}
            )
        if state != line.state and (
            state not in INPUT_STATES or line.state == CaseMaterial.State.TOLERATED
        ):
            raise ValidationError(
                {
                    "materials": [
                        _("“%(name)s”: 容缺 is settled by its own step (brought in, or waived by "
                          "the director).") % {"name": line.name}
                    ]
                }
            )  # fmt: skip
        note = (given.get("note") or "").strip()[:300]
        if state == CaseMaterial.State.DEFECTIVE and not note:
            raise ValidationError(
                {"materials": [_("Say what is wrong with “%(name)s”.") % {"name": line.name}]}
            )
        line.state = state
        line.note = note
        for attr in ("originals_received", "copies_received"):
            if given.get(attr) is not None:
                setattr(line, attr, max(0, int(given[attr])))
        if save:
            line.save()
    return list(by_name.values())


def _close_pause(case: Case, today: datetime.date) -> ClockPause | None:
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


def case_complete_supplement(
    *,
    actor,
    case: Case,
    materials: Sequence[dict] = (),
    owner=None,
    lead_department=None,
    departments=(),
    uploads: Sequence = (),
    via: str | None = None,
    now: datetime.datetime | None = None,
) -> Case:
    """The applicant brought what the notice listed (补正结束). A case never accepted is
    accepted now; a case in handling resumes its clock.

    `via` says how the materials came (states.Delivery; by default the way the case came in:
    a window case's at the window, an online one's online): brought to a window, it is a
    visit of the applicant (两次终结), and a third needs the director."""
    now = _now(now)
    today = _local_day(now)
    with transaction.atomic():
        case = _locked(case)
        transition_check("complete_supplement", case.status, actor)
        via = _delivery(case, via)
        _materials_update(case, materials)
        missing = _missing(list(case.materials.all()))
        if missing:
            raise ValidationError(
                {
                    "materials": [
                        _("Still missing or defective: %(names)s.")
                        % {"names": "、".join(m.name for m in missing)}
                    ]
                }
            )
        attachments = _attach(case, actor, uploads)
        visit = _visit(case, actor, now) if via == Delivery.WINDOW else {}
        pause = _close_pause(case, today)
        needs_acceptance = not case.events.filter(action="accept").exists()
        # A case this township forwards goes back to RECEIVED, to be forwarded (issue 15).
        forwarded = needs_acceptance and acceptance_refusal(case) is not None
        case.status = CaseStatus.RECEIVED if forwarded else CaseStatus.ACCEPTED
        _deadline_refresh(case)
        case.save()
        _event(
            case,
            actor,
            "complete_supplement",
            at=now,
            from_status=CaseStatus.SUPPLEMENTING,
            code=ProcessCode.SUPPLEMENT_END,
            detail={"paused_days": getattr(pause, "paused_days", 0), "via": via, **visit},
            attachments=attachments,
        )
        if needs_acceptance and not forwarded:
            errors: dict[str, list[str]] = {}
            owner = _center_user(
                owner or actor, "owner", errors, roles={Role.WINDOW_STAFF, Role.CENTER_DIRECTOR}
            )
            departments = [d for d in dict.fromkeys(departments) if d != lead_department]
            if case.kind == CaseKind.JOINT and (lead_department is None or not departments):
                errors["departments"] = [
                    _("A joint case needs a lead department and at least one other department.")
                ]
            _raise(errors)
            if case.kind == CaseKind.JOINT:
                case.lead_department = lead_department
            case.status = CaseStatus.SUPPLEMENTING  # _accept records the step from here
            _accept(case, actor, now, owner=owner, departments=departments)
    return case


def _delivery(case: Case, via: str | None) -> str:
    """How materials came in after intake: as given, or the way the case itself came."""
    if not via:
        via = {
            Channel.WINDOW: Delivery.WINDOW,
            Channel.VILLAGE_POINT: Delivery.VILLAGE_POINT,
        }.get(case.channel, Delivery.ONLINE)
    if via not in Delivery.values:
        raise ValidationError(
            {"via": [_("Choose how the materials came: window, online, post or village point.")]}
        )
    return via


def _attach(case: Case, actor, uploads: Sequence) -> list[dict]:
    attachments = []
    by_name = {m.name: m for m in case.materials.all()}
    for upload, material_name in uploads:
        content_type = files.check_scan(upload)
        stored = files.store_scan(case, upload, content_type, by_name.get(material_name), actor)
        attachments.append({"kind": "file", "id": stored.pk, "name": stored.original_name})
    return attachments


# --- refusal ----------------------------------------------------------------------------------


def _refuse(case: Case, actor, now, kind: str, reason: str, basis: str, authority="") -> None:
    from_status = case.status
    if from_status == CaseStatus.SUPPLEMENTING:
        _close_pause(case, _local_day(now))
    case.status = CaseStatus.NOT_ACCEPTED
    case.refusal_kind = kind
    case.refusal_reason = reason.strip()
    case.refusal_basis = basis.strip()
    case.competent_authority = authority
    case.closed_at = now
    case.closed_on = _local_day(now)
    case.save()
    document = notices.issue(case, DocumentKind.REFUSAL_DECISION)
    _event(
        case,
        actor,
        "refuse",
        at=now,
        from_status=from_status,
        code=REFUSAL_CODES[RefusalKind(kind)],
        reason=reason.strip(),
        detail={"kind": kind, "basis": basis.strip(), "competent_authority": authority},
        attachments=[_document_attachment(document)],
        notify=True,
    )
    _approvals_lapse(case, actor, now)


def case_refuse(
    *,
    actor,
    case: Case,
    reason: str,
    basis: str,
    kind: str = RefusalKind.NOT_ACCEPTABLE,
    competent_authority: str = "",
    now: datetime.datetime | None = None,
) -> Case:
    """不予受理/退回 with reasons and legal basis, and the written decision; outside this
    center's competence it names the authority to apply to (art. 32(2))."""
    now = _now(now)
    errors: dict[str, list[str]] = {}
    if not (reason or "").strip():
        errors["refusal_reason"] = [_("Give the reasons for not accepting the application.")]
    if not (basis or "").strip():
        errors["refusal_basis"] = [_("Give the legal basis for not accepting it.")]
    if kind not in RefusalKind.values:
        errors["refusal_kind"] = [_("Choose out of remit or not acceptable.")]
    with transaction.atomic():
        case = _locked(case)
        transition_check("refuse", case.status, actor)
        authority = _competent_authority(kind, competent_authority, case.matter, errors)
        _raise(errors)
        _refuse(case, actor, now, kind, reason, basis, authority)
    return case


# --- special procedures and extension ----------------------------------------------------------


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
    now = _now(now)
    errors: dict[str, list[str]] = {}
    if kind not in SPECIAL_PAUSE_KINDS:
        errors["kind"] = [_("Choose hearing, inspection, testing, expert review or other.")]
    if not (reason or "").strip():
        errors["reason"] = [_("Give the reason for the special procedure.")]
    try:
        expected_days = int(expected_days) if expected_days is not None else None
    except (TypeError, ValueError):
        expected_days = 0
    if expected_days is None:
        errors["expected_days"] = [
            _(
                "Say how many working days it is expected to take: the applicant is told in "
                "writing (art. 45)."
            )
        ]
    elif not (0 < expected_days <= 365):
        errors["expected_days"] = [_("Expected working days must be between 1 and 365.")]
    with transaction.atomic():
        case = _locked(case)
        transition_check("start_special", case.status, actor)
        _raise(errors)
        today = _local_day(now)
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
        _event(
            case,
            actor,
            "start_special",
            at=now,
            from_status=CaseStatus.ACCEPTED,
            code=ProcessCode.SPECIAL_START,
            reason=reason.strip(),
            detail={"kind": kind, "expected_days": expected_days},
            attachments=[_document_attachment(document)],
            notify=True,
        )
    return case


def case_special_end(
    *, actor, case: Case, result: str = "", now: datetime.datetime | None = None
) -> Case:
    now = _now(now)
    with transaction.atomic():
        case = _locked(case)
        transition_check("end_special", case.status, actor)
        pause = _close_pause(case, _local_day(now))
        case.status = CaseStatus.ACCEPTED
        _deadline_refresh(case)
        case.save()
        _event(
            case,
            actor,
            "end_special",
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
    now = _now(now)
    errors: dict[str, list[str]] = {}
    try:
        days = int(days)
    except (TypeError, ValueError):
        days = 0
    if not (reason or "").strip():
        errors["reason"] = [_("Give the reason for the extension.")]
    approver_name = (approver_name or "").strip()
    approver_post = (approver_post or "").strip()
    if not approver_name:
        errors["approver_name"] = [_("Name the official who approved the extension.")]
    elif len(approver_name) > APPROVER_TEXT_MAX:
        errors["approver_name"] = [_("At most %(max)s characters.") % {"max": APPROVER_TEXT_MAX}]
    if not approver_post:
        errors["approver_post"] = [_("Give the approving official's post.")]
    elif len(approver_post) > APPROVER_TEXT_MAX:
        errors["approver_post"] = [_("At most %(max)s characters.") % {"max": APPROVER_TEXT_MAX}]
    with transaction.atomic():
        case = _locked(case)
        transition_check("extend", case.status, actor)
        _require_director(actor, _("an extension"))
        if days < 1 or case.extension_days + days > case.extension_max_days:
            errors["days"] = [
                _("An extension is 1 to %(max)s working days in all; %(used)s are already granted.")
                % {"max": case.extension_max_days, "used": case.extension_days}
            ]
        _raise(errors)
        capacity = selectors.extension_approver_capacity(case)
        before = case.due_date
        case.extension_days += days
        _deadline_refresh(case)
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
                "issued_on": _local_day(now),
            },
        )
        _event(
            case,
            actor,
            "extend",
            at=now,
            from_status=case.status,
            reason=reason.strip(),
            attachments=[_document_attachment(document)],
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


# --- owner, visits, joint sign-off ------------------------------------------------------------


def case_reassign(
    *, actor, case: Case, owner, reason: str, now: datetime.datetime | None = None
) -> Case:
    now = _now(now)
    errors: dict[str, list[str]] = {}
    if not (reason or "").strip():
        errors["reason"] = [_("Say why the case changes hands.")]
    new_owner = _center_user(
        owner, "owner", errors, roles={Role.WINDOW_STAFF, Role.CENTER_DIRECTOR}
    )
    with transaction.atomic():
        case = _locked(case)
        transition_check("reassign", case.status, actor)
        if new_owner is not None and new_owner.pk == case.owner_id:
            errors["owner"] = [_("That person already owns the case.")]
        _raise(errors)
        before = case.owner_id
        case.owner = new_owner
        case.save()
        _event(
            case,
            actor,
            "reassign",
            at=now,
            from_status=case.status,
            reason=reason.strip(),
            detail={"from_owner": before, "to_owner": new_owner.pk},
        )
    return case


def case_record_visit(
    *, actor, case: Case, note: str = "", now: datetime.datetime | None = None
) -> Case:
    """A visit of the applicant that no step records (两次终结): called in to sign, to show
    an original, for an inspection at the center. The steps count their own visits (a window
    intake, materials brought to a window, a result collected at a window: `_visit`), so this
    is never the way to count those. A visit beyond two needs the director: the director
    records it (with the reason), or a clerk with the director's approved request."""
    now = _now(now)
    with transaction.atomic():
        case = _locked(case)
        transition_check("record_visit", case.status, actor)
        visit = _visit(case, actor, now)
        # The director's own decision carries its reason (a clerk's approved request has one).
        own = visit.get("director_approved") and not visit.get("visit_approval")
        if own and not (note or "").strip():
            raise ValidationError({"note": [_("Say why a third visit is needed; it is recorded.")]})
        case.save()
        _event(
            case,
            actor,
            "record_visit",
            at=now,
            from_status=case.status,
            reason=(note or "").strip(),
            detail={"director_approved": False, **visit},
        )
    return case


def case_task_sign_off(
    *, actor, task: CaseTask, opinion: str, now: datetime.datetime | None = None
) -> CaseTask:
    """A department signs off its part of a joint case: at its own windows, or, for a
    department with no window here, its written opinion recorded by the case's owner
    (`selectors.task_sign_off_refusal`); the director may sign for any."""
    now = _now(now)
    if not (opinion or "").strip():
        raise ValidationError({"opinion": [_("Write the department's opinion.")]})
    with transaction.atomic():
        case = _locked(task.case)
        transition_check("task_sign_off", case.status, actor)
        task = CaseTask.objects.select_for_update().select_related("department").get(pk=task.pk)
        if task.signed_off_at is not None:
            raise ValidationError({"task": [_("This department has already signed off.")]})
        refusal = selectors.task_sign_off_refusal(actor, case, task)
        if refusal:
            raise PermissionDenied(refusal)
        task.signed_off_at = now
        task.signed_off_by = actor
        task.opinion = opinion.strip()
        task.save()
        _event(
            case,
            actor,
            "task_sign_off",
            at=now,
            from_status=case.status,
            reason=task.opinion,
            detail={"department": task.department.name, "lead": task.is_lead},
        )
    return task


# --- reply and close --------------------------------------------------------------------------


def case_close(
    *,
    actor,
    case: Case,
    decision: str,
    handover: str,
    handed_over_at: datetime.datetime | None = None,
    note: str = "",
    now: datetime.datetime | None = None,
) -> Case:
    """Reply and close (办结): the decision, how and when the result was handed over, and
    whether it was on time. A joint case closes only when every department has signed off;
    a result is handed over only once every fee is paid or waived (统一收费,
    `selectors.handover_refusal`)."""
    now = _now(now)
    handed_over_at = handed_over_at or now
    errors: dict[str, list[str]] = {}
    if decision not in Decision.values:
        errors["decision"] = [_("Choose the decision.")]
    if handover not in Handover.values:
        errors["handover"] = [_("Choose how the result was handed over.")]
    if handed_over_at > now + datetime.timedelta(minutes=5):
        errors["handed_over_at"] = [_("The hand-over time cannot be in the future.")]
    if decision == Decision.DENIED and not (note or "").strip():
        errors["note"] = [_("Give the reasons for the denial.")]
    with transaction.atomic():
        case = _locked(case)
        transition_check("close", case.status, actor)
        refusal = selectors.handover_refusal(case, decision)
        if refusal:
            errors["fees"] = [refusal]
        if case.kind == CaseKind.JOINT:
            waiting = [t.department.name for t in case.tasks.filter(signed_off_at__isnull=True)]
            if waiting:
                errors["tasks"] = [
                    _("Waiting for the sign-off of: %(departments)s.")
                    % {"departments": "、".join(waiting)}
                ]
        if "decision" not in errors:
            refusal = selectors.tolerance_close_refusal(case, decision)
            if refusal:
                errors["decision"] = [refusal]
        _raise(errors)
        from_status = case.status
        today = _local_day(now)
        # 两次终结: collecting the result at a window is a visit, unless it is the visit
        # already counted that day (a 即办件 handed over on the spot).
        visit = {}
        if handover == Handover.WINDOW:
            visit = (
                {"visit": True, "visits": case.visits, "same_visit": True}
                if selectors.visited_on(case, _local_day(handed_over_at))
                else _visit(case, actor, now)
            )
        case.status = CaseStatus.CLOSED
        case.decision = decision
        case.decision_note = (note or "").strip()
        case.handover = handover
        case.handed_over_at = handed_over_at
        case.closed_at = now
        case.closed_on = today
        case.closed_late = case.due_date is not None and today > case.due_date
        _certificate_due(case, from_status, decision, today, now)
        case.save()
        _event(
            case,
            actor,
            "close",
            at=now,
            from_status=from_status,
            code=DECISION_CODES[Decision(decision)],
            reason=case.decision_note,
            detail={
                "decision": decision,
                "handover": handover,
                "handed_over_at": handed_over_at.isoformat(),
                "late": case.closed_late,
                "certificate_due_date": (
                    case.certificate_due_date.isoformat() if case.certificate_due_date else None
                ),
                **visit,
            },
            notify=True,
        )
        _approvals_lapse(case, actor, now)
    return case


def _certificate_due(case: Case, from_status: str, decision: str, today, now) -> None:
    """Art. 44: a granting decision this center made on a matter whose result is a
    certificate (LocalMatter.issues_certificate) has the certificate due within 10 working
    days; a decision of 已发证 is the certificate itself, issued now. A decision the district
    made on a forwarded case is the district's to issue."""
    if from_status != CaseStatus.ACCEPTED:
        return
    if decision == Decision.CERTIFICATE_ISSUED:
        case.certificate_due_date = clock.due_date(today, CERTIFICATE_DAYS)[0]
        case.certificate_issued_at = now
    elif (
        decision in (Decision.APPROVED, Decision.APPROVED_TOLERANCE)
        and case.matter.issues_certificate
    ):
        case.certificate_due_date = clock.due_date(today, CERTIFICATE_DAYS)[0]


def case_issue_certificate(
    *,
    actor,
    case: Case,
    note: str = "",
    issued_at: datetime.datetime | None = None,
    now: datetime.datetime | None = None,
) -> Case:
    """发证 (行政许可法 art. 44): record that the certificate of a granting decision was issued
    (its number or how it went in `note`); supervision's certificate_late watches the 10
    working days until it is. The case stays closed."""
    now = _now(now)
    issued_at = issued_at or now
    if issued_at > now + datetime.timedelta(minutes=5):
        raise ValidationError({"issued_at": [_("The issue time cannot be in the future.")]})
    with transaction.atomic():
        case = _locked(case)
        transition_check("issue_certificate", case.status, actor)
        refusal = selectors.certificate_refusal(case)
        if refusal:
            raise ValidationError({"status": [refusal]})
        case.certificate_issued_at = issued_at
        case.save()
        late = _local_day(issued_at) > case.certificate_due_date
        _event(
            case,
            actor,
            "issue_certificate",
            at=now,
            from_status=case.status,
            reason=(note or "").strip(),
            detail={
                "issued_at": issued_at.isoformat(),
                "certificate_due_date": case.certificate_due_date.isoformat(),
                "late": late,
            },
        )
    return case


# --- 容缺 (materials accepted to come later) ---------------------------------------------------


def _tolerated_line(case: Case, material) -> CaseMaterial:
    name = getattr(material, "name", material)
    line = (
        case.materials.select_for_update()
        .filter(name=(name or "").strip(), state=CaseMaterial.State.TOLERATED)
        .first()
    )
    if line is None:
        raise ValidationError(
            {"material": [_("Choose a 容缺 material of this case that is still to come.")]}
        )
    return line


def case_tolerance_receive(
    *,
    actor,
    case: Case,
    material,
    via: str | None = None,
    uploads: Sequence = (),
    now: datetime.datetime | None = None,
) -> Case:
    """The applicant brings a 容缺 material promised at acceptance (容缺受理承诺书). Late or not,
    it is recorded (the event says whether the promised date had passed). Brought to a window
    it is a visit (两次终结)."""
    now = _now(now)
    with transaction.atomic():
        case = _locked(case)
        transition_check("tolerance_receive", case.status, actor)
        line = _tolerated_line(case, material)
        via = _delivery(case, via)
        attachments = _attach(case, actor, [(u, line.name) for u in uploads])
        visit = _visit(case, actor, now) if via == Delivery.WINDOW else {}
        line.state = CaseMaterial.State.RECEIVED
        line.originals_received = max(line.originals_received, line.originals_needed)
        line.copies_received = max(line.copies_received, line.copies_needed)
        line.save()
        case.save()
        _event(
            case,
            actor,
            "tolerance_receive",
            at=now,
            from_status=case.status,
            detail={
                "material": line.name,
                "tolerance_due": line.tolerance_due.isoformat() if line.tolerance_due else None,
                "late": bool(line.tolerance_due and _local_day(now) > line.tolerance_due),
                "via": via,
                **visit,
            },
            attachments=attachments,
        )
    return case


def case_tolerance_waive(
    *, actor, case: Case, material, reason: str, now: datetime.datetime | None = None
) -> Case:
    """The director waives a 容缺 material (免予提交) with the reason: the case may then close
    as 容缺通过 without it."""
    now = _now(now)
    if not (reason or "").strip():
        raise ValidationError({"reason": [_("Give the reason for waiving the material.")]})
    with transaction.atomic():
        case = _locked(case)
        transition_check("tolerance_waive", case.status, actor)
        _require_director(actor, _("a 容缺 waiver"))
        line = _tolerated_line(case, material)
        line.state = CaseMaterial.State.WAIVED
        line.note = reason.strip()[:300]
        line.save()
        _event(
            case,
            actor,
            "tolerance_waive",
            at=now,
            from_status=case.status,
            reason=reason.strip(),
            detail={
                "material": line.name,
                "tolerance_due": line.tolerance_due.isoformat() if line.tolerance_due else None,
                "approved_by": actor.pk if actor else None,
            },
        )
    return case


# --- 急办件 -------------------------------------------------------------------------------------


def _mark_urgent(case: Case, actor, now: datetime.datetime, reason: str) -> None:
    case.urgent = True
    case.urgent_reason = reason
    case.urgent_confirmed_by = actor
    case.urgent_target_date = _urgent_target(case)
    case.save()
    _event(
        case,
        actor,
        "mark_urgent",
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
    the center's internal target date (`_urgent_target`), which supervision's urgent_late
    watches."""
    now = _now(now)
    reason = (reason or "").strip()
    with transaction.atomic():
        case = _locked(case)
        transition_check("mark_urgent", case.status, actor)
        refusal = selectors.urgent_confirm_refusal(actor, _local_day(now))
        if refusal:
            raise PermissionDenied(refusal)
        if case.urgent:
            raise ValidationError({"urgent": [_("The case is already urgent (急办).")]})
        if not reason:
            raise ValidationError({"reason": [_("Say why the case is urgent (急办).")]})
        _mark_urgent(case, actor, now, reason)
    return case


def case_withdraw(*, actor, case: Case, reason: str, now: datetime.datetime | None = None) -> Case:
    """The applicant withdraws (撤件 before acceptance, 撤回 after), until it is decided."""
    now = _now(now)
    if not (reason or "").strip():
        raise ValidationError({"reason": [_("Record the applicant's reason for withdrawing.")]})
    with transaction.atomic():
        case = _locked(case)
        transition_check("withdraw", case.status, actor)
        from_status = case.status
        _close_pause(case, _local_day(now))
        case.status = CaseStatus.WITHDRAWN
        case.closed_at = now
        case.closed_on = _local_day(now)
        case.save()
        code = ProcessCode.CANCELLED if case.accepted_on is None else ProcessCode.WITHDRAWN
        _event(
            case,
            actor,
            "withdraw",
            at=now,
            from_status=from_status,
            code=code,
            reason=reason.strip(),
        )
        _approvals_lapse(case, actor, now)
        if from_status == CaseStatus.REFERRED:
            from . import referrals

            referrals.referral_withdraw_send(case, reason.strip())
    return case


def case_revoke(
    *, actor, case: Case, reason: str, basis: str, now: datetime.datetime | None = None
) -> Case:
    """撤销 (art. 69): the director revokes a decision this center granted, with its reasons
    and legal basis. The case keeps its closing (its handling and figures stand); the
    revocation decision (撤销行政许可决定书) is printed, the event carries code 15 and the
    applicant is told by SMS. A decision the district made on a forwarded case is the
    district's to revoke."""
    now = _now(now)
    errors: dict[str, list[str]] = {}
    if not (reason or "").strip():
        errors["reason"] = [_("Give the reasons for revoking the decision.")]
    if not (basis or "").strip():
        errors["basis"] = [_("Give the legal basis for revoking it (e.g. art. 69).")]
    with transaction.atomic():
        case = _locked(case)
        transition_check("revoke", case.status, actor)
        refusal = selectors.revocation_refusal(case)
        if refusal:
            errors["status"] = [refusal]
        _raise(errors)
        case.revoked_at = now
        case.revocation_reason = reason.strip()
        case.revocation_basis = basis.strip()
        case.save()
        document = notices.issue(case, DocumentKind.REVOCATION_DECISION)
        _event(
            case,
            actor,
            "revoke",
            at=now,
            from_status=case.status,
            code=ProcessCode.REVOKED,
            reason=case.revocation_reason,
            detail={"basis": case.revocation_basis, "decision": case.decision},
            attachments=[_document_attachment(document)],
            notify=True,
        )
    return case


def case_scan_add(*, actor, case: Case, upload, material=None) -> object:
    """Attach a scan to an open case, audited as an event."""
    now = timezone.now()
    with transaction.atomic():
        case = _locked(case)
        transition_check("record_visit", case.status, actor)
        attachments = _attach(case, actor, [(upload, getattr(material, "name", ""))])
        _event(case, actor, "attach", at=now, from_status=case.status, attachments=attachments)
    return case.files.get(pk=attachments[0]["id"])


def is_clock_running(case: Case) -> bool:
    return case.status in CLOCK_RUNNING_STATUSES
