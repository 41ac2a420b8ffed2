"""Which steps a user may take on a case now: `case_actions_for(user, case)`, the one answer
the desk (its forms) and the API (a case's `actions`) both read.

It sits here, beside the state table, and not in `tenants.accounts.permissions`: the tenants
layer is the bottom one and must not import the cases. The roles and capabilities it reads
are that module's; the checks a step makes beyond its state and role are the cases' own
(the state table, the services' refusals, the approvals), asked through their public names
so that what is offered is what the service would then accept."""

from __future__ import annotations

from dataclasses import dataclass, field

from tenants.accounts.permissions import is_center_director

from . import approvals, objections, referrals, selectors, services
from .models import Case
from .states import allowed_transitions

# The steps in the order the desk shows their forms: the state table's transitions, then the
# director's approvals and the desk's scan form.
ACTION_ORDER: tuple[str, ...] = (
    "accept",
    "refer_up",
    "request_supplement",
    "complete_supplement",
    "task_sign_off",
    "start_special",
    "end_special",
    "extend",
    "mark_urgent",
    "issue_certificate",
    "reassign",
    "record_visit",
    "tolerance_receive",
    "tolerance_waive",
    "close",
    "refuse",
    "withdraw",
    "revoke",
    "object",
    "answer_objection",
    "request_approval",
    "decide_approval",
    "attach",
)
# Attaching a scan to a case being handled has a desk form only: the API takes scans with the
# step that needs them (intake, complete-supplement, tolerance-receive).
DESK_ONLY_ACTIONS = frozenset({"attach"})


@dataclass(frozen=True)
class CaseActions:
    names: list[str] = field(default_factory=list)
    # A further visit (两次终结: beyond the second) waits for the director's approval.
    visit_needs_director: bool = False

    def __contains__(self, name: str) -> bool:
        return name in self.names


def case_actions_for(user, case: Case) -> CaseActions:
    """The steps `user` may take on `case` now, in `ACTION_ORDER`: those the state table
    gives the user's role from the case's status, less those the step's own service would
    refuse (a part left to sign, a 上报件 to forward, an objection that may be filed or
    answered, a township that may accept, materials waiting under the tolerance rule, a
    second one-time notice or a third visit that needs the director), plus asking the director
    for approval while something may be asked and the director's decision while a request
    waits; `attach` wherever a visit could be recorded."""
    allowed = {t.name for t in allowed_transitions(case.status, user)}
    director = is_center_director(user)
    names: list[str] = []
    visit_needs_director = False
    for name in ACTION_ORDER:
        if name == "attach":
            offered = "record_visit" in allowed
        elif name == "request_approval":
            offered = bool(approvals.requests_offered(user, case)[0])
        elif name == "decide_approval":
            offered = director and bool(approvals.waiting_on(case))
        elif name not in allowed:
            offered = False
        elif name == "record_visit" and not director and _third_visit_unapproved(case):
            visit_needs_director = True
            offered = False
        else:
            offered = _step_offered(name, user, case, director=director)
        if offered:
            names.append(name)
    return CaseActions(names=names, visit_needs_director=visit_needs_director)


def _step_offered(name: str, user, case: Case, *, director: bool) -> bool:
    """The checks a transition makes beyond its state and role (already allowed)."""
    if not selectors.offered_step(name, user, case):
        return False
    if name == "task_sign_off":
        return bool(selectors.tasks_to_sign(user, case))
    if name == "refer_up":
        return referrals.is_report_up(case)
    if name == "object":
        return not objections.objection_refusal(case)
    if name == "answer_objection":
        return not objections.answer_refusal(user, case)
    if name == "accept":
        return not services.acceptance_refusal(case)  # a township forwards what is above it
    if name in ("tolerance_receive", "tolerance_waive"):
        return bool(selectors.tolerance_pending(case))
    if name == "request_supplement" and not director:
        # Art. 32: a second one-time notice is asked of the director (request_approval).
        return selectors.supplement_notices(case) < services.NOTICES_WITHOUT_APPROVAL
    return True


def _third_visit_unapproved(case: Case) -> bool:
    return (
        case.visits >= services.VISITS_WITHOUT_APPROVAL
        and selectors.further_visit_unused(case) is None
    )
