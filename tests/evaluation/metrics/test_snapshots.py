"""Daily snapshots against hand-computed cases: every field on every day of a fortnight in
March 2026 (no holidays: Tue 10 … Wed 18), re-runs idempotent, only the center's own data,
the beat task and dispatcher, and the backfill command's bad input."""

import datetime
from decimal import Decimal
from io import StringIO
from unittest import mock

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django_tenants.utils import schema_context

from tests.centers.cases.conftest import at

pytestmark = pytest.mark.django_db

D = datetime.date.fromisoformat


def _intake(desk, *, day, matter=None, outcome="accept", **extra):
    from centers.cases import services

    matter = matter or desk.matter
    intake = services.Intake(
        matter=matter,
        applicant=desk.applicant(),
        window=desk.window,
        owner=desk.clerk,
        outcome=outcome,
        materials=desk.received(matter),
        **extra,
    )
    return services.case_intake(actor=desk.clerk, intake=intake, now=at(day))


def _close(desk, case, day, hour=15):
    from centers.cases import services

    return services.case_close(
        actor=desk.clerk, case=case, decision="approved", handover="post", now=at(day, hour)
    )


def _rate(case, *, point, level, channel, day, hour=16):
    from centers.ratings.services import rating_submit

    with mock.patch("django.utils.timezone.now", return_value=at(day, hour)):
        return rating_submit(
            case=case,
            point=point,
            level=level,
            dimensions={},
            reasons="等太久" if level >= 4 else "",
            channel=channel,
        )


def _complaint(day, *, kind="complaint"):
    from centers.feedback.services import feedback_submit

    return feedback_submit(kind=kind, text="窗口无人", phone="13812345678", now=at(day, 9)).feedback


def _reply(desk, feedback, day):
    from centers.feedback.services import feedback_reply

    return feedback_reply(actor=desk.director, feedback=feedback, text="已处理", now=at(day, 11))


@pytest.fixture
def scenario(desk):
    """Cases A..F in the township, in the order things happened."""
    from centers.cases import services
    from centers.workspace.models import CenterProfile, OpeningInterval

    with schema_context(desk.center.schema_name):
        CenterProfile.objects.update_or_create(
            singleton=True, defaults={"name": "清水台镇便民服务中心", "floor_area_m2": "320.5"}
        )
        for weekday in range(5):
            OpeningInterval.objects.create(weekday=weekday, start="08:30", end="12:00")
            OpeningInterval.objects.create(weekday=weekday, start="13:30", end="17:00")
        a = _intake(desk, day="2026-03-10")  # promised 5 working days: due 03-17
        b = _intake(desk, day="2026-03-10")
        c = _intake(desk, day="2026-03-10", outcome="receive")  # received, never accepted
        _intake(
            desk,
            day="2026-03-10",
            outcome="refuse",
            refusal_reason="不属于本中心受理范围",
            refusal_basis="行政许可法第三十二条",
        )
        f = _intake(desk, day="2026-03-10")
        _rate(a, point="accepted", level=2, channel="tablet", day="2026-03-10")
        complaint_1 = _complaint("2026-03-10")
        complaint_2 = _complaint("2026-03-10")
        _complaint("2026-03-10", kind="suggestion")
        d = _intake(desk, day="2026-03-11", matter=desk.instant)
        d = _close(desk, d, "2026-03-11")  # never rated
        b = services.case_record_visit(actor=desk.clerk, case=b, now=at("2026-03-11"))
        a = _close(desk, a, "2026-03-12")
        _rate(a, point="completed", level=1, channel="portal", day="2026-03-12")
        _reply(desk, complaint_1, "2026-03-17")  # 5th working day after 03-10: in time
        b = _close(desk, b, "2026-03-18")  # due 03-17: late
        _rate(b, point="completed", level=4, channel="qr", day="2026-03-18")
        _reply(desk, complaint_2, "2026-03-18")  # 6th working day: late
    return {"a": a, "b": b, "c": c, "d": d, "f": f}


def _compute(desk, day):
    from evaluation.metrics.services import snapshot_compute

    with schema_context(desk.center.schema_name):
        return snapshot_compute(desk.center, D(day))


ZERO = {
    "received": 0,
    "accepted": 0,
    "closed": 0,
    "closed_on_time": 0,
    "closed_late": 0,
    "closed_one_visit": 0,
    "handling_working_days": 0,
    "open_cases": 0,
    "overdue_open": 0,
    "ratings_1": 0,
    "ratings_2": 0,
    "ratings_3": 0,
    "ratings_4": 0,
    "ratings_5": 0,
    "ratings_proactive": 0,
    "ratings_proactive_good": 0,
    "closed_unrated": 0,
    "complaints_received": 0,
    "complaints_answered": 0,
    "complaints_answered_in_time": 0,
}

EXPECTED = {
    "2026-03-09": {},
    "2026-03-10": {
        "received": 5,
        "accepted": 3,
        "open_cases": 4,
        "ratings_2": 1,
        "complaints_received": 2,
    },
    "2026-03-11": {
        "received": 1,
        "accepted": 1,
        "closed": 1,
        "closed_on_time": 1,
        "closed_one_visit": 1,
        "open_cases": 4,
        "closed_unrated": 1,
    },
    "2026-03-12": {
        "closed": 1,
        "closed_on_time": 1,
        "closed_one_visit": 1,
        "handling_working_days": 2,
        "open_cases": 3,
        "ratings_1": 1,
        "ratings_proactive": 1,
        "ratings_proactive_good": 1,
    },
    "2026-03-16": {"open_cases": 3},
    "2026-03-17": {"open_cases": 3, "complaints_answered": 1, "complaints_answered_in_time": 1},
    "2026-03-18": {
        "closed": 1,
        "closed_late": 1,
        "handling_working_days": 6,
        "open_cases": 2,
        "overdue_open": 1,
        "ratings_4": 1,
        "ratings_proactive": 1,
        "complaints_answered": 1,
    },
    "2026-03-19": {"open_cases": 2, "overdue_open": 1},
}


@pytest.mark.parametrize("day", list(EXPECTED))
def test_each_field_of_each_day(scenario, desk, day):
    snapshot = _compute(desk, day)
    got = {name: getattr(snapshot, name) for name in ZERO}
    assert got == ZERO | EXPECTED[day]
    assert snapshot.center_id == desk.center.pk
    assert snapshot.district_id == desk.center.parent_id
    assert snapshot.day == D(day)
    assert snapshot.windows == 1
    assert snapshot.floor_area == Decimal("320.5")
    assert snapshot.weekly_open_hours == Decimal("35.0")
    with schema_context(desk.center.schema_name):
        from tenants.accounts.models import CENTER_ROLES, User

        # director1, clerk1, clerk2, agent1 and the center's first administrator
        assert User.objects.filter(role__in=CENTER_ROLES).count() == 5
    assert snapshot.staff == 5


def test_rerun_replaces_the_row_with_the_same_figures(scenario, desk):
    from evaluation.metrics.models import CenterDailySnapshot

    first = _compute(desk, "2026-03-18")
    again = _compute(desk, "2026-03-18")
    assert CenterDailySnapshot.objects.filter(center=desk.center).count() == 1
    assert again.pk == first.pk
    fields = [f.name for f in CenterDailySnapshot._meta.fields if f.name != "computed_at"]
    assert [getattr(again, f) for f in fields] == [getattr(first, f) for f in fields]


def test_a_later_rating_changes_the_recomputed_day(scenario, desk):
    snapshot = _compute(desk, "2026-03-11")
    assert snapshot.closed_unrated == 1
    with schema_context(desk.center.schema_name):
        _rate(scenario["d"], point="completed", level=3, channel="qr", day="2026-03-20")
    assert _compute(desk, "2026-03-11").closed_unrated == 0
    assert _compute(desk, "2026-03-20").ratings_3 == 1


def test_range_equals_day_by_day(scenario, desk):
    from evaluation.metrics.models import CenterDailySnapshot
    from evaluation.metrics.services import snapshot_compute_range

    with schema_context(desk.center.schema_name):
        rows = snapshot_compute_range(desk.center, D("2026-03-09"), D("2026-03-19"))
    assert len(rows) == 11
    by_day = {r.day.isoformat(): r for r in CenterDailySnapshot.objects.filter(center=desk.center)}
    for day, expected in EXPECTED.items():
        assert {name: getattr(by_day[day], name) for name in ZERO} == ZERO | expected


def test_only_the_centers_own_data(scenario, desk, other_township, make_user):
    from centers.cases import services
    from evaluation.metrics.models import CenterDailySnapshot
    from evaluation.metrics.services import snapshot_compute
    from tenants.accounts.models import Role
    from tests.centers.cases.conftest import make_matter

    clerk = make_user(other_township, "other-clerk", Role.WINDOW_STAFF)
    with schema_context(other_township.schema_name):
        matter = make_matter("OT-001")
        services.case_intake(
            actor=clerk,
            intake=services.Intake(
                matter=matter,
                applicant=desk.applicant(),
                owner=clerk,
                materials=desk.received(matter),
            ),
            now=at("2026-03-10"),
        )
        other = snapshot_compute(other_township, D("2026-03-10"))
        # computing a center's snapshot from another center's schema is refused
        with pytest.raises(ValidationError):
            snapshot_compute(desk.center, D("2026-03-10"))
    mine = _compute(desk, "2026-03-10")
    assert (mine.received, other.received) == (5, 1)
    assert (mine.complaints_received, other.complaints_received) == (2, 0)
    assert other.ratings_2 == 0
    assert CenterDailySnapshot.objects.filter(day=D("2026-03-10")).count() == 2


def test_a_districts_row_points_at_itself(district):
    from evaluation.metrics.services import snapshot_compute

    with schema_context(district.schema_name):
        snapshot = snapshot_compute(district, D("2026-03-10"))
    assert snapshot.district_id == district.pk


def test_future_day_refused(desk):
    from evaluation.metrics.models import CenterDailySnapshot
    from evaluation.metrics.services import snapshot_compute

    tomorrow = datetime.date.today() + datetime.timedelta(days=2)
    with schema_context(desk.center.schema_name), pytest.raises(ValidationError) as exc:
        snapshot_compute(desk.center, tomorrow)
    assert "day" in exc.value.message_dict
    assert not CenterDailySnapshot.objects.exists()


def test_period_figures(scenario, desk, other_township):
    from evaluation.metrics.selectors import FIGURE_KEYS, period_figures
    from evaluation.metrics.services import snapshot_compute_range

    with schema_context(desk.center.schema_name):
        snapshot_compute_range(desk.center, D("2026-03-09"), D("2026-03-19"))
    figures = period_figures([desk.center.pk, other_township.pk], D("2026-03-01"), D("2026-03-18"))
    mine = figures[desk.center.pk]
    assert tuple(mine) == FIGURE_KEYS
    assert mine["received"] == 6
    assert mine["accepted"] == 4
    assert mine["closed"] == 3
    assert mine["on_time_rate"] == pytest.approx(2 / 3)
    assert mine["one_visit_rate"] == pytest.approx(2 / 3)
    assert mine["avg_handling_days"] == pytest.approx(8 / 3)
    assert mine["good_rate"] == pytest.approx(2 / 3)
    assert mine["proactive_good_rate"] == pytest.approx(1 / 2)
    assert mine["unrated_rate"] == pytest.approx(1 / 3)
    assert mine["complaints_received"] == 2
    assert mine["complaints_in_time_rate"] == pytest.approx(1 / 2)
    assert mine["overdue_open"] == 1  # the 18th, the last day of the range
    assert (mine["windows"], mine["staff"]) == (1, 5)
    assert mine["floor_area"] == Decimal("320.5")
    assert mine["weekly_open_hours"] == Decimal("35.0")
    # no snapshots: zeros, rates None
    other = figures[other_township.pk]
    assert other["received"] == 0 and other["on_time_rate"] is None
    assert other["good_rate"] is None and other["windows"] == 0
    # one day only: the 10th has ratings but no closure
    day = period_figures([desk.center.pk], D("2026-03-10"), D("2026-03-10"))[desk.center.pk]
    assert day["on_time_rate"] is None and day["good_rate"] == 1.0
    assert day["proactive_good_rate"] is None and day["overdue_open"] == 0


def test_period_figures_query_count(scenario, desk, django_assert_num_queries):
    from evaluation.metrics.models import CenterDailySnapshot
    from evaluation.metrics.selectors import period_figures
    from evaluation.metrics.services import snapshot_compute_range

    with schema_context(desk.center.schema_name):
        snapshot_compute_range(desk.center, D("2026-03-09"), D("2026-03-19"))
    CenterDailySnapshot.objects.exists()  # the connection is on the public schema
    with django_assert_num_queries(2):
        period_figures([desk.center.pk], D("2026-03-01"), D("2026-03-19"))
    # no snapshot in the range's last week: one more query finds the last one before it
    with django_assert_num_queries(3):
        figures = period_figures([desk.center.pk], D("2026-03-01"), D("2026-03-31"))
    assert figures[desk.center.pk]["overdue_open"] == 1  # as on the 19th


def test_task_and_dispatcher(desk, township, other_township):
    from evaluation.metrics import tasks
    from evaluation.metrics.models import CenterDailySnapshot
    from evaluation.metrics.services import RECOMPUTE_DAYS

    with mock.patch.object(tasks.snapshot_center, "apply_async") as send:
        assert tasks.dispatch_snapshots() == 3  # the district and its two townships
    assert send.call_count == 3
    countdowns = [c.kwargs["countdown"] for c in send.call_args_list]
    assert countdowns == sorted(countdowns) and countdowns[0] == 0 < countdowns[-1]

    with schema_context(township.schema_name):
        assert tasks.snapshot_center() == RECOMPUTE_DAYS
    rows = CenterDailySnapshot.objects.filter(center=township)
    assert rows.count() == RECOMPUTE_DAYS
    assert not CenterDailySnapshot.objects.exclude(center=township).exists()


def test_backfill_command(scenario, desk, other_township):
    from evaluation.metrics.models import CenterDailySnapshot

    out = StringIO()
    call_command(
        "backfill_snapshots", "--from", "2026-03-09", "--to", "2026-03-19",
        "--center", desk.center.slug, stdout=out,
    )  # fmt: skip
    rows = CenterDailySnapshot.objects.filter(center=desk.center)
    assert rows.count() == 11
    assert rows.get(day=D("2026-03-18")).overdue_open == 1
    assert not CenterDailySnapshot.objects.exclude(center=desk.center).exists()
    call_command("backfill_snapshots", "--from", "2026-03-09", "--to", "2026-03-10", stdout=out)
    # every active center: the district and both townships
    assert CenterDailySnapshot.objects.filter(day=D("2026-03-10")).count() == 3
    assert rows.count() == 11


@pytest.mark.parametrize(
    "args",
    [
        ["--from", "2026-13-01", "--to", "2026-03-19"],
        ["--from", "2026-03-19", "--to", "2026-03-01"],
        ["--from", "2026-03-01", "--to", "2999-01-01"],
        ["--from", "2026-03-01", "--to", "2026-03-02", "--center", "nowhere"],
    ],
)
def test_backfill_bad_input_changes_nothing(desk, args):
    from evaluation.metrics.models import CenterDailySnapshot

    with pytest.raises(CommandError):
        call_command("backfill_snapshots", *args, stdout=StringIO())
    assert not CenterDailySnapshot.objects.exists()
