"""Every step of a case through centers.cases.services: the state table, the deadline clock
(Spring Festival and National Day 2026 with their adjusted working Saturdays, the 2027
fallback, pauses, extension, the late one-time notice), joint cases, visits, idempotency, the
append-only history and bad input that changes nothing."""

import datetime
import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import DatabaseError, connection, transaction
from django_tenants.utils import schema_context

from centers.cases import files, services
from centers.cases.models import Case, CaseEvent, CaseFee, CaseMaterial, Notification
from centers.cases.services import Intake, Outcome
from centers.cases.states import CaseKind, CaseStatus, ProcessCode

from .conftest import ORG_CODE, at

D = datetime.date
# 行政许可法 art. 42: an extension names the approving official and their post.
APPROVER = {"approver_name": "李主任", "approver_post": "中心主任"}


@pytest.fixture
def tenant(desk, media_root):
    with schema_context(desk.center.schema_name):
        yield desk


def intake(desk, *, matter=None, outcome=Outcome.ACCEPT, day="2026-11-02", actor=None, **extra):
    matter = matter or desk.matter
    materials = extra.pop("materials", desk.received(matter))
    return services.case_intake(
        actor=actor or desk.clerk,
        intake=Intake(
            matter=matter,
            applicant=extra.pop("applicant", desk.applicant()),
            outcome=outcome,
            materials=materials,
            window=desk.window,
            **extra,
        ),
        now=at(day),
    )


def codes(case) -> list[int]:
    return list(
        case.events.exclude(process_code=None)
        .order_by("at", "pk")
        .values_list("process_code", flat=True)
    )


def missing_id_card(desk):
    lines = desk.received()
    lines[0] = {"name": "居民身份证", "state": "missing"}
    return lines


# --- deadlines ----------------------------------------------------------------------------


def test_accept_across_spring_festival_counts_the_adjusted_saturday(tenant):
    case = intake(tenant, day="2026-02-13")  # Friday; 02-14 is a working Saturday
    assert case.status == CaseStatus.ACCEPTED
    assert case.accepted_on == D(2026, 2, 13)
    # 02-14 (Sat, adjusted), then 02-15..23 off, 24, 25, 26, 27.
    assert case.due_date == D(2026, 2, 27)
    assert case.due_provisional is False
    assert codes(case) == [ProcessCode.RECEIVED, ProcessCode.ACCEPTED]


def test_accept_across_national_day_counts_the_adjusted_saturday_10_10(tenant):
    case = intake(tenant, day="2026-09-30")
    # 10-01..07 off; 10-08, 10-09, 10-10 (Sat, adjusted), 10-12, 10-13.
    assert case.due_date == D(2026, 10, 13)


def test_a_deadline_into_2027_falls_back_and_is_provisional(tenant):
    case = intake(tenant, day="2026-12-29")
    # 12-30, 12-31, 2027-01-01 is 元旦 (fallback), 01-04, 01-05, 01-06.
    assert case.due_date == D(2027, 1, 6)
    assert case.due_provisional is True


def test_a_center_closure_leaves_the_promised_date_alone(tenant):
    """行政许可法 art. 82: time limits are working days, statutory holidays excluded; a center's
    own closure (装修) is no statutory holiday, so the promised date does not move."""
    from centers.workspace.models import Closure

    Closure.objects.create(start_date=D(2026, 11, 4), end_date=D(2026, 11, 5), reason="装修")
    case = intake(tenant, day="2026-11-02")
    # 11-03, 04, 05, 06, 09: the closure is a risk shown on the case, not a day off.
    assert case.due_date == D(2026, 11, 9)


def test_instant_case_is_due_the_same_day_and_closing_later_is_late(tenant):
    case = intake(tenant, matter=tenant.instant, day="2026-11-02")
    assert case.kind == CaseKind.INSTANT
    assert case.due_date == D(2026, 11, 2)
    services.case_close(
        actor=tenant.clerk, case=case, decision="approved", handover="window", now=at("2026-11-03")
    )
    case.refresh_from_db()
    assert case.closed_late is True
    assert codes(case)[-1] == ProcessCode.CLOSED_APPROVED


# --- 补正 ---------------------------------------------------------------------------------


def test_incomplete_at_intake_issues_one_notice_and_the_clock_starts_on_completion(tenant):
    case = intake(
        tenant, outcome=Outcome.SUPPLEMENT, materials=missing_id_card(tenant), day="2026-11-02"
    )
    assert case.status == CaseStatus.SUPPLEMENTING
    assert case.accepted_on is None and case.due_date is None
    assert case.documents.get().kind == "supplement_notice"
    notice_event = case.events.get(action="request_supplement")
    assert [m["name"] for m in notice_event.detail["missing"]] == ["居民身份证"]

    services.case_complete_supplement(
        actor=tenant.clerk,
        case=case,
        materials=[{"name": "居民身份证", "state": "received", "originals_received": 1}],
        now=at("2026-11-05"),
    )
    case.refresh_from_db()
    assert case.status == CaseStatus.ACCEPTED
    assert case.accepted_on == D(2026, 11, 5)
    assert case.due_date == D(2026, 11, 12)  # 06, 09, 10, 11, 12
    assert case.paused_days == 0
    assert codes(case) == [
        ProcessCode.RECEIVED,
        ProcessCode.SUPPLEMENT_START,
        ProcessCode.SUPPLEMENT_END,
        ProcessCode.ACCEPTED,
    ]


def test_supplement_during_handling_pauses_the_clock(tenant):
    case = intake(tenant, day="2026-11-02")
    assert case.due_date == D(2026, 11, 9)
    services.case_request_supplement(
        actor=tenant.clerk,
        case=case,
        materials=[{"name": "申请表", "state": "defective", "note": "签名缺失"}],
        now=at("2026-11-04"),
    )
    case.refresh_from_db()
    assert case.status == CaseStatus.SUPPLEMENTING
    services.case_complete_supplement(
        actor=tenant.clerk,
        case=case,
        materials=[{"name": "申请表", "state": "received"}],
        now=at("2026-11-06"),
    )
    case.refresh_from_db()
    assert case.paused_days == 2  # 11-05 and 11-06 did not count
    assert case.due_date == D(2026, 11, 11)
    assert case.pauses.get().end_on == D(2026, 11, 6)


def test_a_late_one_time_notice_counts_the_case_as_accepted_from_arrival(tenant):
    point = tenant_point(tenant)
    case = intake(
        tenant,
        outcome=Outcome.RECEIVE,
        channel="village_point",
        service_point=point,
        actor=tenant.agent,
        day="2026-11-02",
    )
    assert case.status == CaseStatus.RECEIVED
    # Five working days after 11-02 is 11-09; the notice comes on 11-12.
    services.case_request_supplement(
        actor=tenant.clerk, case=case, materials=missing_id_card(tenant), now=at("2026-11-12")
    )
    case.refresh_from_db()
    assert case.acceptance_deemed is True
    assert case.accepted_on == D(2026, 11, 2)
    services.case_complete_supplement(
        actor=tenant.clerk,
        case=case,
        materials=[{"name": "居民身份证", "state": "received"}],
        now=at("2026-11-16"),
    )
    case.refresh_from_db()
    assert case.accepted_on == D(2026, 11, 2)  # kept
    assert case.paused_days == 2  # 11-13, 11-16
    assert case.due_date == D(2026, 11, 11)  # 5 + 2 working days after 11-02
    assert case.owner == tenant.clerk


def test_accepting_a_received_case_late_counts_from_arrival(tenant):
    point = tenant_point(tenant)
    case = intake(
        tenant,
        outcome=Outcome.RECEIVE,
        channel="village_point",
        service_point=point,
        actor=tenant.agent,
        day="2026-11-02",
    )
    services.case_accept(actor=tenant.clerk, case=case, now=at("2026-11-20"))
    case.refresh_from_db()
    assert case.acceptance_deemed and case.accepted_on == D(2026, 11, 2)
    assert case.due_date == D(2026, 11, 9)


def tenant_point(desk):
    from centers.workspace.models import ServicePoint

    point = ServicePoint.objects.create(name="石佛寺村便民服务站", village="石佛寺村")
    point.agents.add(desk.agent)
    return point


# --- special procedures and extension -------------------------------------------------------


def test_special_procedure_pauses_and_extension_needs_the_director(tenant):
    case = intake(tenant, day="2026-11-02")
    services.case_special_start(
        actor=tenant.clerk,
        case=case,
        kind="inspection",
        reason="现场核查",
        expected_days=3,
        now=at("2026-11-03"),
    )
    case.refresh_from_db()
    assert case.status == CaseStatus.SPECIAL_PROCEDURE
    services.case_special_end(actor=tenant.clerk, case=case, now=at("2026-11-06"))
    case.refresh_from_db()
    assert case.paused_days == 3  # 04, 05, 06
    assert case.due_date == D(2026, 11, 12)

    with pytest.raises(PermissionDenied):
        services.case_extend(actor=tenant.clerk, case=case, days=3, reason="复杂", **APPROVER)
    services.case_extend(actor=tenant.director, case=case, days=4, reason="需补充调查", **APPROVER)
    case.refresh_from_db()
    assert case.extension_days == 4 and case.due_date == D(2026, 11, 18)
    with pytest.raises(ValidationError) as err:
        services.case_extend(actor=tenant.director, case=case, days=7, reason="再延", **APPROVER)
    assert "days" in err.value.message_dict
    assert codes(case)[-2:] == [ProcessCode.SPECIAL_START, ProcessCode.SPECIAL_END]
    assert case.events.get(action="extend").detail["approved_by"] == tenant.director.pk


def test_special_procedure_needs_a_known_kind_and_reason(tenant):
    case = intake(tenant)
    with pytest.raises(ValidationError) as err:
        services.case_special_start(actor=tenant.clerk, case=case, kind="supplement", reason="")
    assert {"kind", "reason"} <= set(err.value.message_dict)


# --- joint cases, visits, owner --------------------------------------------------------------


def test_joint_case_with_three_departments_closes_once_all_have_signed(tenant):
    lead, *others = tenant.departments
    case = intake(
        tenant,
        matter=tenant.joint,
        lead_department=lead,
        departments=others,
    )
    assert case.kind == CaseKind.JOINT
    tasks = list(case.tasks.all())
    assert len(tasks) == 3 and sum(t.is_lead for t in tasks) == 1
    assert codes(case).count(ProcessCode.DEPARTMENT_START) == 3
    services.case_task_sign_off(actor=tenant.clerk, task=tasks[0], opinion="同意")
    with pytest.raises(ValidationError) as err:
        services.case_close(actor=tenant.clerk, case=case, decision="approved", handover="post")
    assert "tasks" in err.value.message_dict
    with pytest.raises(ValidationError):
        services.case_task_sign_off(actor=tenant.clerk, task=tasks[0], opinion="再次")
    for task in tasks[1:]:
        services.case_task_sign_off(actor=tenant.clerk, task=task, opinion="同意")
    services.case_close(actor=tenant.clerk, case=case, decision="approved", handover="post")
    case.refresh_from_db()
    assert case.status == CaseStatus.CLOSED
    assert case.events.filter(action="close").count() == 1


def test_a_department_signs_off_at_its_own_windows_or_by_the_owner_when_it_has_none(tenant):
    from centers.workspace.models import Window

    lead, stationed, absent = tenant.departments
    window = Window.objects.create(number=2, name="社保窗口", kind="independent")
    window.departments.set([stationed])
    window.staff.set([tenant.clerk_b])
    case = intake(
        tenant, matter=tenant.joint, lead_department=lead, departments=[stationed, absent]
    )
    tasks = {t.department_id: t for t in case.tasks.all()}
    before = case.events.count()

    # The stationed department: only its window's people (and the director), not the owner.
    with pytest.raises(PermissionDenied) as err:
        services.case_task_sign_off(actor=tenant.clerk, task=tasks[stationed.pk], opinion="同意")
    assert stationed.name in str(err.value)
    # A department with no window: its written opinion is recorded by the owner only.
    with pytest.raises(PermissionDenied):
        services.case_task_sign_off(actor=tenant.clerk_b, task=tasks[absent.pk], opinion="同意")
    assert case.events.count() == before
    assert not case.tasks.filter(signed_off_at__isnull=False).exists()

    services.case_task_sign_off(actor=tenant.clerk_b, task=tasks[stationed.pk], opinion="同意")
    services.case_task_sign_off(actor=tenant.clerk, task=tasks[absent.pk], opinion="书面意见：同意")
    services.case_task_sign_off(actor=tenant.director, task=tasks[lead.pk], opinion="同意")
    signed = dict(case.tasks.values_list("department_id", "signed_off_by"))
    assert signed == {
        stationed.pk: tenant.clerk_b.pk,
        absent.pk: tenant.clerk.pk,
        lead.pk: tenant.director.pk,
    }


def test_a_post_holder_of_the_departments_window_may_sign_off(tenant):
    from centers.workspace.models import Post, Window

    lead, stationed, _absent = tenant.departments
    window = Window.objects.create(number=3, name="民政窗口", kind="independent")
    window.departments.set([stationed])
    Post.objects.create(name="民政受理岗", window=window, holder_a=tenant.director,
                        holder_b=tenant.clerk_b)  # fmt: skip
    case = intake(tenant, matter=tenant.joint, lead_department=lead, departments=[stationed])
    task = case.tasks.get(department=stationed)
    with pytest.raises(PermissionDenied):
        services.case_task_sign_off(actor=tenant.clerk, task=task, opinion="同意")
    services.case_task_sign_off(actor=tenant.clerk_b, task=task, opinion="同意")
    task.refresh_from_db()
    assert task.signed_off_by_id == tenant.clerk_b.pk


def test_joint_case_needs_a_lead_and_other_departments(tenant):
    with pytest.raises(ValidationError) as err:
        intake(tenant, matter=tenant.joint)
    assert "lead_department" in err.value.message_dict
    assert Case.objects.count() == 0


def test_a_third_visit_needs_the_director(tenant):
    case = intake(tenant)
    services.case_record_visit(actor=tenant.clerk, case=case)
    with pytest.raises(PermissionDenied):
        services.case_record_visit(actor=tenant.clerk, case=case)
    with pytest.raises(ValidationError):
        services.case_record_visit(actor=tenant.director, case=case, note="")
    services.case_record_visit(actor=tenant.director, case=case, note="申请人补交原件")
    case.refresh_from_db()
    assert case.visits == 3
    assert case.events.filter(action="record_visit").last().detail["director_approved"] is True


def test_reassignment_is_recorded_and_the_b_holder_sees_an_absent_owners_cases(tenant):
    from centers.cases.selectors import CaseFilters, cases_filtered
    from centers.workspace.models import Absence, Post

    case = intake(tenant, day="2026-11-02")
    assert case.owner == tenant.clerk
    Post.objects.create(name="社保岗", holder_a=tenant.clerk, holder_b=tenant.clerk_b)
    mine = CaseFilters(status="open", mine_for=tenant.clerk_b)
    assert not cases_filtered(mine, today=D(2026, 11, 3)).exists()
    Absence.objects.create(
        user=tenant.clerk, start_date=D(2026, 11, 3), end_date=D(2026, 11, 4), reason="病假"
    )
    assert list(cases_filtered(mine, today=D(2026, 11, 3))) == [case]
    assert not cases_filtered(mine, today=D(2026, 11, 5)).exists()

    services.case_reassign(actor=tenant.clerk, case=case, owner=tenant.clerk_b, reason="休假")
    case.refresh_from_db()
    assert case.owner == tenant.clerk_b
    event = case.events.get(action="reassign")
    assert event.detail == {"from_owner": tenant.clerk.pk, "to_owner": tenant.clerk_b.pk}


# --- refusal, withdrawal, close ---------------------------------------------------------------


def test_refusal_at_intake_needs_reasons_and_basis_and_carries_its_code(tenant):
    with pytest.raises(ValidationError) as err:
        intake(tenant, outcome=Outcome.REFUSE)
    assert {"refusal_reason", "refusal_basis"} <= set(err.value.message_dict)
    case = intake(
        tenant,
        outcome=Outcome.REFUSE,
        refusal_kind="out_of_scope",
        refusal_reason="不属于本中心受理范围",
        refusal_basis="《行政许可法》第三十二条",
        competent_authority="沈北新区民政局",  # art. 32(2): where to apply
    )
    assert case.status == CaseStatus.NOT_ACCEPTED
    assert codes(case) == [ProcessCode.RECEIVED, ProcessCode.REJECTED]
    assert case.documents.get().kind == "refusal_decision"


def test_withdrawal_before_and_after_acceptance(tenant):
    received = intake(
        tenant, outcome=Outcome.SUPPLEMENT, materials=missing_id_card(tenant), day="2026-11-02"
    )
    services.case_withdraw(actor=tenant.clerk, case=received, reason="申请人撤件")
    received.refresh_from_db()
    assert received.status == CaseStatus.WITHDRAWN
    assert codes(received)[-1] == ProcessCode.CANCELLED
    assert received.pauses.get().end_on is not None

    accepted = intake(tenant)
    services.case_withdraw(actor=tenant.clerk, case=accepted, reason="不再需要")
    accepted.refresh_from_db()
    assert codes(accepted)[-1] == ProcessCode.WITHDRAWN
    with pytest.raises(ValidationError):
        services.case_withdraw(actor=tenant.clerk, case=accepted, reason="again")


def test_close_records_decision_and_hand_over(tenant):
    """办理状态 12 (容缺通过) only for a 容缺 case (issue 15): a plain case closes with 11."""
    case = intake(tenant, day="2026-11-02")
    with pytest.raises(ValidationError) as err:
        services.case_close(actor=tenant.clerk, case=case, decision="denied", handover="window")
    assert "note" in err.value.message_dict
    services.case_close(
        actor=tenant.clerk,
        case=case,
        decision="approved",
        handover="electronic",
        now=at("2026-11-05"),
    )
    case.refresh_from_db()
    assert (case.decision, case.handover, case.closed_late) == ("approved", "electronic", False)
    assert codes(case)[-1] == ProcessCode.CLOSED_APPROVED


def test_a_matter_with_a_fee_gets_an_unpaid_fee_item(tenant):
    case = intake(tenant, matter=tenant.paid)
    fee = CaseFee.objects.get(case=case)
    assert (fee.state, str(fee.amount)) == ("unpaid", "10.00")


# --- the state table and roles ----------------------------------------------------------------


def test_steps_not_allowed_from_the_state_or_for_the_role_change_nothing(tenant):
    case = intake(tenant)
    events = case.events.count()
    with pytest.raises(ValidationError) as err:
        services.case_complete_supplement(actor=tenant.clerk, case=case)
    assert "status" in err.value.message_dict
    point = tenant_point(tenant)
    with pytest.raises(PermissionDenied):
        intake(
            tenant,
            actor=tenant.agent,
            channel="village_point",
            service_point=point,
            outcome=Outcome.ACCEPT,
        )
    with pytest.raises(PermissionDenied):
        services.case_close(actor=tenant.agent, case=case, decision="approved", handover="post")
    case.refresh_from_db()
    assert case.status == CaseStatus.ACCEPTED and case.events.count() == events
    assert Case.objects.count() == 1


# --- bad input at intake --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("applicant", "field"),
    [
        ({"id_number": "110105194912310021"}, "applicant_id_number"),
        ({"kind": "organisation", "id_number": "91110000600037341A"}, "applicant_id_number"),
        ({"phone": "12345"}, "applicant_phone"),
        ({"name": ""}, "applicant_name"),
    ],
)
def test_invalid_applicant_is_refused_and_nothing_is_created(tenant, applicant, field):
    with pytest.raises(ValidationError) as err:
        intake(tenant, applicant=tenant.applicant(**applicant))
    assert field in err.value.message_dict
    assert Case.objects.count() == 0
    assert CaseMaterial.objects.count() == 0


def test_an_organisation_with_a_valid_credit_code_is_accepted(tenant):
    case = intake(
        tenant,
        applicant=tenant.applicant(
            kind="organisation", name="某某科技有限公司", id_number=ORG_CODE
        ),
    )
    assert case.applicant_kind == "organisation"


def test_a_matter_the_center_has_not_adopted_is_refused(tenant):
    with pytest.raises(ValidationError) as err:
        services.matter_for_intake("NOT-ADOPTED")
    assert "matter" in err.value.message_dict


def test_accept_with_missing_materials_is_refused(tenant):
    with pytest.raises(ValidationError) as err:
        intake(tenant, materials=missing_id_card(tenant))
    assert "materials" in err.value.message_dict
    assert Case.objects.count() == 0


def test_a_promised_date_in_the_past_is_refused(tenant):
    with pytest.raises(ValidationError) as err:
        intake(tenant, promised_date=D(2026, 10, 1), day="2026-11-02")
    assert "promised_date" in err.value.message_dict
    assert Case.objects.count() == 0


def test_a_file_that_is_not_an_image_or_pdf_is_refused_by_content(tenant):
    fake = SimpleUploadedFile("scan.pdf", b"MZ\x90\x00 this is an executable", "application/pdf")
    with pytest.raises(ValidationError) as err:
        intake(tenant, uploads=[(fake, "居民身份证")])
    assert "files" in err.value.message_dict
    assert Case.objects.count() == 0


def test_an_oversized_file_is_refused(tenant, monkeypatch):
    monkeypatch.setattr(files, "SCAN_MAX_BYTES", 1024)
    big = SimpleUploadedFile("id.pdf", b"%PDF-1.4\n" + b"0" * 2048, "application/pdf")
    with pytest.raises(ValidationError) as err:
        intake(tenant, uploads=[(big, "居民身份证")])
    assert "files" in err.value.message_dict
    assert Case.objects.count() == 0


def test_scans_are_stored_with_their_material(tenant):
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (20, 20), "white").save(buffer, "PNG")
    scan = SimpleUploadedFile("身份证.png", buffer.getvalue(), "image/png")
    case = intake(tenant, uploads=[(scan, "居民身份证")])
    stored = case.files.get()
    assert (stored.content_type, stored.material.name) == ("image/png", "居民身份证")
    assert case.events.get(action="receive").attachments[0]["id"] == stored.pk


# --- idempotency, history, notifications ------------------------------------------------------


def test_a_repeated_intake_creates_one_case(tenant):
    first = intake(tenant, idempotency_key="form-123")
    again = intake(tenant, idempotency_key="form-123")
    assert again.pk == first.pk
    assert Case.objects.count() == 1
    assert first.events.filter(action="accept").count() == 1


def test_postgresql_refuses_to_change_or_delete_an_event(tenant):
    case = intake(tenant)
    event = case.events.first()
    for sql in (
        f"UPDATE cases_caseevent SET reason = 'x' WHERE id = {event.pk}",
        f"DELETE FROM cases_caseevent WHERE id = {event.pk}",
    ):
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql)
    assert CaseEvent.objects.get(pk=event.pk).reason == event.reason


def test_notifications_are_queued_after_commit_and_sent_once(
    tenant, django_capture_on_commit_callbacks, monkeypatch
):
    from centers.cases import notifications, tasks
    from cityplatform.sms import ConsoleBackend

    sent = []
    monkeypatch.setattr(tasks.notification_send, "delay", lambda pk: sent.append(pk))
    ConsoleBackend.outbox.clear()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        case = intake(tenant)
    assert sent == []  # nothing before the commit
    for callback in callbacks:
        callback()
    notification = Notification.objects.get(case=case)
    assert sent == [notification.pk]
    assert notifications.queue_for_event(notification.event) == notification
    assert Notification.objects.filter(case=case).count() == 1
    assert notifications.notification_deliver(notification.pk) == "sent"
    assert notifications.notification_deliver(notification.pk) == "sent"
    assert len(ConsoleBackend.outbox) == 1
    assert case.receipt_number in ConsoleBackend.outbox[0].text


def test_the_year_by_year_counter_matches_the_day_by_day_count():
    """The counter of remaining working days is the official calendar's (art. 82)."""
    from catalog_cms.standards import calendar as cal
    from centers.cases import clock

    counter = clock.WorkingDays()
    for after, upto in [
        (D(2026, 2, 13), D(2026, 3, 2)),
        (D(2025, 12, 20), D(2027, 1, 10)),
        (D(2026, 11, 1), D(2026, 11, 30)),
        (D(2026, 5, 5), D(2026, 5, 5)),
    ]:
        expected = len(cal.working_days_between(after + datetime.timedelta(days=1), upto))
        assert counter.count(after, upto) == expected
    # 11-03, 04, 05, 06 and 09: five working days overdue.
    assert clock.working_days_left(D(2026, 11, 2), D(2026, 11, 9), counter) == -5


# --- revocation (撤销, art. 69) ---------------------------------------------------------------


def closed(desk, decision="approved", day="2026-11-02"):
    case = intake(desk, day=day)
    return services.case_close(
        actor=desk.clerk, case=case, decision=decision, handover="window",
        note="不符合条件" if decision == "denied" else "", now=at("2026-11-04"),
    )  # fmt: skip


def test_revocation_keeps_the_closing_prints_the_decision_and_carries_code_15(tenant):
    case = closed(tenant)
    services.case_revoke(
        actor=tenant.director,
        case=case,
        reason="申请人以欺骗手段取得许可",
        basis="《中华人民共和国行政许可法》第六十九条第二款",
        now=at("2026-11-20"),
    )
    case.refresh_from_db()
    assert case.status == CaseStatus.CLOSED  # the handling stands; the decision does not
    assert case.closed_on == D(2026, 11, 4) and case.decision == "approved"
    assert case.revoked_at == at("2026-11-20")
    assert case.revocation_reason == "申请人以欺骗手段取得许可"
    assert codes(case)[-1] == ProcessCode.REVOKED
    event = case.events.get(action="revoke")
    assert event.actor == tenant.director and event.detail["decision"] == "approved"
    document = case.documents.get(kind="revocation_decision")
    assert event.attachments[0]["id"] == document.pk
    assert "撤销" in Notification.objects.get(event=event).text


@pytest.mark.parametrize(
    "prepare,error",
    [
        ("denied", "只有准予类决定可以撤销"),
        ("revoked", "该决定已于"),
        ("forwarded", "只能由其撤销"),
    ],
)
def test_revocation_refused_changes_nothing(tenant, prepare, error):
    case = closed(tenant, decision="denied" if prepare == "denied" else "approved")
    if prepare == "revoked":
        services.case_revoke(actor=tenant.director, case=case, reason="错误", basis="第六十九条")
    if prepare == "forwarded":  # a township's case that the district decided (上报件)
        Case.objects.filter(pk=case.pk).update(referral_key="k-1", remote_center="shenbei")
    case.refresh_from_db()
    before = (case.revoked_at, case.revocation_reason, case.events.count(), case.documents.count())
    with pytest.raises(ValidationError) as err:
        services.case_revoke(actor=tenant.director, case=case, reason="再撤销", basis="第六十九条")
    assert error in err.value.message_dict["status"][0]
    case.refresh_from_db()
    after = (case.revoked_at, case.revocation_reason, case.events.count(), case.documents.count())
    assert after == before


def test_revocation_is_the_directors_with_reasons_and_basis_of_a_closed_case(tenant):
    open_case = intake(tenant)
    with pytest.raises(ValidationError) as err:
        services.case_revoke(actor=tenant.director, case=open_case, reason="x", basis="y")
    assert "status" in err.value.message_dict
    case = closed(tenant)
    with pytest.raises(PermissionDenied):
        services.case_revoke(actor=tenant.clerk, case=case, reason="错误", basis="第六十九条")
    with pytest.raises(ValidationError) as err:
        services.case_revoke(actor=tenant.director, case=case, reason=" ", basis="")
    assert {"reason", "basis"} <= set(err.value.message_dict)
    case.refresh_from_db()
    assert case.revoked_at is None and not case.events.filter(action="revoke").exists()
