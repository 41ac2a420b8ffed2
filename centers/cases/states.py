"""The life of a case as a declared table: its states, the case-process codes (办理状态) that
provincial platforms exchange, and every transition with the states it starts from, the state
it leads to, the code its event carries and who may take it.

Services in services.py carry out the transitions; each one starts with `transition_check`,
so nothing changes a case's state except through a row of this table.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tenants.accounts.models import Role
from tenants.accounts.permissions import Capability, can

from .error_codes import CaseErrorCode, coded, denied


class CaseStatus(models.TextChoices):
    RECEIVED = "received", gettext_lazy("已接件 (received, awaiting pre-review)")
    SUPPLEMENTING = "supplementing", gettext_lazy("补正中 (waiting for materials)")
    ACCEPTED = "accepted", gettext_lazy("办理中 (accepted, in handling)")
    SPECIAL_PROCEDURE = "special", gettext_lazy("特别程序中 (special procedure)")
    REFERRED = "referred", gettext_lazy("已上报 (forwarded to the district)")
    REFERRAL_DECIDED = "referral_decided", gettext_lazy("上级已办结 (decided upstream)")
    CLOSED = "closed", gettext_lazy("已办结 (closed)")
    NOT_ACCEPTED = "not_accepted", gettext_lazy("不予受理 (not accepted)")
    WITHDRAWN = "withdrawn", gettext_lazy("已撤回 (withdrawn)")


OPEN_STATUSES = frozenset(
    {
        CaseStatus.RECEIVED,
        CaseStatus.SUPPLEMENTING,
        CaseStatus.ACCEPTED,
        CaseStatus.SPECIAL_PROCEDURE,
        CaseStatus.REFERRED,
        CaseStatus.REFERRAL_DECIDED,
    }
)
# States in which the promised-date clock runs (paused in 补正 and special procedures).
CLOCK_RUNNING_STATUSES = frozenset(
    {CaseStatus.ACCEPTED, CaseStatus.REFERRED, CaseStatus.REFERRAL_DECIDED}
)
TERMINAL_STATUSES = frozenset({CaseStatus.CLOSED, CaseStatus.NOT_ACCEPTED, CaseStatus.WITHDRAWN})


class ProcessCode(models.IntegerChoices):
    """办理状态 codes of the provincial exchange."""

    RECEIVED = 1, "已接件"
    CANCELLED = 2, "已撤件"
    ACCEPTED = 3, "已受理"
    REJECTED = 4, "不受理"
    NOT_ACCEPTED = 5, "不予受理"
    SUPPLEMENT_START = 6, "补正开始"
    SUPPLEMENT_END = 7, "补正结束"
    DEPARTMENT_START = 8, "部门开始办理"
    SPECIAL_START = 9, "特别程序开始"
    SPECIAL_END = 10, "特别程序结束"
    CLOSED_APPROVED = 11, "办结(通过)"
    CLOSED_TOLERANCE = 12, "办结(容缺通过)"
    CLOSED_DENIED = 13, "办结(不通过)"
    WITHDRAWN = 14, "撤回"
    REVOKED = 15, "撤销"


class CaseKind(models.TextChoices):
    INSTANT = "instant", gettext_lazy("即办件 (same-day)")
    PROMISED = "promised", gettext_lazy("承办件 (promised deadline)")
    JOINT = "joint", gettext_lazy("联办件 (joint)")
    REPORT_UP = "report_up", gettext_lazy("上报件/代办件 (forwarded upward)")


class Channel(models.TextChoices):
    WINDOW = "window", gettext_lazy("窗口 (at a window)")
    VILLAGE_POINT = "village_point", gettext_lazy("便民服务站代办 (village point agent)")
    ONLINE = "online", gettext_lazy("网上申报 (online)")
    REFERRAL = "referral", gettext_lazy("下级上报 (forwarded by a township)")


class Decision(models.TextChoices):
    APPROVED = "approved", gettext_lazy("准予 (approved)")
    APPROVED_TOLERANCE = "approved_tolerance", gettext_lazy("容缺通过 (approved, materials later)")
    CERTIFICATE_ISSUED = "certificate_issued", gettext_lazy("已发证 (certificate issued)")
    DENIED = "denied", gettext_lazy("不予批准 (denied)")
    FORWARDED = "forwarded", gettext_lazy("已转报 (forwarded to the deciding authority)")


DECISION_CODES = {
    Decision.APPROVED: ProcessCode.CLOSED_APPROVED,
    Decision.APPROVED_TOLERANCE: ProcessCode.CLOSED_TOLERANCE,
    Decision.CERTIFICATE_ISSUED: ProcessCode.CLOSED_APPROVED,
    Decision.DENIED: ProcessCode.CLOSED_DENIED,
    Decision.FORWARDED: ProcessCode.CLOSED_APPROVED,
}

# Decisions that grant something, and so may be revoked (撤销, art. 69) by the center that
# made them.
REVOCABLE_DECISIONS = frozenset(
    {Decision.APPROVED, Decision.APPROVED_TOLERANCE, Decision.CERTIFICATE_ISSUED}
)


class Handover(models.TextChoices):
    WINDOW = "window", gettext_lazy("窗口领取 (at the window)")
    POST = "post", gettext_lazy("邮寄 (by post)")
    ELECTRONIC = "electronic", gettext_lazy("电子送达 (electronically)")


class Delivery(models.TextChoices):
    """How materials reached the center after intake (补正, 容缺): only at a window is it a
    visit of the applicant (两次终结)."""

    WINDOW = "window", gettext_lazy("窗口提交 (brought to a window)")
    ONLINE = "online", gettext_lazy("网上提交 (online)")
    POST = "post", gettext_lazy("邮寄 (by post)")
    VILLAGE_POINT = "village_point", gettext_lazy("便民服务站转交 (through the village point)")


class RefusalKind(models.TextChoices):
    OUT_OF_SCOPE = "out_of_scope", gettext_lazy("不受理/退回 (not within this center's remit)")
    NOT_ACCEPTABLE = "not_acceptable", gettext_lazy("不予受理 (does not meet the conditions)")


REFUSAL_CODES = {
    RefusalKind.OUT_OF_SCOPE: ProcessCode.REJECTED,
    RefusalKind.NOT_ACCEPTABLE: ProcessCode.NOT_ACCEPTED,
}


class PauseKind(models.TextChoices):
    SUPPLEMENT = "supplement", gettext_lazy("补正 (waiting for materials)")
    HEARING = "hearing", gettext_lazy("听证 (hearing)")
    INSPECTION = "inspection", gettext_lazy("现场核查 (inspection)")
    TESTING = "testing", gettext_lazy("检验检测 (testing)")
    EXPERT_REVIEW = "expert_review", gettext_lazy("专家评审 (expert review)")
    OTHER_SPECIAL = "other_special", gettext_lazy("其他特别程序 (other special procedure)")


SPECIAL_PAUSE_KINDS = tuple(k for k in PauseKind if k != PauseKind.SUPPLEMENT)

S = CaseStatus
HANDLERS = frozenset({Role.WINDOW_STAFF, Role.CENTER_DIRECTOR})
DIRECTORS = frozenset({Role.CENTER_DIRECTOR})
INTAKE_ROLES = frozenset({Role.WINDOW_STAFF, Role.CENTER_DIRECTOR, Role.VILLAGE_AGENT})


@dataclass(frozen=True)
class Transition:
    name: str
    sources: frozenset
    target: str | None  # None: the state does not change (an event only)
    roles: frozenset
    label: str


def _t(name, sources, target, roles, label) -> tuple[str, Transition]:
    return name, Transition(name, frozenset(sources), target, roles, label)


NEW = "new"  # the pseudo-state of a case that intake is creating

TRANSITIONS: dict[str, Transition] = dict(
    [
        _t("receive", {NEW}, S.RECEIVED, INTAKE_ROLES, gettext_lazy("Receive for pre-review")),
        _t("accept", {NEW, S.RECEIVED}, S.ACCEPTED, HANDLERS, gettext_lazy("Accept")),
        _t(
            "request_supplement",
            {NEW, S.RECEIVED, S.ACCEPTED},
            S.SUPPLEMENTING,
            HANDLERS,
            gettext_lazy("Issue the one-time notice"),
        ),
        _t(
            "complete_supplement",
            {S.SUPPLEMENTING},
            S.ACCEPTED,
            HANDLERS,
            gettext_lazy("Materials complete"),
        ),
        _t(
            "refuse",
            {NEW, S.RECEIVED, S.SUPPLEMENTING},
            S.NOT_ACCEPTED,
            HANDLERS,
            gettext_lazy("Refuse"),
        ),
        _t(
            "start_special",
            {S.ACCEPTED},
            S.SPECIAL_PROCEDURE,
            HANDLERS,
            gettext_lazy("Start a special procedure"),
        ),
        _t(
            "end_special",
            {S.SPECIAL_PROCEDURE},
            S.ACCEPTED,
            HANDLERS,
            gettext_lazy("End the special procedure"),
        ),
        _t("extend", {S.ACCEPTED, S.SPECIAL_PROCEDURE}, None, DIRECTORS, gettext_lazy("Extend")),
        _t(
            "reassign",
            {S.ACCEPTED, S.SPECIAL_PROCEDURE, S.SUPPLEMENTING, S.REFERRED, S.REFERRAL_DECIDED},
            None,
            HANDLERS,
            gettext_lazy("Reassign"),
        ),
        # Issue 15: a township receives a 上报件 and forwards it (RECEIVED); ACCEPTED only for
        # cases accepted under the old rule.
        _t(
            "refer_up",
            {S.RECEIVED, S.ACCEPTED},
            S.REFERRED,
            HANDLERS,
            gettext_lazy("Forward to district"),
        ),
        # 行政许可法 art. 82: the city confirmed a year's official schedule (or the calendar
        # library learnt it); a provisional promised date becomes the confirmed one.
        _t(
            "confirm_due_date",
            OPEN_STATUSES,
            None,
            frozenset(),  # only the platform's recompute run, never a person
            gettext_lazy("Confirm the promised date on the official calendar"),
        ),
        _t(
            "referral_decided",
            {S.REFERRED},
            S.REFERRAL_DECIDED,
            frozenset(),  # only the exchange, never a person
            gettext_lazy("Decided upstream"),
        ),
        _t(
            "task_sign_off",
            {S.ACCEPTED},
            None,
            HANDLERS,
            gettext_lazy("Department sign-off"),
        ),
        _t("record_visit", OPEN_STATUSES, None, INTAKE_ROLES, gettext_lazy("Record a visit")),
        _t(
            "close",
            {S.ACCEPTED, S.REFERRAL_DECIDED},
            S.CLOSED,
            HANDLERS,
            gettext_lazy("Reply and close (办结)"),
        ),
        _t(
            "withdraw",
            {
                S.RECEIVED,
                S.SUPPLEMENTING,
                S.ACCEPTED,
                S.SPECIAL_PROCEDURE,
                S.REFERRED,
            },
            S.WITHDRAWN,
            HANDLERS,
            gettext_lazy("Withdraw at the applicant's request"),
        ),
        _t("fee", OPEN_STATUSES | {S.CLOSED}, None, HANDLERS, gettext_lazy("Fee")),
        # 急办件 (seed plan 1 六办件): marked urgent with a reason, confirmed by the director or
        # today's duty leader (services.case_mark_urgent checks who; a clerk asks through the
        # approval queue).
        _t("mark_urgent", OPEN_STATUSES, None, HANDLERS, gettext_lazy("Mark as urgent (急办)")),
        # Art. 44: the certificate of a granting decision, within 10 working days of it.
        _t(
            "issue_certificate",
            {S.CLOSED},
            None,
            HANDLERS,
            gettext_lazy("Record the certificate's issue (发证)"),
        ),
        # 容缺: the material promised at acceptance is brought in, or the director waives it.
        _t(
            "tolerance_receive",
            {S.ACCEPTED, S.SPECIAL_PROCEDURE, S.SUPPLEMENTING, S.REFERRED, S.REFERRAL_DECIDED},
            None,
            HANDLERS,
            gettext_lazy("容缺 material brought in"),
        ),
        _t(
            "tolerance_waive",
            {S.ACCEPTED, S.SPECIAL_PROCEDURE, S.SUPPLEMENTING, S.REFERRED, S.REFERRAL_DECIDED},
            None,
            DIRECTORS,
            gettext_lazy("Waive a 容缺 material (director)"),
        ),
        # 撤销 (art. 69): the decision is revoked, the case keeps its closing (the handling
        # happened, on time or not); the event carries code 15.
        _t("revoke", {S.CLOSED}, None, DIRECTORS, gettext_lazy("Revoke the decision (撤销)")),
        # 退回件 (seed plan 1): the applicant objects to a refusal or a denial, the owner
        # answers in writing with reasons; the case keeps its state (like "revoke"). Which
        # decisions may be objected to is `objections.objection_refusal`.
        _t(
            "object",
            {S.CLOSED, S.NOT_ACCEPTED},
            None,
            HANDLERS,
            gettext_lazy("Record an objection (异议)"),
        ),
        _t(
            "answer_objection",
            {S.CLOSED, S.NOT_ACCEPTED},
            None,
            HANDLERS,
            gettext_lazy("Answer the objection (异议答复)"),
        ),
    ]
)


def allowed_transitions(status: str, user) -> list[Transition]:
    """The transitions a user may take from a status (for the desk's buttons)."""
    role = getattr(user, "role", None)
    return [t for t in TRANSITIONS.values() if status in t.sources and role in t.roles]


def transition_check(name: str, status: str, actor) -> Transition:
    """Raise unless `actor` may take transition `name` from `status`. `actor` None is the
    platform itself (the exchange, demo data), which may take any transition."""
    transition = TRANSITIONS[name]
    if status not in transition.sources:
        raise ValidationError(
            {
                "status": [
                    coded(
                        _("A case that is “%(status)s” cannot take the step “%(step)s”.")
                        % {"status": _status_label(status), "step": transition.label},
                        CaseErrorCode.WRONG_STATUS,
                    )
                ]
            }
        )
    if actor is not None:
        allowed = can(actor, Capability.HANDLE_CASES) or can(
            actor, Capability.TAKE_VILLAGE_APPLICATIONS
        )
        if not allowed or actor.role not in transition.roles:
            raise denied(
                _("Your role may not take the step “%(step)s”.") % {"step": transition.label},
                CaseErrorCode.ROLE_NOT_ALLOWED,
            )
    return transition


def _status_label(status: str) -> str:
    if status == NEW:
        return _("new")
    return str(CaseStatus(status).label)
