"""Stable codes of the errors the case steps raise (Saleor's pattern): the API and the forms
tell refusals apart by `code`, never by their text, which is translated and may be reworded.

A field error is `ValidationError({field: [ValidationError(message, code=CaseErrorCode.X)]})`
(`coded` builds the inner one; `services.common.raise_errors` gives a bare message the code
INVALID); a refused right is `PermissionDenied(message)` carrying `.code` (`denied`). The
values are part of the API: add codes, never rename one.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models


class CaseErrorCode(models.TextChoices):
    """Generic input codes first (the field names what), then the case rules' refusals."""

    INVALID = "invalid"
    REQUIRED = "required"
    TOO_LONG = "too_long"
    ALREADY_OWNER = "already_owner"
    ALREADY_SIGNED_OFF = "already_signed_off"
    ALREADY_URGENT = "already_urgent"
    ANSWER_NOT_ALLOWED = "answer_not_allowed"
    APPROVAL_ALREADY_DECIDED = "approval_already_decided"
    APPROVAL_NOT_ASKABLE = "approval_not_askable"
    APPROVAL_NOT_FOUND = "approval_not_found"
    CERTIFICATE_NOT_DUE = "certificate_not_due"
    COMPETENT_AUTHORITY_REQUIRED = "competent_authority_required"
    DATE_IN_FUTURE = "date_in_future"
    DATE_IN_PAST = "date_in_past"
    DECIDED_ABOVE = "decided_above"
    DEFECT_UNEXPLAINED = "defect_unexplained"
    DIRECTOR_ONLY = "director_only"
    DISTRICT_ARCHIVED = "district_archived"
    EXTENSION_BEYOND_MAXIMUM = "extension_beyond_maximum"
    FEE_SETTLED = "fee_settled"
    FEE_UNPAID = "fee_unpaid"
    ID_NUMBER_INVALID = "id_number_invalid"
    MATERIALS_MISSING = "materials_missing"
    MATERIAL_UNKNOWN = "material_unknown"
    MATTER_NOT_ADOPTED = "matter_not_adopted"
    MATTER_NOT_IN_CATALOG = "matter_not_in_catalog"
    NOTHING_MISSING = "nothing_missing"
    NOT_REPORT_UP = "not_report_up"
    NO_DISTRICT = "no_district"
    OBJECTION_NOT_ALLOWED = "objection_not_allowed"
    OBJECTION_WAITING = "objection_waiting"
    PROMISED_DATE_BEYOND_LIMIT = "promised_date_beyond_limit"
    REFERRAL_OTHER_CENTER = "referral_other_center"
    REFERRAL_UNKNOWN = "referral_unknown"
    REVOCATION_NOT_ALLOWED = "revocation_not_allowed"
    ROLE_NOT_ALLOWED = "role_not_allowed"
    SCAN_REFUSED = "scan_refused"
    SCAN_UNREADABLE = "scan_unreadable"
    SECOND_SUPPLEMENT_NEEDS_APPROVAL = "second_supplement_needs_approval"
    SERVICE_POINT_NOT_YOURS = "service_point_not_yours"
    SIGN_OFF_NOT_ALLOWED = "sign_off_not_allowed"
    STAFF_NOT_ELIGIBLE = "staff_not_eligible"
    SUPPLEMENT_OPEN = "supplement_open"
    TASKS_WAITING = "tasks_waiting"
    TOLERANCE_AFTER_DUE_DATE = "tolerance_after_due_date"
    TOLERANCE_AT_ACCEPTANCE = "tolerance_at_acceptance"
    TOLERANCE_DATE = "tolerance_date"
    TOLERANCE_NOT_ALLOWED = "tolerance_not_allowed"
    TOLERANCE_NOT_MISSING = "tolerance_not_missing"
    TOLERANCE_NOT_PENDING = "tolerance_not_pending"
    TOLERANCE_OWN_STEP = "tolerance_own_step"
    TOLERANCE_PENDING = "tolerance_pending"
    URGENT_CENTER_DECIDES = "urgent_center_decides"
    URGENT_NOT_CONFIRMER = "urgent_not_confirmer"
    VILLAGE_AGENT_FORWARDS = "village_agent_forwards"
    VISIT_NEEDS_APPROVAL = "visit_needs_approval"
    WAIVER_APPROVAL_REQUIRED = "waiver_approval_required"
    WRONG_STATUS = "wrong_status"


def coded(message, code: CaseErrorCode) -> ValidationError:
    """One field error with its code, for `ValidationError({field: [coded(...)]})`."""
    return ValidationError(message, code=code)


def denied(message, code: CaseErrorCode) -> PermissionDenied:
    """A refused right with its code (`exc.code`); its text is `str(exc)` as before."""
    error = PermissionDenied(message)
    error.code = code
    return error
