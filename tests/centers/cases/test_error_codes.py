"""Stable error codes (centers.cases.error_codes): the case steps' refusals carry a code from
CaseErrorCode beside their unchanged text, so the API and the forms tell them apart without
parsing it; a refused right carries one too."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django_tenants.utils import schema_context

from centers.cases import services
from centers.cases.error_codes import CaseErrorCode
from centers.cases.services import Intake, Outcome

from .conftest import at

pytestmark = pytest.mark.django_db

APPROVER = {"approver_name": "李主任", "approver_post": "中心主任"}


@pytest.fixture
def tenant(desk, media_root):
    with schema_context(desk.center.schema_name):
        yield desk


def _accepted(desk, matter=None, **extra):
    matter = matter or desk.matter
    return services.case_intake(
        actor=desk.clerk,
        intake=Intake(
            matter=matter,
            applicant=desk.applicant(),
            materials=desk.received(matter),
            window=desk.window,
            **extra,
        ),
        now=at("2026-11-02"),
    )


def _codes(error: ValidationError, field: str) -> list[str]:
    return [e.code for e in error.error_dict[field]]


def test_an_extension_beyond_the_cases_maximum(tenant):
    case = _accepted(tenant)
    with pytest.raises(ValidationError) as err:
        services.case_extend(
            actor=tenant.director,
            case=case,
            days=case.extension_max_days + 1,
            reason="需补充调查",
            **APPROVER,
        )
    assert _codes(err.value, "days") == [CaseErrorCode.EXTENSION_BEYOND_MAXIMUM]
    # The message is unchanged by its code (the product speaks zh-Hans first).
    assert err.value.message_dict["days"] == [
        f"延期累计为1至{case.extension_max_days}个工作日，已批准0个工作日。"
    ]


def test_an_extension_by_a_clerk_is_a_refused_right(tenant):
    case = _accepted(tenant)
    with pytest.raises(PermissionDenied) as err:
        services.case_extend(actor=tenant.clerk, case=case, days=3, reason="复杂", **APPROVER)
    assert err.value.code == CaseErrorCode.ROLE_NOT_ALLOWED


def test_a_hand_over_with_a_fee_unpaid(tenant):
    case = _accepted(tenant, matter=tenant.paid)
    with pytest.raises(ValidationError) as err:
        services.case_close(
            actor=tenant.clerk,
            case=case,
            decision="approved",
            handover="window",
            now=at("2026-11-03"),
        )
    assert _codes(err.value, "fees") == [CaseErrorCode.FEE_UNPAID]


def test_a_second_one_time_notice_without_approval(tenant):
    missing = tenant.received()
    missing[0] = {"name": "居民身份证", "state": "missing"}
    case = services.case_intake(
        actor=tenant.clerk,
        intake=Intake(
            matter=tenant.matter,
            applicant=tenant.applicant(),
            outcome=Outcome.SUPPLEMENT,
            materials=missing,
            window=tenant.window,
        ),
        now=at("2026-11-02"),
    )
    case = services.case_complete_supplement(
        actor=tenant.clerk,
        case=case,
        materials=[{"name": "居民身份证", "state": "received"}],
        now=at("2026-11-03"),
    )
    ask = [{"name": "申请表", "state": "defective", "note": "缺少签字"}]
    with pytest.raises(PermissionDenied) as err:
        services.case_request_supplement(
            actor=tenant.clerk, case=case, materials=ask, reason="复核发现", now=at("2026-11-04")
        )
    assert err.value.code == CaseErrorCode.SECOND_SUPPLEMENT_NEEDS_APPROVAL


def test_a_step_from_the_wrong_state_and_a_bare_input_error(tenant):
    case = _accepted(tenant)
    with pytest.raises(ValidationError) as err:
        services.case_special_end(actor=tenant.clerk, case=case, now=at("2026-11-03"))
    assert _codes(err.value, "status") == [CaseErrorCode.WRONG_STATUS]
    with pytest.raises(ValidationError) as err:
        services.case_reassign(actor=tenant.clerk, case=case, owner=tenant.clerk, reason="")
    assert CaseErrorCode.REQUIRED in _codes(err.value, "reason")
