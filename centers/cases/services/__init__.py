"""Every change to a case: one keyword-only function per step of states.TRANSITIONS, which
checks the actor's role and the case's state, checks the input, writes the case and its
append-only event (`centers.cases.events`), and queues the applicant's SMS, in one
transaction. The steps live by sub-domain: `intake`, `acceptance` (with the one-time notice
and the refusal), `time_limits` (special procedures, extensions, 急办, the promised date) and
`handling` (everything after acceptance); what they share is `common`.

`actor` is the acting user, or None for the platform itself (the exchange, demo data).
Errors are `ValidationError({field: [ValidationError(message, code=CaseErrorCode.…)]})`; a
refused right is `PermissionDenied` with a `code` (`centers.cases.error_codes`). `now` may be
passed by demo data and tests; it defaults to the current time.

This module only names the public steps, so callers write `services.case_accept(...)`.
"""

from .acceptance import (
    NOTICES_WITHOUT_APPROVAL,
    SUPPLEMENT_NOTICE_DAYS,
    acceptance_refusal,
    case_accept,
    case_complete_supplement,
    case_refuse,
    case_request_supplement,
    competent_authority_default,
)
from .common import (
    INPUT_STATES,
    MODE_KINDS,
    PHONE_RE,
    VISITS_WITHOUT_APPROVAL,
    materials_delivery,
    receipt_number_for,
)
from .handling import (
    CERTIFICATE_DAYS,
    case_close,
    case_issue_certificate,
    case_reassign,
    case_record_visit,
    case_revoke,
    case_scan_add,
    case_task_sign_off,
    case_tolerance_receive,
    case_tolerance_waive,
    case_withdraw,
    is_clock_running,
)
from .intake import (
    Applicant,
    Intake,
    MaterialLine,
    Outcome,
    applicant_check,
    case_intake,
    matter_for_intake,
)
from .time_limits import (
    APPROVER_TEXT_MAX,
    MAX_EXTENSION_DAYS,
    URGENT_REASON_MAX,
    case_extend,
    case_mark_urgent,
    case_special_end,
    case_special_start,
    department_terms_check,
)

__all__ = [
    "APPROVER_TEXT_MAX",
    "CERTIFICATE_DAYS",
    "INPUT_STATES",
    "MAX_EXTENSION_DAYS",
    "MODE_KINDS",
    "NOTICES_WITHOUT_APPROVAL",
    "PHONE_RE",
    "SUPPLEMENT_NOTICE_DAYS",
    "URGENT_REASON_MAX",
    "VISITS_WITHOUT_APPROVAL",
    "Applicant",
    "Intake",
    "MaterialLine",
    "Outcome",
    "acceptance_refusal",
    "applicant_check",
    "case_accept",
    "case_close",
    "case_complete_supplement",
    "case_extend",
    "case_intake",
    "case_issue_certificate",
    "case_mark_urgent",
    "case_reassign",
    "case_record_visit",
    "case_refuse",
    "case_request_supplement",
    "case_revoke",
    "case_scan_add",
    "case_special_end",
    "case_special_start",
    "case_task_sign_off",
    "case_tolerance_receive",
    "case_tolerance_waive",
    "case_withdraw",
    "competent_authority_default",
    "department_terms_check",
    "is_clock_running",
    "materials_delivery",
    "matter_for_intake",
    "receipt_number_for",
]
