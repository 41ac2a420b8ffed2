"""Issue 15, part 4: the one-time notice means one time (a second 补正 waits for the
director), 容缺受理 closes with code 12 only after the material comes, and visits are counted
from what happened (两次终结)."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django_tenants.utils import schema_context

from centers.cases import approvals, selectors, services
from centers.cases.models import ApprovalRequest, Case, CaseMaterial, DocumentKind
from centers.cases.services import Intake, Outcome

from .conftest import at, make_matter

pytestmark = pytest.mark.django_db

SECOND = ApprovalRequest.Kind.SECOND_SUPPLEMENT
FURTHER = ApprovalRequest.Kind.FURTHER_VISIT
BROUGHT = [{"name": "居民身份证", "state": "received"}]


@pytest.fixture
def tenant(desk, media_root):
    with schema_context(desk.center.schema_name):
        yield desk


def _intake(
    desk,
    *,
    matter=None,
    outcome=Outcome.ACCEPT,
    channel="window",
    day="2026-11-02",
    materials=None,
    **extra,
) -> Case:
    matter = matter or desk.matter
    return services.case_intake(
        actor=desk.clerk if channel != "online" else None,
        intake=Intake(
            matter=matter,
            applicant=desk.applicant(),
            outcome=outcome,
            channel=channel,
            materials=materials if materials is not None else desk.received(matter),
            window=desk.window if channel == "window" else None,
            **extra,
        ),
        now=at(day),
    )


def _missing_id(desk):
    lines = desk.received()
    lines[0] = {"name": "居民身份证", "state": "missing"}
    return lines


# --- 补正 once (art. 32) -----------------------------------------------------------------


def test_a_second_supplement_waits_for_the_directors_approval(tenant):
    """行政许可法 art. 32: the applicant is told everything to add at once. A second one-time
    notice on the same case is the director's, with a reason: the clerk's attempt is refused,
    the clerk's request waits in the queue and changes nothing, the director's approval issues
    it in the director's name; supervision flags it from the second notice."""
    case = _intake(tenant, outcome=Outcome.SUPPLEMENT, materials=_missing_id(tenant))
    case = services.case_complete_supplement(
        actor=tenant.clerk, case=case, materials=BROUGHT, now=at("2026-11-03")
    )
    assert case.status == "accepted"
    ask = [{"name": "申请表", "state": "defective", "note": "缺少签字"}]
    with pytest.raises(PermissionDenied):
        services.case_request_supplement(
            actor=tenant.clerk, case=case, materials=ask, reason="复核发现", now=at("2026-11-04")
        )
    request = approvals.approval_request(
        actor=tenant.clerk,
        case=case,
        kind=SECOND,
        reason="复核发现申请表缺少签字",
        materials=ask,
        now=at("2026-11-04"),
    )
    case.refresh_from_db()
    assert request.state == "pending" and case.status == "accepted"
    assert selectors.supplement_notices(case) == 1
    assert case.materials.get(name="申请表").state == "received"
    approvals.approval_decide(
        actor=tenant.director, case=case, request=request, approve=True, now=at("2026-11-04", 11)
    )
    case.refresh_from_db()
    assert case.status == "supplementing" and selectors.supplement_notices(case) == 2
    event = case.events.filter(action="request_supplement").last()
    assert event.actor == tenant.director and event.process_code == 6
    assert event.detail["notice_number"] == 2 and event.detail["approval"] == request.pk
    assert case.documents.filter(kind=DocumentKind.SUPPLEMENT_NOTICE).count() == 2

    from evaluation.supervision.models import Alert
    from evaluation.supervision.services import supervision_scan

    supervision_scan(tenant.center, datetime.date(2026, 11, 4), now=at("2026-11-04", 12))
    assert Alert.objects.filter(case_id=case.pk, flag="repeated_returns").exists()


def test_the_director_issues_a_second_notice_only_with_a_reason(tenant):
    """Art. 32: the director may issue the second notice directly, and the reason is kept."""
    case = _intake(tenant, outcome=Outcome.SUPPLEMENT, materials=_missing_id(tenant))
    services.case_complete_supplement(
        actor=tenant.clerk, case=case, materials=BROUGHT, now=at("2026-11-03")
    )
    ask = [{"name": "申请表", "state": "missing"}]
    with pytest.raises(ValidationError) as err:
        services.case_request_supplement(actor=tenant.director, case=case, materials=ask)
    assert "reason" in err.value.message_dict
    services.case_request_supplement(
        actor=tenant.director, case=case, materials=ask, reason="新发现", now=at("2026-11-04")
    )
    assert selectors.supplement_notices(case) == 2


# --- 容缺受理 ----------------------------------------------------------------------------


@pytest.fixture
def tolerant(tenant):
    return make_matter(
        "TS-009",
        materials=[
            {"name": "居民身份证", "originals": 1, "copies": 1, "required": True, "note": ""},
            {
                "name": "收入证明",
                "originals": 1,
                "copies": 0,
                "required": True,
                "note": "",
                "tolerance": True,
            },
        ],
    )


def test_tolerance_closes_with_code_12_only_after_the_material_comes(tenant, tolerant):
    """容缺受理 (issue 15; DOMAIN.md: 办理状态 12 办结(容缺通过)): a case accepted without a
    容缺-eligible material, against the applicant's signed commitment to bring it by a date,
    cannot close as 准予 nor as 容缺通过 while it is pending; once it is brought in it closes
    with code 12."""
    materials = [
        {"name": "居民身份证", "state": "received"},
        {"name": "收入证明", "state": "missing"},
    ]
    with pytest.raises(ValidationError) as err:  # not eligible: the ID card
        _intake(
            tenant,
            matter=tolerant,
            materials=materials,
            tolerance=[{"name": "居民身份证", "due": datetime.date(2026, 11, 5)}],
        )
    assert "tolerance" in err.value.message_dict and Case.objects.count() == 0
    case = _intake(
        tenant,
        matter=tolerant,
        materials=materials,
        tolerance=[{"name": "收入证明", "due": datetime.date(2026, 11, 5)}],
    )
    assert case.status == "accepted"
    line = case.materials.get(name="收入证明")
    assert line.state == CaseMaterial.State.TOLERATED
    assert line.tolerance_due == datetime.date(2026, 11, 5)
    assert case.documents.filter(kind=DocumentKind.TOLERANCE_COMMITMENT).count() == 1
    for decision in ("approved", "approved_tolerance"):
        with pytest.raises(ValidationError) as err:
            services.case_close(
                actor=tenant.clerk,
                case=case,
                decision=decision,
                handover="post",
                now=at("2026-11-04"),
            )
        assert "decision" in err.value.message_dict
    case.refresh_from_db()
    assert case.status == "accepted"

    from evaluation.supervision.models import Alert
    from evaluation.supervision.services import supervision_scan

    supervision_scan(tenant.center, datetime.date(2026, 11, 4), now=at("2026-11-04", 12))
    assert Alert.objects.filter(case_id=case.pk, flag="tolerance_soon").exists()
    supervision_scan(tenant.center, datetime.date(2026, 11, 6), now=at("2026-11-06", 12))
    assert Alert.objects.filter(case_id=case.pk, flag="tolerance_overdue").exists()

    services.case_tolerance_receive(
        actor=tenant.clerk, case=case, material="收入证明", via="post", now=at("2026-11-06")
    )
    with pytest.raises(ValidationError):
        services.case_close(
            actor=tenant.clerk,
            case=case,
            decision="approved",
            handover="post",
            now=at("2026-11-06", 14),
        )
    services.case_close(
        actor=tenant.clerk,
        case=case,
        decision="approved_tolerance",
        handover="post",
        now=at("2026-11-06", 15),
    )
    case.refresh_from_db()
    assert case.status == "closed"
    assert case.events.get(action="close").process_code == 12
    assert case.events.get(action="tolerance_receive").detail["late"] is True


def test_only_the_director_waives_a_tolerance_material_with_a_reason(tenant, tolerant):
    """容缺: the director may waive the material, with the reason; then code 12 is allowed."""
    case = _intake(
        tenant,
        matter=tolerant,
        materials=[
            {"name": "居民身份证", "state": "received"},
            {"name": "收入证明", "state": "missing"},
        ],
        tolerance=[{"name": "收入证明", "due": datetime.date(2026, 11, 5)}],
    )
    with pytest.raises(PermissionDenied):
        services.case_tolerance_waive(
            actor=tenant.clerk, case=case, material="收入证明", reason="x"
        )
    with pytest.raises(ValidationError):
        services.case_tolerance_waive(
            actor=tenant.director, case=case, material="收入证明", reason=""
        )
    services.case_tolerance_waive(
        actor=tenant.director, case=case, material="收入证明", reason="已通过部门共享核验"
    )
    assert selectors.close_decisions(Case.objects.get(pk=case.pk)) == [
        "approved_tolerance",
        "denied",
        "forwarded",
    ]


def test_a_plain_case_never_closes_as_tolerance(tenant):
    """办理状态 12 is for a case accepted with 容缺 only."""
    case = _intake(tenant)
    with pytest.raises(ValidationError):
        services.case_close(
            actor=tenant.clerk, case=case, decision="approved_tolerance", handover="post"
        )


# --- 两次终结: visits counted from the steps ----------------------------------------------


def test_visits_of_an_online_case_are_0(tenant):
    """两次终结 (seed plan 5): an online application accepted at the desk, its result sent
    electronically, is no visit of the applicant."""
    case = _intake(tenant, outcome=Outcome.RECEIVE, channel="online")
    assert case.visits == 0
    services.case_accept(actor=tenant.clerk, case=case, now=at("2026-11-03"))
    case = services.case_close(
        actor=tenant.clerk,
        case=case,
        decision="approved",
        handover="electronic",
        now=at("2026-11-04"),
    )
    case.refresh_from_db()
    assert case.visits == 0 == selectors.visits_counted(case)


def test_visits_of_a_window_case_with_a_supplement_brought_back_are_2(tenant):
    """两次终结: the intake at a window and the missing material brought back to the window are
    two visits; a third (the result collected at the window another day) needs the director,
    or the director's approved request, which that step uses up."""
    case = _intake(tenant, outcome=Outcome.SUPPLEMENT, materials=_missing_id(tenant))
    assert case.visits == 1
    case = services.case_complete_supplement(
        actor=tenant.clerk, case=case, materials=BROUGHT, via="window", now=at("2026-11-03")
    )
    case.refresh_from_db()
    assert case.visits == 2 == selectors.visits_counted(case)
    with pytest.raises(PermissionDenied):
        services.case_close(
            actor=tenant.clerk,
            case=case,
            decision="approved",
            handover="window",
            now=at("2026-11-05"),
        )
    request = approvals.approval_request(
        actor=tenant.clerk,
        case=case,
        kind=FURTHER,
        reason="申请人要求窗口领取",
        now=at("2026-11-05"),
    )
    approvals.approval_decide(
        actor=tenant.director, case=case, request=request, approve=True, now=at("2026-11-05", 11)
    )
    case.refresh_from_db()
    assert case.visits == 2
    services.case_close(
        actor=tenant.clerk,
        case=case,
        decision="approved",
        handover="window",
        now=at("2026-11-05", 14),
    )
    case.refresh_from_db()
    assert case.visits == 3 == selectors.visits_counted(case)
    assert case.events.get(action="close").detail["visit_approval"] == request.pk


def test_an_instant_case_handed_over_on_the_spot_is_one_visit(tenant):
    """两次终结: a 即办件 collected at the window the day it was taken in is the same visit."""
    case = _intake(tenant, matter=tenant.instant)
    case = services.case_close(
        actor=tenant.clerk,
        case=case,
        decision="approved",
        handover="window",
        now=at("2026-11-02", 11),
    )
    case.refresh_from_db()
    assert case.visits == 1 == selectors.visits_counted(case)


def test_a_supplement_sent_online_is_no_visit(tenant):
    case = _intake(tenant, outcome=Outcome.SUPPLEMENT, materials=_missing_id(tenant))
    services.case_complete_supplement(
        actor=tenant.clerk, case=case, via="online", materials=BROUGHT, now=at("2026-11-03")
    )
    case.refresh_from_db()
    assert case.visits == 1
