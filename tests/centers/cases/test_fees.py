"""Fees (统一收费): pay with a reference, never twice; a waiver only by the center director,
with the reason; each step an event of the case."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django_tenants.utils import schema_context

from centers.cases import fees, services
from centers.cases.models import CaseEvent, CaseFee
from tests.centers.cases.conftest import at

pytestmark = pytest.mark.django_db

# A waiver rests on a policy: its document number and article (seed plan 3, 统一收费).
BASIS = {"basis_document": "沈政办发〔2026〕12号", "basis_article": "第五条"}


@pytest.fixture
def fee(desk, media_root):
    """A case of the fee-charging matter accepted at the window; its one unpaid fee."""
    with schema_context(desk.center.schema_name):
        case = services.case_intake(
            actor=desk.clerk,
            intake=services.Intake(
                matter=desk.paid,
                applicant=desk.applicant(),
                materials=desk.received(desk.paid),
                window=desk.window,
            ),
            now=at("2026-03-02"),
        )
        yield case.fees.get()


def _fee_events(fee):
    return CaseEvent.objects.filter(case=fee.case, action__startswith="fee_")


def test_fee_is_assessed_at_acceptance(desk, fee):
    with schema_context(desk.center.schema_name):
        assert fee.state == CaseFee.State.UNPAID
        assert fee.amount == Decimal("10.00")
        assert fee.window == desk.window
        assert fee.item == "工本费每件10元"


def test_pay(desk, fee):
    with schema_context(desk.center.schema_name):
        paid = fees.fee_pay(
            actor=desk.clerk, fee=fee, payment_reference=" POS-0001 ", now=at("2026-03-02", 11)
        )
        paid.refresh_from_db()
        assert paid.state == CaseFee.State.PAID
        assert paid.payment_reference == "POS-0001"
        assert paid.paid_on == datetime.date(2026, 3, 2)
        assert paid.paid_at == at("2026-03-02", 11)
        event = _fee_events(fee).get()
        assert event.action == "fee_paid"
        assert event.actor == desk.clerk
        assert event.process_code is None
        assert event.from_status == event.to_status == "accepted"
        assert event.detail == {
            "fee": fee.pk,
            "item": "工本费每件10元",
            "amount": "10.00",
            "payment_reference": "POS-0001",
        }


def test_reference_required(desk, fee):
    with schema_context(desk.center.schema_name):
        with pytest.raises(ValidationError) as exc:
            fees.fee_pay(actor=desk.clerk, fee=fee, payment_reference="  ")
        assert "payment_reference" in exc.value.message_dict
        with pytest.raises(ValidationError) as exc:
            fees.fee_pay(actor=desk.clerk, fee=fee, payment_reference="x" * 65)
        assert "payment_reference" in exc.value.message_dict
        fee.refresh_from_db()
        assert fee.state == CaseFee.State.UNPAID
        assert not _fee_events(fee).exists()


def test_double_payment_refused(desk, fee):
    with schema_context(desk.center.schema_name):
        fees.fee_pay(actor=desk.clerk, fee=fee, payment_reference="POS-0001")
        # The second clerk works from the same stale row: the lock and the state check refuse.
        with pytest.raises(ValidationError) as exc:
            fees.fee_pay(actor=desk.clerk_b, fee=fee, payment_reference="POS-0002")
        assert "POS-0001" in " ".join(exc.value.message_dict["fee"])
        fee.refresh_from_db()
        assert fee.payment_reference == "POS-0001"
        assert _fee_events(fee).count() == 1
        # Nor can a paid fee be waived afterwards.
        with pytest.raises(ValidationError) as exc:
            fees.fee_waive(actor=desk.director, fee=fee, reason="困难群众")
        assert "fee" in exc.value.message_dict


def test_waive_by_director(desk, fee):
    with schema_context(desk.center.schema_name):
        waived = fees.fee_waive(
            actor=desk.director, fee=fee, reason="低保户减免", now=at("2026-03-02", 15), **BASIS
        )
        waived.refresh_from_db()
        assert waived.state == CaseFee.State.WAIVED
        assert waived.waiver_approved_by == desk.director
        assert waived.waiver_reason == "低保户减免"
        assert waived.paid_on is None
        event = _fee_events(fee).get()
        assert event.action == "fee_waived"
        assert event.reason == "低保户减免"
        assert event.at == at("2026-03-02", 15)
        assert event.process_code is None
        assert waived.waiver_authority == "center_director"
        assert waived.waiver_basis_document == "沈政办发〔2026〕12号"
        assert waived.waiver_approver_post == "政务服务中心主任"
        assert event.detail == {
            "fee": fee.pk,
            "item": "工本费每件10元",
            "amount": "10.00",
            "approved_by": desk.director.pk,
            "authority": "center_director",
            "basis_document": "沈政办发〔2026〕12号",
            "basis_article": "第五条",
            "approver_name": waived.waiver_approver_name,
            "approver_post": "政务服务中心主任",
            "approval_reference": "",
        }
        with pytest.raises(ValidationError):
            fees.fee_pay(actor=desk.clerk, fee=fee, payment_reference="POS-1")
        with pytest.raises(ValidationError):
            fees.fee_waive(actor=desk.director, fee=fee, reason="again", **BASIS)


def test_waive_needs_reason(desk, fee):
    with schema_context(desk.center.schema_name):
        with pytest.raises(ValidationError) as exc:
            fees.fee_waive(actor=desk.director, fee=fee, reason=" ")
        assert "waiver_reason" in exc.value.message_dict


@pytest.mark.parametrize("who", ["clerk", "agent", None])
def test_waiver_refused_to_all_but_the_director(desk, fee, who):
    actor = getattr(desk, who) if who else None  # None: the platform has no one to approve
    with schema_context(desk.center.schema_name):
        with pytest.raises(PermissionDenied):
            fees.fee_waive(actor=actor, fee=fee, reason="困难群众")
        fee.refresh_from_db()
        assert fee.state == CaseFee.State.UNPAID
        assert fee.waiver_approved_by is None
        assert not _fee_events(fee).exists()
        assert fees.may_waive(desk.director) and not fees.may_waive(actor)


def test_village_agent_cannot_take_payment(desk, fee):
    with schema_context(desk.center.schema_name):
        with pytest.raises(PermissionDenied):
            fees.fee_pay(actor=desk.agent, fee=fee, payment_reference="POS-1")
        assert not _fee_events(fee).exists()


def test_wrong_state(desk, fee):
    """A withdrawn case takes no fee step (states.TRANSITIONS["fee"])."""
    with schema_context(desk.center.schema_name):
        services.case_withdraw(actor=desk.clerk, case=fee.case, reason="申请人撤回")
        with pytest.raises(ValidationError) as exc:
            fees.fee_pay(actor=desk.clerk, fee=fee, payment_reference="POS-1")
        assert "status" in exc.value.message_dict
        with pytest.raises(ValidationError) as exc:
            fees.fee_waive(actor=desk.director, fee=fee, reason="撤回")
        assert "status" in exc.value.message_dict
        fee.refresh_from_db()
        assert fee.state == CaseFee.State.UNPAID


def test_a_closed_case_can_still_pay(desk, fee):
    """A denial (不予批准) is handed over whatever the fees (行政许可法 art. 38(2): the written
    decision is the applicant's); its fee can still be settled afterwards."""
    with schema_context(desk.center.schema_name):
        services.case_close(
            actor=desk.clerk,
            case=fee.case,
            decision="denied",
            handover="window",
            note="不符合条件",
            now=at("2026-03-03"),
        )
        fees.fee_pay(actor=desk.clerk, fee=fee, payment_reference="POS-9", now=at("2026-03-03"))
        fee.refresh_from_db()
        assert fee.state == CaseFee.State.PAID
