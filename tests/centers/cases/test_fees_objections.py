"""Issue 15, fees and objections: a result is not handed over unpaid (统一收费), a waiver rests
on a policy and on the authority the city names, and an objection to a refusal or a denial is
answered in writing with reasons within the city's working days (seed plan 1, 退回件)."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django_tenants.utils import schema_context

from catalog_cms.standards import services as standards_services
from catalog_cms.standards.models import CasePolicy
from centers.cases import fees, objections, services
from centers.cases.models import CaseEvent, CaseFee, CaseObjection, DocumentKind, Notification
from evaluation.supervision.models import Alert, Flag
from evaluation.supervision.services import supervision_scan
from tests.centers.cases.conftest import at, login

pytestmark = pytest.mark.django_db

BASIS = {"basis_document": "沈政办发〔2026〕12号", "basis_article": "第五条"}


def _paid_case(desk, day="2026-03-02"):
    return services.case_intake(
        actor=desk.clerk,
        intake=services.Intake(
            matter=desk.paid,
            applicant=desk.applicant(),
            materials=desk.received(desk.paid),
            window=desk.window,
        ),
        now=at(day),
    )


def _refused(desk, day="2026-03-02"):
    return services.case_intake(
        actor=desk.clerk,
        intake=services.Intake(
            matter=desk.matter,
            applicant=desk.applicant(),
            materials=desk.received(),
            window=desk.window,
            outcome=services.Outcome.REFUSE,
            refusal_reason="申请人不符合条件",
            refusal_basis="《行政许可法》第三十二条",
        ),
        now=at(day),
    )


# --- 统一收费 -----------------------------------------------------------------------------------


def test_a_result_cannot_be_handed_over_unpaid(desk, client_for):
    """统一收费 (seed plan 3: 非税收入征缴一律在政务中心大厅办理): the result is handed over
    only once each fee is paid or waived; the service refuses naming the item and amount,
    nothing changes, and the desk's close form and the API's case detail say why."""
    with schema_context(desk.center.schema_name):
        case = _paid_case(desk)
        with pytest.raises(ValidationError) as exc:
            services.case_close(
                actor=desk.clerk, case=case, decision="approved", handover="window",
                now=at("2026-03-03"),
            )  # fmt: skip
        message = exc.value.message_dict["fees"][0]
        assert "工本费每件10元" in message and "¥10.00" in message
        case.refresh_from_db()
        assert case.status == "accepted" and not case.events.filter(action="close").exists()
    clerk = login(client_for(desk.center), "clerk1")
    page = clerk.get(f"/admin/cases/{case.receipt_number}/").content.decode()
    assert 'data-notice="close"' in page and "工本费每件10元" in page
    detail = clerk.get(f"/api/v1/cases/{case.receipt_number}/").json()
    assert "工本费每件10元" in detail["handover_refusal"]
    response = clerk.post(
        f"/api/v1/cases/{case.receipt_number}/close/",
        {"decision": "approved", "handover": "window"},
        content_type="application/json",
    )
    assert response.status_code == 400 and "fees" in response.json()
    with schema_context(desk.center.schema_name):
        fees.fee_pay(actor=desk.clerk, fee=case.fees.get(), payment_reference="POS-1")
        services.case_close(actor=desk.clerk, case=case, decision="approved", handover="window")
        case.refresh_from_db()
        assert case.status == "closed"
    assert clerk.get(f"/api/v1/cases/{case.receipt_number}/").json()["handover_refusal"] is None


def test_a_waiver_needs_its_policy_basis(desk):
    """Seed plan 3: 遇特殊情况需减免的,如县委、县政府有政策规定,按政策规定收取 — the waiver names
    the document and article it rests on; without them nothing changes."""
    with schema_context(desk.center.schema_name):
        fee = _paid_case(desk).fees.get()
        with pytest.raises(ValidationError) as exc:
            fees.fee_waive(actor=desk.director, fee=fee, reason="低保户")
        assert set(exc.value.message_dict) == {"basis_document", "basis_article"}
        fee.refresh_from_db()
        assert fee.state == CaseFee.State.UNPAID


def test_where_the_district_approves_the_center_cannot_waive_alone(desk):
    """Seed plan 3: 如无文件规定,由窗口单位局长审核,须上报并经县人民政府常务会议研究通过 — the
    city's case policy says who approves; where it is the district (here by a matter override),
    the director records the district's approval (its official and document) or nothing."""
    CasePolicy.objects.create(
        waiver_authority="center_director",
        waiver_overrides=[{"matter": desk.paid.code, "authority": "district"}],
    )
    with schema_context(desk.center.schema_name):
        fee = _paid_case(desk).fees.get()
        assert fees.waiver_authority(fee) == "district"
        with pytest.raises(ValidationError) as exc:
            fees.fee_waive(actor=desk.director, fee=fee, reason="低保户", **BASIS)
        assert set(exc.value.message_dict) == {
            "approval_reference", "approver_name", "approver_post",
        }  # fmt: skip
        # zh-Hans, the product's first language: "the center cannot waive it on its own"
        assert "中心不能自行减免" in exc.value.message_dict["approval_reference"][0]
        with pytest.raises(PermissionDenied):
            fees.fee_waive(actor=desk.clerk, fee=fee, reason="低保户", **BASIS)
        fees.fee_waive(
            actor=desk.director, fee=fee, reason="低保户", **BASIS,
            approver_name="王五", approver_post="区政务服务管理办公室主任",
            approval_reference="区政务办批〔2026〕3号",
        )  # fmt: skip
        fee.refresh_from_db()
        assert fee.state == CaseFee.State.WAIVED and fee.waiver_authority == "district"
        assert (fee.waiver_approver_name, fee.waiver_approval_reference) == (
            "王五", "区政务办批〔2026〕3号",
        )  # fmt: skip
        event = CaseEvent.objects.get(case=fee.case, action="fee_waived")
        assert event.detail["authority"] == "district"
        assert event.detail["basis_document"] == "沈政办发〔2026〕12号"


def test_the_case_policy_is_the_citys(city_admin):
    """The city sets the waiver authority and the objection days; a bad override line is a
    clear error naming the field, and nothing is saved."""
    with pytest.raises(ValidationError) as exc:
        standards_services.case_policy_set(
            actor=city_admin, waiver_authority="city", waiver_overrides="matter TS-001 district",
            objection_answer_days=5,
        )  # fmt: skip
    assert "waiver_overrides" in exc.value.message_dict
    assert not CasePolicy.objects.exists()
    policy = standards_services.case_policy_set(
        actor=city_admin,
        waiver_authority="city",
        waiver_overrides="matter:TS-001 = district\nitem:工本费 = center_director",
        objection_answer_days=7,
    )
    assert policy.waiver_overrides == [
        {"matter": "TS-001", "authority": "district"},
        {"item": "工本费", "authority": "center_director"},
    ]
    assert policy.waiver_authority_for(matter_code="TS-001", item="工本费") == "district"
    assert policy.waiver_authority_for(matter_code="X", item="工本费") == "center_director"
    assert policy.waiver_authority_for(matter_code="X", item="其他") == "city"


def test_the_waivers_stand_apart_in_the_daily_fee_report(desk):
    """The daily fee report shows waivers apart: item, amount waived, basis, approver."""
    from centers.ledger import exports, selectors

    with schema_context(desk.center.schema_name):
        fee = _paid_case(desk).fees.get()
        fees.fee_waive(
            actor=desk.director, fee=fee, reason="低保户", now=at("2026-03-02", 15), **BASIS
        )
        report = selectors.fee_report(datetime.date(2026, 3, 2))
        assert not report.paid and [w.fee_id for w in report.waived] == [fee.pk]
        assert report.waived[0].basis_document == "沈政办发〔2026〕12号"
        assert report.total.paid_amount == 0 and report.total.waived_amount == 10
        content = exports.fees_xlsx(report)
    from tests.centers.ledger.test_ledger import _sheet

    assert len(_sheet(content, "收费明细")) == 1  # the header: nothing collected
    rows = _sheet(content, "减免明细")
    assert rows[0] == list(exports.WAIVER_HEADERS)
    assert rows[1][2:4] == ["工本费每件10元", 10] and rows[1][7] == "沈政办发〔2026〕12号"


# --- 异议 ---------------------------------------------------------------------------------------


def test_an_objection_to_a_refusal_is_answered_in_writing_with_reasons(desk):
    """Seed plan 1 (退回件): 如行政相对人对办理结果提出异议,承办人应明确答复,并说明理由 — the
    objection is recorded, the answer is due within the city's working days on the official
    calendar, printed (异议答复书), texted and audited; the case keeps its state."""
    with schema_context(desk.center.schema_name):
        case = _refused(desk)
        objection = objections.objection_file(
            actor=desk.clerk, case=case, text="我符合条件，材料齐全", now=at("2026-03-03")
        )
        assert objection.due_on == datetime.date(2026, 3, 10)  # 5 working days
        case.refresh_from_db()
        assert case.status == "not_accepted"
        filed = CaseEvent.objects.get(case=case, action="objection_filed")
        assert filed.from_status == filed.to_status == "not_accepted"
        assert "2026-03-10" in Notification.objects.get(event=filed).text
        with pytest.raises(ValidationError) as exc:  # one waits at a time
            objections.objection_file(actor=desk.clerk, case=case, text="再次异议")
        assert "status" in exc.value.message_dict
        with pytest.raises(PermissionDenied):  # the owner (here who refused) answers
            objections.objection_answer(actor=desk.clerk_b, case=case, answer="a", reasons="b")
        with pytest.raises(ValidationError) as exc:
            objections.objection_answer(actor=desk.clerk, case=case, answer="维持", reasons=" ")
        assert "reasons" in exc.value.message_dict
        objections.objection_answer(
            actor=desk.clerk, case=case, answer="维持不予受理决定",
            reasons="申请人户籍不在本辖区", now=at("2026-03-05"),
        )  # fmt: skip
        objection.refresh_from_db()
        assert objection.answered_on == datetime.date(2026, 3, 5) and not objection.answered_late
        answered = CaseEvent.objects.get(case=case, action="objection_answered")
        assert answered.attachments[0]["kind"] == "document"
        assert case.documents.filter(kind=DocumentKind.OBJECTION_ANSWER).exists()
        assert Notification.objects.filter(event=answered).exists()
        # Once answered the applicant may object again; an approval is not objected to.
        assert objections.objection_refusal(case) is None
        granted = _paid_case(desk)
        fees.fee_pay(actor=desk.clerk, fee=granted.fees.get(), payment_reference="POS-1")
        services.case_close(actor=desk.clerk, case=granted, decision="approved", handover="window")
        with pytest.raises(ValidationError):
            objections.objection_file(actor=desk.clerk, case=granted, text="异议")


def test_a_late_answer_raises_a_supervision_alert(desk):
    """An objection not answered by its date is flagged (电子监察); the answer clears it and
    is marked late."""
    with schema_context(desk.center.schema_name):
        case = _refused(desk)
        objections.objection_file(actor=desk.clerk, case=case, text="异议", now=at("2026-03-03"))
        supervision_scan(desk.center, datetime.date(2026, 3, 10), now=at("2026-03-10", 11))
        assert not Alert.objects.filter(flag=Flag.OBJECTION_LATE).exists()
        supervision_scan(desk.center, datetime.date(2026, 3, 11), now=at("2026-03-11", 11))
        alert = Alert.objects.get(flag=Flag.OBJECTION_LATE)
        assert alert.case_id == case.pk and alert.cleared_at is None
        objection = objections.objection_answer(
            actor=desk.director, case=case, answer="维持", reasons="理由", now=at("2026-03-12")
        )
        assert objection.answered_late
        supervision_scan(desk.center, datetime.date(2026, 3, 12), now=at("2026-03-12", 11))
        alert.refresh_from_db()
        assert alert.cleared_at is not None


def test_an_objection_filed_online_behind_the_progress_check(desk, client_for, other_township):
    """Online from the progress page, behind the receipt and phone-digit check the lookup
    uses: a wrong pair finds nothing, the right one files it with a confirmation of the
    answer's date; the progress page and the desk show it. Another center's domain finds
    nothing of the case."""
    with schema_context(desk.center.schema_name):
        case = _refused(desk)
    url = f"/objection/{case.receipt_number}/"
    resident = client_for(desk.center)
    assert resident.post(url, {"action": "verify", "phone_last4": "0000"}).status_code == 200
    response = resident.post(url, {"action": "file", "text": "不服"})  # not verified: asks
    assert 'id="objection-verify"' in response.content.decode()
    response = resident.post(url, {"action": "verify", "phone_last4": "5678"})
    assert response.status_code == 302
    assert 'id="objection-form"' in resident.get(url).content.decode()
    response = resident.post(url, {"action": "file", "text": "  "})
    assert response.status_code == 400
    response = resident.post(url, {"action": "file", "text": "我已提交全部材料"})
    assert response.status_code == 302
    page = resident.get(response["Location"]).content.decode()
    assert 'id="objection-filed"' in page and "我已提交全部材料" in page
    with schema_context(desk.center.schema_name):
        objection = CaseObjection.objects.get(case=case)
        assert objection.channel == "online" and objection.recorded_by is None
        event = CaseEvent.objects.get(action="objection_filed")
        assert event.actor is None and "网上" in event.actor_name
    progress = resident.post(
        "/progress/", {"receipt": case.receipt_number, "phone_last4": "5678"}
    ).content.decode()
    assert 'id="progress-objections"' in progress and "我已提交全部材料" in progress
    desk_page = login(client_for(desk.center), "clerk1").get(f"/admin/cases/{case.receipt_number}/")
    assert 'data-objection="open"' in desk_page.content.decode()
    assert "answer_objection" in [f["name"] for f in desk_page.context["action_forms"]]
    # Another center's domain: the same receipt and digits find nothing.
    foreign = client_for(other_township)
    response = foreign.post(url, {"action": "verify", "phone_last4": "5678"})
    assert response.status_code == 200 and 'id="objection-not-found"' in response.content.decode()


def test_the_api_records_and_answers_an_objection(desk, client_for, other_township, make_user):
    """Seed plan 1 (退回件) through the API: record, answer, both in the case detail; another
    center's clerk reaches nothing."""
    from tenants.accounts.models import Role

    with schema_context(desk.center.schema_name):
        case = _refused(desk)
    clerk = login(client_for(desk.center), "clerk1")
    base = f"/api/v1/cases/{case.receipt_number}/"
    assert "objection" in clerk.get(base).json()["actions"]
    response = clerk.post(f"{base}objection/", {"text": "异议"}, content_type="application/json")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["objections"][0]["text"] == "异议" and "objection/answer" in body["actions"]
    assert "objection" not in body["actions"]
    response = clerk.post(
        f"{base}objection/answer/", {"answer": "维持", "reasons": "理由"},
        content_type="application/json",
    )  # fmt: skip
    assert response.status_code == 200 and response.json()["objections"][0]["answer"] == "维持"
    make_user(other_township, "clerk1", Role.WINDOW_STAFF)
    theirs = login(client_for(other_township), "clerk1")
    response = theirs.post(f"{base}objection/", {"text": "x"}, content_type="application/json")
    assert response.status_code == 404
