"""The electronic supervision scan: each flag on the center's working-day calendar (weekends,
National Day 2026 with its working Saturday), yellow then red each notified once, re-scans
that notify nothing, clearing on close and on an extension, the notices and SMS, the
dispatcher."""

import datetime
from unittest import mock

import pytest
from django_tenants.utils import schema_context

from centers.cases import selectors, services
from centers.cases.models import Case
from centers.cases.services import Intake, Outcome
from cityplatform.pii import mask_name
from cityplatform.sms import ConsoleBackend
from evaluation.supervision.models import Alert, AlertNotice, Flag
from evaluation.supervision.services import supervision_scan, yellow_threshold
from tenants.accounts.models import User
from tests.centers.cases.conftest import at

D = datetime.date


@pytest.fixture
def tenant(desk):
    with schema_context(desk.center.schema_name):
        User.objects.filter(username="director1").update(phone="13900000001")
        User.objects.filter(username="clerk1").update(last_name="李", first_name="明")
        yield desk


def intake(desk, *, matter=None, day="2026-11-02", outcome=Outcome.ACCEPT, **extra):
    matter = matter or desk.matter
    return services.case_intake(
        actor=extra.pop("actor", desk.clerk),
        intake=Intake(
            matter=matter,
            applicant=extra.pop("applicant", desk.applicant()),
            outcome=outcome,
            materials=extra.pop("materials", desk.received(matter)),
            window=desk.window,
            **extra,
        ),
        now=at(day),
    )


def scan(desk, day: str):
    return supervision_scan(desk.center, D.fromisoformat(day), now=at(day, 11))


def alerts(case, flag=None):
    qs = Alert.objects.filter(case_id=case.pk)
    return qs.filter(flag=flag) if flag else qs


def notices(flag):
    return sorted(AlertNotice.objects.filter(alert__flag=flag).values_list("username", flat=True))


def test_the_yellow_threshold_follows_the_calendar():
    # A Friday: Monday is the one working day left; Tuesday the second.
    assert yellow_threshold(D(2026, 11, 6)) == D(2026, 11, 10)
    # Before National Day 2026 (Oct 1-7 off): Oct 8 is the next working day, Oct 9 the second.
    assert yellow_threshold(D(2026, 9, 30)) == D(2026, 10, 9)
    # Saturday Oct 10 is an adjusted working day (调休), so Monday Oct 12 is the second.
    assert yellow_threshold(D(2026, 10, 9)) == D(2026, 10, 12)


def test_yellow_then_red_each_notified_once(tenant, django_capture_on_commit_callbacks):
    case = intake(tenant)  # accepted Monday 11-02, promised 5 working days: due 11-09
    assert case.due_date == D(2026, 11, 9)
    other = intake(tenant, day="2026-11-04")  # due 11-11
    ConsoleBackend.outbox.clear()

    assert not scan(tenant, "2026-11-05").new  # Thursday: Fri and Mon left
    assert not Alert.objects.exists()

    with django_capture_on_commit_callbacks(execute=True):
        result = scan(tenant, "2026-11-06")  # Friday: one working day (Monday) left
    assert result.new == {Flag.YELLOW: 1}
    yellow = alerts(case, Flag.YELLOW).get()
    assert yellow.cleared_at is None and yellow.due_date == D(2026, 11, 9)
    assert yellow.owner_name == "李明" and yellow.window_name == "综合窗口"
    assert yellow.applicant_masked == "张*"
    assert yellow.district_id == tenant.center.parent_id
    assert notices(Flag.YELLOW) == ["admin", "clerk1", "director1"]
    # SMS only to the director, who has a phone; one digest.
    assert [m.phone for m in ConsoleBackend.outbox] == ["13900000001"]
    assert "电子监察" in ConsoleBackend.outbox[0].text
    assert not alerts(other).exists()

    # Re-scans on the same day and on Monday: nothing new, nobody notified again.
    ConsoleBackend.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert not scan(tenant, "2026-11-06").new
        assert not scan(tenant, "2026-11-09").new  # the other case: two working days left
    assert AlertNotice.objects.filter(alert__case_id=case.pk).count() == 3
    assert ConsoleBackend.outbox == []

    # Tuesday: past the promised date — red, notified once more (and the other case yellow).
    result = scan(tenant, "2026-11-10")
    assert result.new == {Flag.RED: 1, Flag.YELLOW: 1}
    assert alerts(case, Flag.RED).get().cleared_at is None
    assert alerts(case, Flag.YELLOW).get().cleared_at is None  # yellow stays open once red
    assert alerts(other, Flag.YELLOW).exists()
    assert notices(Flag.RED) == ["admin", "clerk1", "director1"]
    assert not scan(tenant, "2026-11-11").new
    assert AlertNotice.objects.filter(alert__case_id=case.pk).count() == 6
    scan(tenant, "2026-11-12")
    assert AlertNotice.objects.filter(alert__case_id=case.pk).count() == 6
    assert alerts(case).count() == 2


def test_a_case_closed_clears_its_alerts(tenant):
    case = intake(tenant)
    scan(tenant, "2026-11-10")
    assert set(alerts(case).values_list("flag", flat=True)) == {Flag.RED}
    services.case_close(
        actor=tenant.clerk, case=case, decision="approved", handover="window",
        now=at("2026-11-10", 15),
    )  # fmt: skip
    result = scan(tenant, "2026-11-10")
    assert result.cleared == {Flag.RED: 1}
    red = alerts(case, Flag.RED).get()
    assert red.cleared_at is not None and red.case_status == "closed"
    # A closed case never comes back.
    assert not scan(tenant, "2026-11-11").new


def test_an_extension_puts_the_case_back_on_time(tenant):
    case = intake(tenant)
    scan(tenant, "2026-11-06")
    scan(tenant, "2026-11-10")
    assert alerts(case).filter(cleared_at__isnull=True).count() == 2
    services.case_extend(
        actor=tenant.director, case=case, days=5, reason="需补充调查",
        approver_name="李主任", approver_post="中心主任", now=at("2026-11-10", 14),
    )  # fmt: skip
    case.refresh_from_db()
    assert case.due_date == D(2026, 11, 16)
    result = scan(tenant, "2026-11-10")
    assert result.cleared == {Flag.RED: 1, Flag.YELLOW: 1}
    assert not alerts(case).filter(cleared_at__isnull=True).exists()
    # Friday 11-13: one working day (Monday 11-16) left again — the yellow alert reopens
    # without a second notice.
    before = AlertNotice.objects.count()
    result = scan(tenant, "2026-11-13")
    assert not result.new and result.refreshed == {Flag.YELLOW: 1}
    yellow = alerts(case, Flag.YELLOW).get()
    assert yellow.cleared_at is None and yellow.due_date == D(2026, 11, 16)
    assert AlertNotice.objects.count() == before


def test_yellow_across_national_day_and_its_working_saturday(tenant):
    due_oct_8 = intake(tenant, day="2026-09-28")
    due_oct_9 = intake(tenant, day="2026-09-28")
    due_oct_12 = intake(tenant, day="2026-09-28")
    for case, due in ((due_oct_8, 8), (due_oct_9, 9), (due_oct_12, 12)):
        Case.objects.filter(pk=case.pk).update(due_date=D(2026, 10, due))
    scan(tenant, "2026-09-30")
    assert list(Alert.objects.values_list("case_id", flat=True)) == [due_oct_8.pk]
    scan(tenant, "2026-10-09")  # Friday before the working Saturday
    flagged = set(Alert.objects.filter(flag=Flag.YELLOW).values_list("case_id", flat=True))
    assert flagged == {due_oct_8.pk, due_oct_9.pk}
    assert set(Alert.objects.filter(flag=Flag.RED).values_list("case_id", flat=True)) == {
        due_oct_8.pk
    }


def test_instant_case_not_closed_the_same_day(tenant):
    late = intake(tenant, matter=tenant.instant, day="2026-11-02")
    on_time = intake(tenant, matter=tenant.instant, day="2026-11-02")
    services.case_close(
        actor=tenant.clerk, case=on_time, decision="approved", handover="window",
        now=at("2026-11-02", 15),
    )  # fmt: skip
    assert not scan(tenant, "2026-11-02").new.get(Flag.INSTANT_LATE)
    assert scan(tenant, "2026-11-03").new == {Flag.INSTANT_LATE: 1}
    assert alerts(late, Flag.INSTANT_LATE).get().case_kind == "instant"
    assert not alerts(on_time).exists()
    services.case_close(
        actor=tenant.clerk, case=late, decision="approved", handover="window",
        now=at("2026-11-03", 9),
    )  # fmt: skip
    assert scan(tenant, "2026-11-03").cleared == {Flag.INSTANT_LATE: 1}


def _return_and_complete(desk, case, day_from, day_to):
    """One 补正 round, the materials sent by post (no visit). Art. 32: from the second one-time
    notice on it is the director's, with a reason."""
    second = selectors.supplement_notices(case) >= 1
    services.case_request_supplement(
        actor=desk.director if second else desk.clerk, case=case,
        materials=[{"name": "申请表", "state": "defective", "note": "签名缺失"}],
        reason="复核发现签名缺失" if second else "", now=at(day_from),
    )  # fmt: skip
    services.case_complete_supplement(
        actor=desk.clerk, case=case, materials=[{"name": "申请表", "state": "received"}],
        via="post", now=at(day_to),
    )  # fmt: skip


def test_a_second_one_time_notice_is_flagged(tenant):
    """行政许可法 art. 32: the one-time notice tells everything once; the second is flagged
    (issue 15: from the second, not the third)."""
    once = intake(tenant)
    twice = intake(tenant)
    for case, rounds in ((once, 1), (twice, 2)):
        for n in range(rounds):
            day = 3 + n
            _return_and_complete(tenant, case, f"2026-11-{day:02d}", f"2026-11-{day:02d}")
    result = scan(tenant, "2026-11-05")
    assert result.new.get(Flag.REPEATED_RETURNS) == 1
    assert alerts(twice, Flag.REPEATED_RETURNS).exists()
    assert not alerts(once, Flag.REPEATED_RETURNS).exists()


def test_a_third_visit_approved_by_the_director(tenant):
    """两次终结: the third visit is flagged, and so is every visit beyond the matter's
    promised 到现场次数 (1 here)."""
    case = intake(tenant)
    services.case_record_visit(actor=tenant.clerk, case=case, now=at("2026-11-03"))
    assert scan(tenant, "2026-11-03").new == {Flag.VISITS_OVER_PROMISE: 1}
    services.case_record_visit(
        actor=tenant.director, case=case, note="需补签字", now=at("2026-11-04")
    )
    assert scan(tenant, "2026-11-04").new == {Flag.THIRD_VISIT: 1}
    assert notices(Flag.THIRD_VISIT) == ["admin", "clerk1", "director1"]


def test_the_masked_name_is_the_case_desks_mask(tenant):
    names = ["张三", "欧阳娜娜", "沈阳市沈北新区清水台镇某某有限公司", "王"]
    cases = [intake(tenant, applicant=tenant.applicant(name=n)) for n in names]
    scan(tenant, "2026-11-10")
    got = dict(Alert.objects.filter(flag=Flag.RED).values_list("case_id", "applicant_masked"))
    assert [got[c.pk] for c in cases] == [mask_name(n) for n in names]


def test_the_scan_refuses_another_schema(other_township, tenant):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        supervision_scan(other_township, D(2026, 11, 6))


def test_the_dispatcher_sends_one_scan_per_active_center(desk, other_township):
    from evaluation.supervision import tasks
    from tenants.selectors import active_center_schemas

    with mock.patch.object(tasks.supervision_scan_center, "apply_async") as send:
        count = tasks.dispatch_supervision_scans()
    assert count == len(active_center_schemas()) == send.call_count
    assert desk.center.schema_name in active_center_schemas()


def test_the_scan_task_scans_its_schema(tenant):
    from evaluation.supervision import tasks

    intake(tenant, day="2025-11-03")  # long overdue
    with mock.patch("django.utils.timezone.localdate", return_value=D(2026, 11, 6)):
        result = tasks.supervision_scan_center()
    assert result["new"] == {Flag.RED: 1}
