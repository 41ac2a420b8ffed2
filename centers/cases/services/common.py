"""What the case steps share: the current time and the local day, the case row under its
lock, raising a field → errors dict, the staff checks, the materials checklist and its
updates, 容缺 marking, the visits count (两次终结), the receipt number, scans attached to a
step. Public: the steps here and the approvals, fees, objections, due-date and referral
modules beside them call these."""

from __future__ import annotations

import datetime
import re
from collections.abc import Sequence

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from catalog_cms.standards.vocab import ProcessingMode
from centers.catalog.models import LocalMatter
from tenants.accounts.models import CENTER_ROLES, Role, User
from tenants.selectors import current_center

from .. import files, selectors
from ..error_codes import CaseErrorCode, coded, denied
from ..models import (
    Case,
    CaseMaterial,
    ReceiptCounter,
)
from ..states import (
    CaseKind,
    Channel,
    Delivery,
)

# 两次终结: a third visit needs the director's approval.
VISITS_WITHOUT_APPROVAL = 2


MODE_KINDS = {
    ProcessingMode.IMMEDIATE: CaseKind.INSTANT,
    ProcessingMode.PROMISED: CaseKind.PROMISED,
    ProcessingMode.JOINT: CaseKind.JOINT,
    ProcessingMode.REPORT: CaseKind.REPORT_UP,
}


PHONE_RE = re.compile(r"^(1[3-9]\d{9}|0\d{2,3}-?\d{7,8})$")


def current_time(now: datetime.datetime | None) -> datetime.datetime:
    return now or timezone.now()


def local_day(at: datetime.datetime) -> datetime.date:
    return timezone.localtime(at).date()


def raise_errors(errors: dict[str, list]) -> None:
    """Raise the collected field errors, if any, each with its code (`coded`); a bare
    message gets CaseErrorCode.INVALID."""
    if errors:
        raise ValidationError(
            {
                name: [
                    message
                    if isinstance(message, ValidationError)
                    else coded(message, CaseErrorCode.INVALID)
                    for message in messages
                ]
                for name, messages in errors.items()
            }
        )


def locked(case: Case) -> Case:
    """The case re-read under a row lock: two clerks clicking at once take turns."""
    return Case.objects.select_for_update().get(pk=case.pk)


def center_user(user, field_name: str, errors: dict, *, roles=CENTER_ROLES) -> User | None:
    if user is None:
        return None
    if not isinstance(user, User):
        user = User.objects.filter(pk=user).first()
    if user is None or not user.is_active or user.role not in roles:
        errors.setdefault(field_name, []).append(
            coded(
                _("Choose an active staff member of this center."), CaseErrorCode.STAFF_NOT_ELIGIBLE
            )
        )
        return None
    return user


def require_director(actor, step: str) -> None:
    if actor is not None and actor.role != Role.CENTER_DIRECTOR:
        raise denied(
            _("Only the center director may approve %(step)s.") % {"step": step},
            CaseErrorCode.DIRECTOR_ONLY,
        )


def checklist(matter: LocalMatter, received: Sequence[dict] | None) -> list[dict]:
    """The matter's materials merged with what was received (by name). A material the clerk
    did not mention is missing if required, not needed otherwise."""
    given = {(m.get("name") or "").strip(): m for m in (received or [])}
    known = {m["name"] for m in matter.materials}
    unknown = [name for name in given if name and name not in known]
    if unknown:
        raise ValidationError(
            {
                "materials": [
                    coded(
                        _("“%(name)s” is not a material of this matter.") % {"name": unknown[0]},
                        CaseErrorCode.MATERIAL_UNKNOWN,
                    )
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
                {
                    "materials": [
                        coded(
                            _("Unknown material state “%(state)s”.") % {"state": state},
                            CaseErrorCode.INVALID,
                        )
                    ]
                }
            )
        note = (got.get("note") or "").strip()
        if state == CaseMaterial.State.DEFECTIVE and not note:
            raise ValidationError(
                {
                    "materials": [
                        coded(
                            _("Say what is wrong with “%(name)s”.") % {"name": m["name"]},
                            CaseErrorCode.DEFECT_UNEXPLAINED,
                        )
                    ]
                }
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


def missing_lines(lines) -> list:
    return [
        line
        for line in lines
        if line_state(line) in (CaseMaterial.State.MISSING, CaseMaterial.State.DEFECTIVE)
    ]


def line_state(line) -> str:
    return line["state"] if isinstance(line, dict) else line.state


# Material states a clerk sets by hand; 容缺 and its waiver are their own steps.
INPUT_STATES = (
    CaseMaterial.State.RECEIVED,
    CaseMaterial.State.MISSING,
    CaseMaterial.State.DEFECTIVE,
    CaseMaterial.State.NOT_NEEDED,
)


def tolerance_mark(lines, tolerance, today: datetime.date) -> list[str]:
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
            errors.append(
                coded(
                    _("“%(name)s” is not a material of this case.") % {"name": name},
                    CaseErrorCode.MATERIAL_UNKNOWN,
                )
            )
            continue
        get = line.get if isinstance(line, dict) else lambda key, line=line: getattr(line, key)
        if not get("tolerance_allowed"):
            errors.append(
                coded(
                    _("“%(name)s” is not a 容缺 material of this matter: it must be brought "
                      "before acceptance.") % {"name": name},
                    CaseErrorCode.TOLERANCE_NOT_ALLOWED,
                )
            )  # fmt: skip
        elif get("state") not in (CaseMaterial.State.MISSING, CaseMaterial.State.DEFECTIVE):
            errors.append(
                coded(
                    _("“%(name)s” is not missing: 容缺 is for a material still to come.")
                    % {"name": name},
                    CaseErrorCode.TOLERANCE_NOT_MISSING,
                )
            )
        elif not isinstance(due, datetime.date) or due < today:
            errors.append(
                coded(
                    _("Give the date by which the applicant brings “%(name)s” (not in the past).")
                    % {"name": name},
                    CaseErrorCode.TOLERANCE_DATE,
                )
            )
        else:
            if isinstance(line, dict):
                line["state"] = CaseMaterial.State.TOLERATED
                line["tolerance_due"] = due
            else:
                line.state = CaseMaterial.State.TOLERATED
                line.tolerance_due = due
    return errors


def materials_update(case: Case, materials: Sequence[dict], *, save: bool = True) -> list:
    """The case's material lines with the given states and notes, checked; saved unless
    `save` is False (an approval request checks the lines it will ask for)."""
    by_name = {m.name: m for m in case.materials.all()}
    for given in materials or ():
        line = by_name.get((given.get("name") or "").strip())
        if line is None:
            raise ValidationError(
                {
                    "materials": [
                        coded(
                            _("“%(name)s” is not a material of this case.")
                            % {"name": given.get("name")},
                            CaseErrorCode.MATERIAL_UNKNOWN,
                        )
                    ]
                }
            )
        state = given.get("state") or line.state
        if state not in CaseMaterial.State.values:
            raise ValidationError(
                {
                    "materials": [
                        coded(
                            _("Unknown material state “%(state)s”.") % {"state": state},
                            CaseErrorCode.INVALID,
                        )
                    ]
                }
            )
        if state != line.state and (
            state not in INPUT_STATES or line.state == CaseMaterial.State.TOLERATED
        ):
            raise ValidationError(
                {
                    "materials": [
                        coded(
                            _("“%(name)s”: 容缺 is settled by its own step (brought in, or "
                              "waived by the director).") % {"name": line.name},
                            CaseErrorCode.TOLERANCE_OWN_STEP,
                        )
                    ]
                }
            )  # fmt: skip
        note = (given.get("note") or "").strip()[:300]
        if state == CaseMaterial.State.DEFECTIVE and not note:
            raise ValidationError(
                {
                    "materials": [
                        coded(
                            _("Say what is wrong with “%(name)s”.") % {"name": line.name},
                            CaseErrorCode.DEFECT_UNEXPLAINED,
                        )
                    ]
                }
            )
        line.state = state
        line.note = note
        for attr in ("originals_received", "copies_received"):
            if given.get(attr) is not None:
                setattr(line, attr, max(0, int(given[attr])))
        if save:
            line.save()
    return list(by_name.values())


def count_visit(case: Case, actor, now: datetime.datetime) -> dict:
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
                raise denied(
                    _(
                        "This would be visit %(n)s: beyond two visits (两次终结) the director "
                        "must approve it."
                    )
                    % {"n": number},
                    CaseErrorCode.VISIT_NEEDS_APPROVAL,
                )
            marker.update(director_approved=True, visit_approval=approval.pk)
    case.visits = number
    return marker


def receipt_number_next(day: datetime.date) -> str:
    """The center's 12-digit division code (统计用区划代码) + YYYYMMDD + a five-digit sequence
    of the day, taken atomically (one statement): unique across the city, so a district, the
    city and a provincial exchange can tell two centers' cases apart. Receipts issued before
    the code was added (YYYYMMDD + sequence) stay valid where they were printed."""
    return receipt_number_for(current_center().division_code, day, ReceiptCounter.take(day))


def receipt_number_for(division_code: str, day: datetime.date, sequence: int) -> str:
    return f"{division_code}{day:%Y%m%d}{sequence:05d}"


def materials_delivery(case: Case, via: str | None) -> str:
    """How materials came in after intake: as given, or the way the case itself came."""
    if not via:
        via = {
            Channel.WINDOW: Delivery.WINDOW,
            Channel.VILLAGE_POINT: Delivery.VILLAGE_POINT,
        }.get(case.channel, Delivery.ONLINE)
    if via not in Delivery.values:
        raise ValidationError(
            {
                "via": [
                    coded(
                        _("Choose how the materials came: window, online, post or village point."),
                        CaseErrorCode.INVALID,
                    )
                ]
            }
        )
    return via


def scans_attach(case: Case, actor, uploads: Sequence) -> list[dict]:
    attachments = []
    by_name = {m.name: m for m in case.materials.all()}
    for upload, material_name in uploads:
        content_type = files.check_scan(upload)
        stored = files.store_scan(case, upload, content_type, by_name.get(material_name), actor)
        attachments.append({"kind": "file", "id": stored.pk, "name": stored.original_name})
    return attachments
