import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django_tenants.utils import schema_context

from centers.workspace import selectors, services
from centers.workspace.models import (
    Attendance,
    CenterProfile,
    CenterRule,
    OpeningInterval,
    Post,
    Window,
    WorkspaceAuditEvent,
)
from tenants.accounts.models import Role, User

SH = ZoneInfo("Asia/Shanghai")
T = dt.time
D = dt.date
WEEK = [(d, T(8, 30), T(12)) for d in range(5)] + [(d, T(13, 30), T(17, 30)) for d in range(5)]


@pytest.fixture
def ws(township, make_user):
    """The township's schema, with its director and two window staff."""
    make_user(township, "window1", Role.WINDOW_STAFF)
    make_user(township, "window2", Role.WINDOW_STAFF)
    make_user(township, "agent1", Role.VILLAGE_AGENT)
    with schema_context(township.schema_name):
        yield {u.username: u for u in User.objects.all()}


def errors_of(exc_info) -> dict:
    return exc_info.value.message_dict


def test_profile_name_and_area_are_validated(ws):
    admin = ws["admin"]
    with pytest.raises(ValidationError) as exc:
        services.profile_update(actor=admin, name="清水台镇服务大厅", floor_area_m2=0)
    assert set(errors_of(exc)) == {"name", "floor_area_m2"}
    assert not CenterProfile.objects.exists()
    assert not WorkspaceAuditEvent.objects.exists()
    services.profile_update(actor=admin, name="清水台镇便民服务中心", floor_area_m2=180)
    profile = services.profile_update(
        actor=admin, name="清水台镇政务服务中心", floor_area_m2=260, rules_kept=["ab_posts"]
    )
    assert CenterProfile.objects.count() == 1
    assert profile.rules_kept == ["ab_posts"]
    assert WorkspaceAuditEvent.objects.filter(action="profile_update").count() == 2


def test_only_the_director_changes_the_workspace(ws):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        services.profile_update(actor=ws["window1"], name="清水台镇政务服务中心")


def test_compliance_flags_small_township_and_publishes_facts(ws, township):
    services.profile_update(
        actor=ws["admin"], name="清水台镇政务服务中心", floor_area_m2=180,
        rules_kept=[r for r in CenterRule.values if r != "training"],
    )  # fmt: skip
    services.opening_hours_set(actor=ws["admin"], intervals=WEEK)
    result = selectors.profile_compliance(township)
    assert result["compliant"] is False
    assert result["checks"]["floor_area"]["ok"] is False
    assert result["checks"]["floor_area"]["minimum"] == 200
    assert result["checks"]["weekly_open_hours"]["value"] == 37.5
    assert result["checks"]["weekly_open_hours"]["ok"] is False
    assert result["checks"]["rules"]["missing"] == ["training"]
    services.window_save(actor=ws["admin"], number=1, name="民政", kind="independent")
    facts = services.facts_publish_for(township)
    assert facts["center"] == township
    assert facts["floor_area_m2"] == 180
    assert facts["weekly_open_hours"] == 37.5
    assert facts["windows_count"] == 1
    assert "training" not in facts["rules_kept"] and len(facts["rules_kept"]) == 8


def test_periodic_window_needs_a_valid_schedule(ws):
    admin = ws["admin"]
    with pytest.raises(ValidationError) as exc:
        services.window_save(actor=admin, number=5, name="农业补贴", kind="periodic")
    assert set(errors_of(exc)) == {"schedule_months", "schedule_weekdays"}
    with pytest.raises(ValidationError) as exc:
        services.window_save(
            actor=admin, number=5, name="农业补贴", kind="periodic",
            schedule_months=[3, 13], schedule_weekdays=[1, 1],
        )  # fmt: skip
    assert set(errors_of(exc)) == {"schedule_months", "schedule_weekdays"}
    with pytest.raises(ValidationError) as exc:
        services.window_save(
            actor=admin, number=1, name="民政", kind="independent", schedule_months=[3]
        )
    assert "schedule_months" in errors_of(exc)
    assert not Window.objects.exists()
    window = services.window_save(
        actor=admin, number=5, name="农业补贴", kind="periodic",
        schedule_months=[5, 3, 4], schedule_weekdays=[1], staff=[ws["window1"]],
    )  # fmt: skip
    assert window.schedule_months == [3, 4, 5]
    assert selectors.window_open_on(window, D(2026, 3, 3))  # a Tuesday in March
    assert not selectors.window_open_on(window, D(2026, 3, 4))
    with pytest.raises(ValidationError) as exc:
        services.window_save(actor=admin, number=5, name="again", kind="combined")
    assert "number" in errors_of(exc)


def test_overlapping_hours_refused_and_nothing_saved(ws):
    services.opening_hours_set(actor=ws["admin"], intervals=WEEK)
    with pytest.raises(ValidationError) as exc:
        services.opening_hours_set(
            actor=ws["admin"], intervals=[(0, T(8, 30), T(12)), (0, T(11, 30), T(17))]
        )
    [message] = errors_of(exc)["intervals"]
    assert "08:30–12:00" in message and "11:30–17:00" in message
    assert OpeningInterval.objects.count() == 10  # the old week is kept
    with pytest.raises(ValidationError) as exc:
        services.opening_hours_set(actor=ws["admin"], intervals=[(0, T(12), T(8))])
    assert "intervals" in errors_of(exc)
    assert selectors.weekly_open_hours() == 37.5


def _at(day, hour, minute=0):
    return dt.datetime.combine(day, T(hour, minute), tzinfo=SH)


def test_opening_status_across_spring_festival_and_adjusted_days(ws):
    services.opening_hours_set(actor=ws["admin"], intervals=WEEK)
    # Friday 13 Feb 2026, 10:00: open.
    status = selectors.opening_status(_at(D(2026, 2, 13), 10))
    assert status["open_now"] is True and status["next_open_at"] is None
    # Friday 13 Feb, 12:30: lunch break; next opening 13:30 the same day.
    status = selectors.opening_status(_at(D(2026, 2, 13), 12, 30))
    assert status["open_now"] is False
    assert status["next_open_at"] == _at(D(2026, 2, 13), 13, 30)
    # Friday 18:00: the next opening is the adjusted working Saturday 14 Feb, 8:30.
    status = selectors.opening_status(_at(D(2026, 2, 13), 18))
    assert status["next_open_at"] == _at(D(2026, 2, 14), 8, 30)
    status = selectors.opening_status(_at(D(2026, 2, 14), 9))
    assert status["open_now"] is True and status["today"]["holiday_name"] == "春节"
    # Monday 16 Feb (春节): closed, next opening Tuesday 24 Feb.
    status = selectors.opening_status(_at(D(2026, 2, 16), 10))
    assert status["open_now"] is False and status["today_hours"] == []
    assert status["today"]["holiday_name"] == "春节"
    assert status["next_open_at"] == _at(D(2026, 2, 24), 8, 30)
    # 国庆 2026: closed 1–7 Oct, open Thursday 8 Oct and the adjusted Saturday 10 Oct.
    assert selectors.opening_status(_at(D(2026, 10, 5), 10))["next_open_at"] == _at(
        D(2026, 10, 8), 8, 30
    )
    assert selectors.opening_status(_at(D(2026, 10, 10), 14))["open_now"] is True
    # A center closure on top of the calendar.
    services.closure_create(
        actor=ws["admin"], start_date=D(2026, 3, 2), end_date=D(2026, 3, 2), reason="停电检修"
    )
    status = selectors.opening_status(_at(D(2026, 3, 2), 10))
    assert status["open_now"] is False
    assert status["next_open_at"] == _at(D(2026, 3, 3), 8, 30)


def test_opening_status_in_2027_is_provisional(ws):
    services.opening_hours_set(actor=ws["admin"], intervals=WEEK)
    status = selectors.opening_status(_at(D(2027, 1, 1), 10))
    assert status["open_now"] is False
    assert status["today"] == {
        "date": D(2027, 1, 1), "working": False, "holiday_name": "元旦", "provisional": True
    }  # fmt: skip
    assert status["next_open_at"] == _at(D(2027, 1, 4), 8, 30)


def test_post_a_and_b_differ_and_b_covers_a(ws):
    admin, w1, w2 = ws["admin"], ws["window1"], ws["window2"]
    with pytest.raises(ValidationError) as exc:
        services.post_save(actor=admin, name="民政综合岗", holder_a=w1, holder_b=w1)
    assert "holder_b" in errors_of(exc)
    assert not Post.objects.exists()
    window = services.window_save(actor=admin, number=3, name="民政", kind="independent")
    post = services.post_save(
        actor=admin, name="民政综合岗", window=window, holder_a=w1, holder_b=w2
    )
    services.absence_create(
        actor=admin, user=w1, start_date=D(2026, 3, 2), end_date=D(2026, 3, 4), reason="病假"
    )
    [row] = selectors.acting_holders(D(2026, 3, 3))
    assert row["post"] == post and row["acting"] == w2 and row["b_covers_a"] is True
    [row] = selectors.acting_holders(D(2026, 3, 5))
    assert row["acting"] == w1 and row["b_covers_a"] is False
    services.absence_create(
        actor=admin, user=w2, start_date=D(2026, 3, 3), end_date=D(2026, 3, 3), reason="事假"
    )
    [row] = selectors.acting_holders(D(2026, 3, 3))
    assert row["vacant"] is True and row["acting"] is None


def test_duty_roster_only_on_non_working_days(ws):
    with pytest.raises(ValidationError) as exc:
        services.duty_shift_create(actor=ws["admin"], date=D(2026, 2, 14), users=[ws["window1"]])
    assert "date" in errors_of(exc)
    shift = services.duty_shift_create(
        actor=ws["admin"], date=D(2026, 2, 16), users=[ws["window1"]], phone="024-1234"
    )
    assert shift.holiday_name == "春节" and shift.provisional is False
    shift = services.duty_shift_create(actor=ws["admin"], date=D(2027, 10, 1), users=[ws["admin"]])
    assert shift.holiday_name == "国庆节" and shift.provisional is True


def test_attendance_sign_in_out_and_monthly_summary(ws):
    admin, w1 = ws["admin"], ws["window1"]
    services.opening_hours_set(actor=admin, intervals=WEEK)
    services.attendance_sign_in(user=w1, at=_at(D(2026, 2, 13), 8, 20))
    with pytest.raises(ValidationError) as exc:
        services.attendance_sign_in(user=w1, at=_at(D(2026, 2, 13), 9))
    assert "signed_in_at" in errors_of(exc)
    with pytest.raises(ValidationError) as exc:
        services.attendance_sign_out(user=w1, at=_at(D(2026, 2, 13), 8, 0))
    assert "signed_out_at" in errors_of(exc)
    assert Attendance.objects.get().signed_out_at is None
    services.attendance_sign_out(user=w1, at=_at(D(2026, 2, 13), 17, 40))
    with pytest.raises(ValidationError) as exc:
        services.attendance_sign_out(user=w1, at=_at(D(2026, 2, 12), 17, 40))
    assert "signed_out_at" in errors_of(exc)
    services.attendance_sign_in(user=w1, at=_at(D(2026, 2, 14), 9, 5))  # late, no sign-out
    services.absence_create(
        actor=admin, user=w1, start_date=D(2026, 2, 2), end_date=D(2026, 2, 3), reason="年假"
    )
    rows = {r["user"].username: r for r in selectors.attendance_monthly_summary(2026, 2)}
    # February 2026: 20 weekdays - 6 (春节 16–20 and 23 Feb) + 2 adjusted Saturdays.
    w = rows["window1"]
    assert w["working_days"] == 16
    assert (w["present"], w["late"], w["early_leave"], w["on_leave"]) == (2, 1, 1, 2)
    assert w["absent"] == 12
    assert rows["admin"]["absent"] == 16
    assert "agent1" not in rows


def test_service_point_agents_must_be_village_agents(ws):
    with pytest.raises(ValidationError) as exc:
        services.service_point_save(
            actor=ws["admin"], name="清水台村便民服务站", village="清水台村", agents=[ws["window1"]]
        )
    assert "agents" in errors_of(exc)
    point = services.service_point_save(
        actor=ws["admin"], name="清水台村便民服务站", village="清水台村", agents=[ws["agent1"]]
    )
    assert list(point.agents.all()) == [ws["agent1"]]
