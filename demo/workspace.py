"""Demo data for a center's workspace. `seed_center(center)` runs inside the center's schema
after the demo users exist (admin = director, window1 and window2 = window staff, agent1 =
village agent) and is idempotent: what exists already is left as it is."""

import datetime
import random

from django.utils import timezone

from catalog_cms.standards import calendar as cal
from centers.workspace import services
from centers.workspace.models import (
    Attendance,
    CenterProfile,
    CenterRule,
    Closure,
    Department,
    DutyShift,
    OpeningInterval,
    Post,
    ServicePoint,
    Window,
)
from centers.workspace.selectors import hours_for_day
from tenants.accounts.models import User

DEPARTMENTS = [
    ("民政", "department"),
    ("人力资源和社会保障", "department"),
    ("医疗保障", "department"),
    ("农业农村", "department"),
    ("退役军人服务站", "station"),
    ("自然资源所", "station"),
]
WEEK = [(d, datetime.time(8, 30), datetime.time(12)) for d in range(5)] + [
    (d, datetime.time(13, 30), datetime.time(17, 30)) for d in range(5)
]


def _area(center) -> int:
    """One township below the 200 m² standard (qingshuitai in the demo), the rest above."""
    if center.kind == "township":
        return 180 if center.slug == "qingshuitai" else 260
    return {"street": 170, "district": 650}.get(center.kind, 300)


def seed_center(center) -> None:
    users = {
        u.username: u
        for u in User.objects.filter(username__in=["admin", "window1", "window2", "agent1"])
    }
    admin, w1, w2 = users.get("admin"), users.get("window1"), users.get("window2")
    agent = users.get("agent1")
    if not CenterProfile.objects.exists():
        base = center.name.removesuffix("政务服务中心")
        services.profile_update(
            actor=None,
            name=f"{base}政务服务中心",
            address=f"{base}人民政府一楼",
            phone="024-8800 1234",
            supervision_phone="024-8800 1235",
            director_name="王建国",
            deputy_name="李秀英",
            floor_area_m2=_area(center),
            rules_kept=[r for r in CenterRule.values if r != CenterRule.TRAINING],
        )
    if not Department.objects.exists():
        for order, (name, kind) in enumerate(DEPARTMENTS):
            services.department_save(actor=None, name=name, kind=kind, order=order)
    deps = {d.name: d for d in Department.objects.all()}
    if not Window.objects.exists():
        staff1 = [w1] if w1 else []
        staff2 = [w2] if w2 else []
        services.window_save(
            actor=None, number=1, name="民政窗口", kind="independent",
            departments=[deps["民政"]], staff=staff1,
        )  # fmt: skip
        services.window_save(
            actor=None, number=2, name="社保医保综合窗口", kind="combined",
            departments=[deps["人力资源和社会保障"], deps["医疗保障"]], staff=staff2,
        )  # fmt: skip
        services.window_save(
            actor=None, number=3, name="民政综合窗口", kind="combined",
            departments=[deps["民政"], deps["退役军人服务站"]], staff=staff1 + staff2,
        )  # fmt: skip
        services.window_save(
            actor=None, number=4, name="农业补贴窗口", kind="periodic",
            departments=[deps["农业农村"]], staff=staff2,
            schedule_months=[3, 4, 5], schedule_weekdays=[1],
            schedule_note="每年3月至5月 每周二",
        )  # fmt: skip
    if not OpeningInterval.objects.exists():
        services.opening_hours_set(actor=None, intervals=WEEK)
    today = timezone.localdate()
    if not Closure.objects.exists():
        day = today + datetime.timedelta(days=14)
        services.closure_create(actor=None, start_date=day, end_date=day, reason="办公场所电力检修")
    if not Post.objects.exists() and w1 and w2:
        window3 = Window.objects.filter(number=3).first() or Window.objects.first()
        services.post_save(actor=None, name="民政综合岗", window=window3, holder_a=w1, holder_b=w2)
        services.post_save(
            actor=None, name="社保医保岗", window=Window.objects.get(number=2),
            holder_a=w2, holder_b=w1,
        )  # fmt: skip
    if not DutyShift.objects.exists() and admin:
        people = [u for u in (admin, w1, w2) if u]
        for name, days in cal.next_statutory_holidays(today, count=2):
            for i, day in enumerate(days):
                services.duty_shift_create(
                    actor=None, date=day, users=[people[i % len(people)]],
                    role_note=f"{name}值班", phone="024-8800 1234",
                )  # fmt: skip
    if not Attendance.objects.exists():
        rng = random.Random(center.slug)
        closures = list(Closure.objects.all())
        for user in (u for u in (admin, w1, w2) if u):
            for day in cal.working_days_between(
                today - datetime.timedelta(days=30), today - datetime.timedelta(days=1), closures
            ):
                spans = hours_for_day(day, closures=closures)
                if not spans or rng.random() < 0.05:
                    continue  # an absent day now and then
                tz = timezone.get_current_timezone()
                start = datetime.datetime.combine(day, spans[0][0], tzinfo=tz)
                end = datetime.datetime.combine(day, spans[-1][1], tzinfo=tz)
                services.attendance_record(
                    actor=None, user=user, date=day,
                    signed_in_at=start + datetime.timedelta(minutes=rng.randint(-20, 12)),
                    signed_out_at=end + datetime.timedelta(minutes=rng.randint(-8, 25)),
                )  # fmt: skip
    _assign_matters_to_windows()
    if not ServicePoint.objects.exists():
        base = center.name.removesuffix("政务服务中心").removesuffix("镇").removesuffix("街道")
        place = f"{base}村" if center.kind == "township" else f"{base}社区"
        services.service_point_save(
            actor=None,
            name=f"{place}便民服务站",
            village=place,
            kind="village" if center.kind == "township" else "community",
            phone="024-8800 5678",
            hours="周一至周五 8:30–11:30，14:00–17:00",
            agents=[agent] if agent else [],
        )
    services.facts_publish()  # a demo seeded before a newly published field gets it too


# Which window serves an adopted matter, by the matter's category.
WINDOW_BY_CATEGORY = {
    "民政": 1, "残联": 1, "人力资源": 2, "社会保障": 2, "医疗保障": 2,
    "农业农村/农经": 4, "林业": 4, "水利": 4,
}  # fmt: skip


def _assign_matters_to_windows() -> None:
    from centers.catalog.models import LocalMatter

    windows = {w.number: w for w in Window.objects.all()}
    if not windows or any(w.matters.exists() for w in windows.values()):
        return
    by_window: dict[int, list] = {number: [] for number in windows}
    for matter in LocalMatter.objects.order_by("code"):
        number = WINDOW_BY_CATEGORY.get(matter.category_name, 3)
        by_window.setdefault(number if number in windows else 3, []).append(matter)
    for number, matters in by_window.items():
        if matters and number in windows:
            services.window_matters_set(actor=None, window=windows[number], matters=matters)
