"""Issue 15, "the notice fits the case": a forwarded 上报件 gets a 收件回执 and never a 受理通知书
(行政许可法 art. 32: the deciding authority accepts); a refusal as outside the center's
competence names the authority to apply to (art. 32(2)); a 联办件's lead department prints
the 并联审批告知单 with each co-department's needs and time limit, and a department late with
its part is named (seed plan 1: 不得相互推诿)."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django_tenants.utils import schema_context

from centers.cases import progress, referrals, services
from centers.cases.models import Case, CaseTask, Notification
from centers.cases.notices import notice_html
from centers.cases.services import Intake, Outcome
from centers.cases.states import CaseStatus, ProcessCode
from evaluation.supervision.models import Alert, Flag
from evaluation.supervision.services import supervision_scan

from .conftest import at, login

D = datetime.date


def intake(desk, *, matter=None, outcome=Outcome.ACCEPT, day="2026-11-02", **extra):
    matter = matter or desk.matter
    return services.case_intake(
        actor=desk.clerk,
        intake=Intake(
            matter=matter,
            applicant=desk.applicant(),
            outcome=outcome,
            materials=extra.pop("materials", desk.received(matter)),
            window=desk.window,
            **extra,
        ),
        now=at(day),
    )


def in_center(desk):
    return schema_context(desk.center.schema_name)


# --- 上报件: received and forwarded, not accepted ------------------------------------------------


def test_a_forwarded_case_prints_a_receipt_of_materials_and_no_acceptance_notice(desk):
    """Issue 15 / 行政许可法 art. 32: a township takes in a 上报件 — it receives it (办理状态 1
    已接件), prints the 收件回执 (materials with counts, who accepts and decides, the expected
    time, the QR code) and forwards it; it never prints a 受理通知书 "本中心决定予以受理" and
    starts no legal clock of its own."""
    with in_center(desk):
        case = intake(desk, matter=desk.report, note="代办上报")
        assert case.status == CaseStatus.REFERRED
        assert case.accepted_on is None and case.due_date is None
        assert list(case.documents.values_list("kind", flat=True)) == ["materials_receipt"]
        receive = case.events.get(action="receive")
        assert receive.process_code == ProcessCode.RECEIVED
        assert receive.attachments[-1]["kind"] == "document"
        assert not case.events.filter(process_code=ProcessCode.ACCEPTED).exists()
        html = notice_html(case, "materials_receipt")
        assert "收件回执" in html and "沈北新区政务服务中心" in html
        assert "决定予以受理" not in html and "不是受理通知书" in html
        assert "居民身份证" in html and "15 个工作日" in html
        assert "data:image/svg+xml;base64," in html  # the QR code of the progress page
        sms = Notification.objects.get(event=receive).text
        assert "沈北新区政务服务中心受理并决定" in sms and case.receipt_number in sms


def test_a_township_may_not_accept_a_forwarded_case_and_the_desk_does_not_offer_it(desk, clerk):
    """Issue 15: a 上报件 received for pre-review (online, an agent) is forwarded, not accepted:
    case_accept refuses with a clear error, nothing changes, and the desk and the API offer
    the forwarding instead; forwarding prints the 收件回执 then."""
    with in_center(desk):
        case = intake(desk, matter=desk.report, outcome=Outcome.RECEIVE)
        with pytest.raises(ValidationError) as error:
            services.case_accept(actor=desk.clerk, case=case)
        assert "请收件并上报区中心" in error.value.message_dict["status"][0]  # zh-Hans first
        assert Case.objects.get(pk=case.pk).status == CaseStatus.RECEIVED
    page = clerk.get(f"/admin/cases/{case.receipt_number}/")
    names = [item["name"] for item in page.context["action_forms"]]
    assert "refer_up" in names and "accept" not in names
    detail = clerk.get(f"/api/v1/cases/{case.receipt_number}/").json()
    assert "accept" not in detail["actions"]
    with in_center(desk):
        case = referrals.case_refer_up(actor=desk.clerk, case=case)
        assert case.status == CaseStatus.REFERRED
        refer = case.events.get(action="refer_up")
        assert refer.from_status == CaseStatus.RECEIVED
        assert case.documents.get().kind == "materials_receipt"
        assert Notification.objects.filter(event=refer).exists()


def test_a_case_accepted_under_the_old_rule_can_still_be_forwarded(desk):
    """Old data: a township accepted 上报件 before issue 15; refer_up still starts from
    ACCEPTED and prints nothing new."""
    with in_center(desk):
        case = intake(desk, matter=desk.report, outcome=Outcome.RECEIVE)
        Case.objects.filter(pk=case.pk).update(
            status=CaseStatus.ACCEPTED, accepted_on=D(2026, 11, 2), due_date=D(2026, 11, 23)
        )
        case = referrals.case_refer_up(actor=desk.clerk, case=Case.objects.get(pk=case.pk))
        assert case.status == CaseStatus.REFERRED and not case.documents.exists()


def test_the_progress_page_says_who_accepts_and_decides(desk):
    """Issue 15: the public progress page of a forwarded case says "由XX区政务服务中心受理并
    决定" and shows the district's dates once they come back."""
    with in_center(desk):
        case = intake(desk, matter=desk.report)
        Case.objects.filter(pk=case.pk).update(
            remote_accepted_on=D(2026, 11, 4), remote_due_date=D(2026, 11, 25)
        )
        view = progress.progress_lookup(case.receipt_number, "5678")
    assert view["decided_by"] == "由沈北新区政务服务中心受理并决定"
    assert view["remote_accepted_on"] == D(2026, 11, 4)
    assert view["remote_due_date"] == D(2026, 11, 25)
    assert view["accepted_on"] is None and view["due_date"] is None
    with in_center(desk):
        own = progress.progress_lookup(intake(desk).receipt_number, "5678")
    assert own["decided_by"] == ""


# --- 不予受理 outside the center's competence ----------------------------------------------------


def test_out_of_scope_refusal_names_the_competent_authority(desk):
    """行政许可法 art. 32(2): an application outside the center's competence is refused with
    the applicant told to apply to the competent authority: required (or the matter's own
    default from its template), stored on the case and its event, printed on the decision."""
    refusal = {
        "outcome": Outcome.REFUSE,
        "refusal_kind": "out_of_scope",
        "refusal_reason": "申请人户籍不在本镇",
        "refusal_basis": "《中华人民共和国行政许可法》第三十二条第一款第（二）项",
    }
    with in_center(desk):
        with pytest.raises(ValidationError) as error:
            intake(desk, **refusal)
        assert "competent_authority" in error.value.message_dict
        assert not Case.objects.exists()  # nothing changed

        case = intake(desk, competent_authority="虎石台街道政务服务中心", **refusal)
        assert case.competent_authority == "虎石台街道政务服务中心"
        event = case.events.get(action="refuse")
        assert event.detail["competent_authority"] == "虎石台街道政务服务中心"
        html = notice_html(case, "refusal_decision")
        assert "请向虎石台街道政务服务中心申请" in html

        desk.matter.competent_authority = "沈北新区民政局"
        desk.matter.save()
        defaulted = intake(desk, **refusal)
        assert defaulted.competent_authority == "沈北新区民政局"
        # Not the kind that needs it: nothing is kept.
        plain = intake(desk, **(refusal | {"refusal_kind": "not_acceptable"}))
        assert plain.competent_authority == ""


def test_the_desk_refusal_form_offers_the_default_authority(desk, clerk):
    """Art. 32(2) on the case page: the refusal form starts with the matter's authority."""
    with in_center(desk):
        desk.matter.competent_authority = "沈北新区民政局"
        desk.matter.save()
        case = intake(desk, outcome=Outcome.RECEIVE)
    page = clerk.get(f"/admin/cases/{case.receipt_number}/")
    form = next(i["form"] for i in page.context["action_forms"] if i["name"] == "refuse")
    assert form["competent_authority"].value() == "沈北新区民政局"
    response = clerk.post(
        f"/admin/cases/{case.receipt_number}/",
        {
            "action": "refuse",
            "kind": "out_of_scope",
            "reason": "不属于本中心受理范围",
            "basis": "《行政许可法》第三十二条",
            "competent_authority": "沈北新区民政局",
        },
    )
    assert response.status_code == 302
    with in_center(desk):
        assert Case.objects.get(pk=case.pk).competent_authority == "沈北新区民政局"


# --- 联办件: the 并联审批告知单 and the late department ------------------------------------------


def joint_case(desk, terms=None):
    lead, *others = desk.departments
    return intake(
        desk,
        matter=desk.joint,
        lead_department=lead,
        departments=others,
        department_terms=terms
        if terms is not None
        else {
            others[0].pk: {"needs": "社保缴纳证明", "days": 3},
            others[1].pk: {"needs": "", "days": None},
        },
    )


def test_joint_acceptance_prints_the_notice_with_each_department_and_its_date(desk):
    """Seed plan 1 (并联审批制度): on acceptance the lead department gives the applicant the
    并联审批告知单 listing each co-department, what it needs and its own time limit; each
    department's due date is counted in working days from acceptance and never later than
    the case's promised date."""
    with in_center(desk):
        case = joint_case(desk)  # accepted Mon 2026-11-02, 10 working days: due 11-16
        assert case.due_date == D(2026, 11, 16)
        kinds = set(case.documents.values_list("kind", flat=True))
        assert kinds == {"acceptance_notice", "joint_notice"}
        tasks = {t.department.name: t for t in case.tasks.select_related("department")}
        assert tasks["社保所"].due_date == D(2026, 11, 5) and tasks["社保所"].days == 3
        assert tasks["农业站"].due_date == case.due_date  # default: the whole term
        assert tasks["民政办"].is_lead and tasks["民政办"].due_date == case.due_date
        html = notice_html(case, "joint_notice")
        assert "并联审批告知单" in html and "民政办" in html
        assert "社保所" in html and "社保缴纳证明" in html and "2026年11月5日前" in html
        assert "农业站" in html and "2026年11月16日前" in html
        accept = case.events.get(action="accept")
        attached = [a["id"] for a in accept.attachments if a["kind"] == "document"]
        assert case.documents.filter(pk__in=attached, kind="joint_notice").exists()


def test_a_department_term_beyond_the_case_is_refused(desk):
    """Seed plan 1: a department's limit lies within the case's term; more is a clear error
    and nothing is saved."""
    others = desk.departments[1:]
    with in_center(desk), pytest.raises(ValidationError) as error:
        joint_case(desk, {others[0].pk: {"days": 11}})
    assert "department_terms" in error.value.message_dict
    with in_center(desk):
        assert not Case.objects.exists()


def test_a_late_department_is_named_on_the_case_and_in_the_alert(desk, clerk):
    """Seed plan 1 (不得相互推诿): a department not signed off after its own due date is named
    on the case page and in a joint_task_late supervision alert that the district's list
    shows; signing off clears it."""
    with in_center(desk):
        case = joint_case(desk)
        late = CaseTask.objects.get(case=case, department__name="社保所")
        assert not supervision_scan(desk.center, D(2026, 11, 5)).new.get(Flag.JOINT_TASK_LATE)
        supervision_scan(desk.center, D(2026, 11, 6), now=at("2026-11-06", 11))
    alert = Alert.objects.get(case_id=case.pk, flag=Flag.JOINT_TASK_LATE)
    assert alert.detail == "社保所" and alert.district_id == desk.center.parent_id
    with in_center(desk):  # the desk counts on today's date: the others are in by now
        for task in CaseTask.objects.filter(case=case).exclude(pk=late.pk):
            services.case_task_sign_off(actor=desk.director, task=task, opinion="同意")
    page = clerk.get(f"/admin/cases/{case.receipt_number}/")
    assert page.context["late_task_ids"] == {late.pk}
    assert 'data-badge="task-late"' in page.content.decode()
    with in_center(desk):
        services.case_task_sign_off(actor=desk.director, task=late, opinion="同意")
        supervision_scan(desk.center, D(2026, 11, 9), now=at("2026-11-09", 11))
    alert.refresh_from_db()
    assert alert.cleared_at is not None


def test_the_district_supervision_list_names_the_late_department(desk, city, make_user, client_for):
    """Seed plan 1 / issue 15: the district sees who is late (推诿 made visible)."""
    from tenants.accounts.models import Role

    with in_center(desk):
        case = joint_case(desk)
        supervision_scan(desk.center, D(2026, 11, 6), now=at("2026-11-06", 11))
    make_user(city, "city-admin", Role.CITY_ADMIN)
    admin = login(client_for(city), "city-admin")
    page = admin.get("/admin/supervision/alerts/", {"flag": Flag.JOINT_TASK_LATE})
    assert page.status_code == 200
    assert case.receipt_number in page.content.decode()
    assert "社保所" in page.content.decode()
