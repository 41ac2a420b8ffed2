"""Issue 15, part "urgent": the rules as 行政许可法 and the seed plans write them.

- Art. 42: the extension by handling form (10 working days on the 20-day limit; 15 on the
  45-day limit of joint, unified or centralised handling; or the template's own maximum),
  approved by a named official in their post.
- Art. 44: after a granting decision the certificate is due within 10 working days.
- Seed plan 1 六办件: 急办件 are handled first and led by the center (a reason, the
  director's or the duty leader's confirmation, an internal target, an alert past it).
- Seed plan 5 二(三) 即时办理制: a 即办件 is finished the same day, a 调休 or duty day too,
  and the 即办 alert reads the same date.
"""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django_tenants.utils import schema_context

from centers.cases import approvals, services
from centers.cases.models import ApprovalRequest, Case, CaseEvent
from centers.cases.services import Intake, Outcome
from evaluation.supervision.models import Alert, Flag
from evaluation.supervision.services import supervision_scan

from .conftest import at, make_matter

D = datetime.date
APPROVER = {"approver_name": "王镇长", "approver_post": "镇长"}


@pytest.fixture
def tenant(desk):
    with schema_context(desk.center.schema_name):
        yield desk


def intake(desk, *, matter=None, day="2026-11-02", actor=None, hour=10, **extra):
    matter = matter or desk.matter
    return services.case_intake(
        actor=actor or desk.clerk,
        intake=Intake(
            matter=matter,
            applicant=desk.applicant(),
            outcome=extra.pop("outcome", Outcome.ACCEPT),
            materials=desk.received(matter),
            window=desk.window,
            **extra,
        ),
        now=at(day, hour),
    )


def joint(desk, day="2026-11-02"):
    return intake(
        desk,
        matter=desk.joint,
        day=day,
        lead_department=desk.departments[0],
        departments=desk.departments[1:],
    )


def scan(desk, day: str):
    return supervision_scan(desk.center, D.fromisoformat(day), now=at(day, 11))


def flagged(case, flag) -> bool:
    return Alert.objects.filter(case_id=case.pk, flag=flag, cleared_at=None).exists()


# --- 行政许可法 art. 42 ------------------------------------------------------------------------


def test_a_20_day_case_extended_by_11_is_refused_and_a_joint_one_by_15_accepted(tenant):
    """行政许可法 art. 42: 20 working days, extended by up to 10 with the approval of the head
    of the authority; joint, unified or centralised handling 45, extended by up to 15 with the
    approval of the head of the people's government."""
    single = intake(tenant)
    assert single.extension_max_days == 10
    with pytest.raises(ValidationError) as err:
        services.case_extend(
            actor=tenant.director, case=single, days=11, reason="情况复杂", **APPROVER
        )
    assert "days" in err.value.message_dict
    single.refresh_from_db()
    assert single.extension_days == 0 and not single.events.filter(action="extend").exists()
    services.case_extend(actor=tenant.director, case=single, days=10, reason="情况复杂", **APPROVER)
    event = single.events.get(action="extend")
    assert event.detail["approver_capacity"] == "本行政机关负责人"

    concerted = joint(tenant)
    assert concerted.extension_max_days == 15
    services.case_extend(
        actor=tenant.director, case=concerted, days=15, reason="多部门联合审查", **APPROVER
    )
    concerted.refresh_from_db()
    assert concerted.extension_days == 15
    event = concerted.events.get(action="extend")
    assert (event.detail["approver_name"], event.detail["approver_post"]) == ("王镇长", "镇长")
    assert event.detail["approver_capacity"] == "本级人民政府负责人"
    with pytest.raises(ValidationError):
        services.case_extend(
            actor=tenant.director, case=concerted, days=1, reason="再延", **APPROVER
        )


def test_unified_or_centralised_handling_is_concerted_and_a_template_may_set_less(tenant):
    """Art. 42 second paragraph: 统一办理 and 集中办理 are concerted like 联合办理 (15); the
    matter's own maximum (the template field) binds the case from intake."""
    unified = make_matter("TS-U", handling_form="unified", legal_days=45, promised_days=30)
    assert intake(tenant, matter=unified).extension_max_days == 15
    short = make_matter("TS-S", extension_max_days=5)
    case = intake(tenant, matter=short)
    assert case.extension_max_days == 5
    with pytest.raises(ValidationError) as err:
        services.case_extend(actor=tenant.director, case=case, days=6, reason="x", **APPROVER)
    assert "5" in err.value.message_dict["days"][0]


def test_an_extension_names_the_approving_official_and_post_or_nothing_changes(tenant):
    """Art. 42: the head's approval is recorded as the official's name and post, not only the
    user who entered it."""
    case = intake(tenant)
    with pytest.raises(ValidationError) as err:
        services.case_extend(actor=tenant.director, case=case, days=3, reason="情况复杂")
    assert {"approver_name", "approver_post"} <= set(err.value.message_dict)
    case.refresh_from_db()
    assert case.extension_days == 0 and not case.documents.filter(kind="extension_notice")


def test_templates_and_local_matters_keep_the_extension_within_the_law(tenant):
    """Art. 42: a template's maximum cannot exceed its handling form's (10, or 15 concerted);
    a joint (联办) matter is not handled 单独."""
    from catalog_cms.standards.models import MatterTemplate
    from centers.catalog import services as catalog

    base = {"name": "x", "legal_days": 20, "promised_days": 5, "fee_free": True}
    with pytest.raises(ValidationError) as err:
        MatterTemplate(mode="promised", extension_max_days=11, **base).clean()
    assert "extension_max_days" in err.value.message_dict
    MatterTemplate(
        mode="promised", handling_form="centralised", extension_max_days=15, **base
    ).clean()
    with pytest.raises(ValidationError) as err:
        MatterTemplate(mode="joint", handling_form="single", **base).clean()
    assert "handling_form" in err.value.message_dict
    with pytest.raises(ValidationError) as err:
        catalog.local_matter_create(
            actor=tenant.director, code="L-EXT", name="本地事项", category_name="民政",
            authority_level="township", mode="promised", legal_days=20, promised_days=5,
            extension_max_days=12,
        )  # fmt: skip
    assert "extension_max_days" in err.value.message_dict


def test_the_catalog_file_reads_the_optional_columns_and_checks_them(db):
    """Art. 42 in the catalog file: 协同办理形式, 延期上限 and 颁发证照 are optional columns
    (a file without them reads as before); a maximum above the form's is the row's error."""
    from catalog_cms.standards.tabular import parse_catalog_file
    from tests.standards.factories import csv_bytes, row

    plain = parse_catalog_file(csv_bytes([row()]), "a.csv")
    assert plain.ok and "handling_form" not in plain.rows[0]
    good = row(code="A-1", 协同办理形式="集中办理", 延期上限="15", 颁发证照="是")
    bad = row(code="A-2", 办理方式="承诺", 延期上限="11")
    parsed = parse_catalog_file(csv_bytes([good, bad]), "b.csv")
    assert [(e.row, e.column) for e in parsed.errors] == [(3, "延期上限")]
    parsed = parse_catalog_file(csv_bytes([good]), "c.csv")
    assert parsed.ok, parsed.errors
    (read,) = parsed.rows
    assert (read["handling_form"], read["extension_max_days"], read["issues_certificate"]) == (
        "centralised", 15, True,
    )  # fmt: skip


def test_the_extension_over_the_api_needs_the_approver(desk, director):
    """Art. 42 over the API: approver_name and approver_post are required (400 and nothing
    changed without them); the case detail shows its maximum."""
    from tests.centers.cases.conftest import login  # noqa: F401

    with schema_context(desk.center.schema_name):
        case = joint(desk)
    url = f"/api/v1/cases/{case.receipt_number}/"
    assert director.get(url).json()["extension_max_days"] == 15
    bad = director.post(
        f"{url}extend/", {"days": 15, "reason": "x"}, content_type="application/json"
    )
    assert bad.status_code == 400 and "approver_name" in bad.json()
    ok = director.post(
        f"{url}extend/", {"days": 15, "reason": "联合审查", **APPROVER},
        content_type="application/json",
    )  # fmt: skip
    assert ok.status_code == 200, ok.content
    assert ok.json()["extension_days"] == 15


# --- 行政许可法 art. 44 ------------------------------------------------------------------------


def test_the_certificate_is_due_10_working_days_after_the_granting_decision(tenant):
    """行政许可法 art. 44: a granting decision's certificate is issued within 10 working days
    of it; the case shows the date and supervision raises certificate_late when it passes."""
    licence = make_matter("TS-L", issues_certificate=True)
    case = intake(tenant, matter=licence)
    services.case_close(
        actor=tenant.clerk, case=case, decision="approved", handover="window",
        now=at("2026-11-05", 15),
    )  # fmt: skip
    case.refresh_from_db()
    assert case.certificate_due_date == D(2026, 11, 19) and case.certificate_issued_at is None
    assert not scan(tenant, "2026-11-19").new.get(Flag.CERTIFICATE_LATE)
    assert scan(tenant, "2026-11-20").new == {Flag.CERTIFICATE_LATE: 1}
    services.case_issue_certificate(
        actor=tenant.clerk, case=case, note="证号 2026-001", now=at("2026-11-20", 9)
    )
    case.refresh_from_db()
    assert case.certificate_issued_at is not None and case.status == "closed"
    assert case.events.get(action="issue_certificate").detail["late"] is True
    assert scan(tenant, "2026-11-20").cleared == {Flag.CERTIFICATE_LATE: 1}
    with pytest.raises(ValidationError):
        services.case_issue_certificate(actor=tenant.clerk, case=case)


def test_no_certificate_is_due_for_a_matter_without_one_or_a_denial(tenant):
    """Art. 44 concerns a certificate of a granting decision: none for a matter whose result
    is no certificate or for a denial; 已发证 records it issued with the decision."""
    plain = intake(tenant)
    services.case_close(actor=tenant.clerk, case=plain, decision="approved", handover="window")
    plain.refresh_from_db()
    assert plain.certificate_due_date is None
    with pytest.raises(ValidationError):
        services.case_issue_certificate(actor=tenant.clerk, case=plain)
    licence = make_matter("TS-L2", issues_certificate=True)
    denied = intake(tenant, matter=licence)
    services.case_close(
        actor=tenant.clerk, case=denied, decision="denied", handover="window", note="不符合条件"
    )
    denied.refresh_from_db()
    assert denied.certificate_due_date is None
    issued = intake(tenant, matter=licence)
    services.case_close(
        actor=tenant.clerk, case=issued, decision="certificate_issued", handover="window"
    )
    issued.refresh_from_db()
    assert issued.certificate_due_date and issued.certificate_issued_at


def test_the_case_detail_and_desk_show_the_certificate_date(desk, clerk):
    """Art. 44 on the desk and the API (additive fields): the due date, and the step offered."""
    with schema_context(desk.center.schema_name):
        licence = make_matter("TS-L3", issues_certificate=True)
        case = intake(desk, matter=licence)
        services.case_close(actor=desk.clerk, case=case, decision="approved", handover="window")
        case.refresh_from_db()
    detail = clerk.get(f"/api/v1/cases/{case.receipt_number}/").json()
    assert detail["certificate_due_date"] == case.certificate_due_date.isoformat()
    assert "certificate" in detail["actions"]
    page = clerk.get(f"/admin/cases/{case.receipt_number}/")
    assert 'data-field="certificate"' in page.content.decode()
    assert "issue_certificate" in [f["name"] for f in page.context["action_forms"]]
    response = clerk.post(
        f"/admin/cases/{case.receipt_number}/", {"action": "issue_certificate", "note": "证号1"}
    )
    assert response.status_code == 302
    with schema_context(desk.center.schema_name):
        assert Case.objects.get(pk=case.pk).certificate_issued_at is not None


# --- 急办件 (seed plan 1 六办件) ----------------------------------------------------------------


def test_a_clerk_asks_for_urgent_and_the_director_confirms_it(tenant):
    """Seed plan 1 六办件: 急办件 are handled first and led by the center: the clerk asks, with
    a reason, through the approval queue; the director's approval marks the case and gives it
    the center's internal target (half the promised days, rounded up)."""
    case = intake(tenant)  # promised 5 working days from 2026-11-02
    with pytest.raises(PermissionDenied):
        services.case_mark_urgent(actor=tenant.clerk, case=case, reason="就医报销")
    request = approvals.approval_request(
        actor=tenant.clerk, case=case, kind=ApprovalRequest.Kind.URGENT, reason="就医报销"
    )
    approvals.approval_decide(actor=tenant.director, case=case, request=request, approve=True)
    case.refresh_from_db()
    assert case.urgent and case.urgent_reason == "就医报销"
    assert case.urgent_confirmed_by == tenant.director
    assert case.urgent_target_date == D(2026, 11, 5)  # ceil(5 / 2) = 3 working days
    assert case.events.filter(action="mark_urgent").count() == 1


def test_urgent_needs_a_reason_and_the_center_sets_the_target(tenant):
    """Seed plan 1: 急办 needs a reason; the internal target is the center's setting
    (CenterProfile.urgent_target_percent)."""
    from centers.workspace.models import CenterProfile

    CenterProfile.objects.create(name="测试镇政务服务中心", urgent_target_percent=20)
    before = Case.objects.count()
    with pytest.raises(ValidationError) as err:
        intake(tenant, actor=tenant.director, urgent=True)
    assert "urgent_reason" in err.value.message_dict and Case.objects.count() == before
    case = intake(tenant, actor=tenant.director, urgent=True, urgent_reason="急需")
    assert case.urgent and case.urgent_target_date == D(2026, 11, 3)  # ceil(5 * 20%) = 1


def test_the_duty_leader_confirms_urgent_on_the_duty_day(tenant):
    """Seed plan 1 六办件 with the holiday duty roster: whoever leads the day's duty
    (DutyShift.leader) may confirm a 急办件 in the director's stead, that day only."""
    from centers.workspace.models import DutyShift

    shift = DutyShift.objects.create(date=D(2026, 11, 3), leader=tenant.clerk)
    shift.users.add(tenant.clerk)
    case = intake(tenant)
    with pytest.raises(PermissionDenied):
        services.case_mark_urgent(
            actor=tenant.clerk, case=case, reason="急需", now=at("2026-11-04")
        )
    services.case_mark_urgent(actor=tenant.clerk, case=case, reason="急需", now=at("2026-11-03"))
    case.refresh_from_db()
    assert case.urgent and case.urgent_confirmed_by == tenant.clerk


def test_urgent_late_when_the_target_passes(tenant):
    """Seed plan 1: a 急办件 past the center's internal target raises urgent_late."""
    case = intake(tenant, actor=tenant.director, urgent=True, urgent_reason="急需")
    assert case.urgent_target_date == D(2026, 11, 5)
    assert not scan(tenant, "2026-11-05").new.get(Flag.URGENT_LATE)
    assert scan(tenant, "2026-11-06").new.get(Flag.URGENT_LATE) == 1
    services.case_close(
        actor=tenant.clerk, case=case, decision="approved", handover="window",
        now=at("2026-11-06", 12),
    )  # fmt: skip
    assert scan(tenant, "2026-11-06").cleared.get(Flag.URGENT_LATE) == 1


def test_the_director_home_panel_lists_urgent_cases_with_their_target(desk, director, clerk):
    """Seed plan 1: 急办件 are led by the center, so the director's home page lists them."""
    with schema_context(desk.center.schema_name):
        case = intake(desk, actor=desk.director, urgent=True, urgent_reason="急需")
    home = director.get("/admin/").content.decode()
    assert "case-urgent" in home and case.receipt_number in home
    assert case.urgent_target_date.isoformat() in home
    assert "case-urgent" not in clerk.get("/admin/").content.decode()


# --- 即办件 (seed plan 5 二(三)) ---------------------------------------------------------------


def test_a_local_only_instant_matter_cannot_promise_days(tenant):
    """Seed plan 5 二(三) 即时办理制: a 即办 matter is finished the same day, so a local-only
    one has 0 promised days, as a template must."""
    from centers.catalog import services as catalog

    with pytest.raises(ValidationError) as err:
        catalog.local_matter_create(
            actor=tenant.director, code="L-INST", name="本地即办", category_name="民政",
            authority_level="township", mode="immediate", legal_days=5, promised_days=2,
        )  # fmt: skip
    assert "promised_days" in err.value.message_dict


def test_an_instant_case_on_a_duty_day_is_due_that_day_and_late_the_next(tenant):
    """Seed plan 5 二(三): a 即办件 taken in on a duty day (2026-10-03, National Day, on the
    duty roster) is due that same day, and instant_late agrees with that date."""
    from centers.workspace.models import DutyShift

    DutyShift.objects.create(date=D(2026, 10, 3))
    case = intake(tenant, matter=tenant.instant, day="2026-10-03")
    assert case.due_date == D(2026, 10, 3)
    assert not scan(tenant, "2026-10-03").new.get(Flag.INSTANT_LATE)
    assert scan(tenant, "2026-10-04").new.get(Flag.INSTANT_LATE) == 1


def test_an_instant_case_on_an_adjusted_working_day_is_due_that_day(tenant):
    """Seed plan 5 二(三) with 调休: 2026-02-14 is a working Saturday, so a 即办件 taken in
    then is due that day (not the next working day)."""
    case = intake(tenant, matter=tenant.instant, day="2026-02-14")
    assert case.due_date == D(2026, 2, 14)
    assert scan(tenant, "2026-02-15").new.get(Flag.INSTANT_LATE) == 1
    assert CaseEvent.objects.filter(case=case, action="accept").exists()
