"""Demo 差评 rectifications of `make run` (public schema, after every center's demo ratings):
across the demo centers, real 差评 made through centers.ratings.services.rating_submit on demo
cases, taken through the real services into each state: open, called back, replied,
submitted, closed, returned (back to replied), appeal pending, appeal upheld, appeal rejected,
and one overdue. Idempotent: each scenario is recognised by its rating's reasons."""

from __future__ import annotations

import datetime

from django_tenants.utils import schema_context

from centers.cases.models import Case
from centers.ratings.models import Point, Rating
from centers.ratings.services import point_is_open, rating_submit
from evaluation.rectification import services
from evaluation.rectification.models import Rectification, Source
from tenants.accounts.models import Role, User
from tenants.models import Center, CenterStatus

# (scenario, level, the resident's reasons): the steps of each scenario are in _advance.
SCENARIOS = [
    ("called_back", 4, "窗口人员解释不清楚，来回跑了两趟。"),
    ("replied", 5, "排队一个多小时，只开了一个窗口。"),
    ("submitted", 4, "工作人员态度生硬，不耐烦。"),
    ("closed", 4, "办事指南写的材料和窗口要求的不一致。"),
    ("returned", 5, "预约了还要重新排队。"),
    ("appeal_pending", 5, "不满意。"),
    ("appeal_upheld", 5, "随便评的，没去办过事。"),
    ("appeal_rejected", 4, "大厅没有座位，等候区太挤。"),
    ("overdue", 4, "电话一直打不通，没人接。"),
    ("open", 5, "午休时间窗口没人。"),
]


def _ratable(center) -> tuple[Case, str] | None:
    """A demo case of the current schema with an applicant's phone and a point still open."""
    for case in Case.objects.exclude(applicant_phone="").order_by("pk"):
        rated = set(Rating.objects.filter(case=case).values_list("point", flat=True))
        for point in (Point.COMPLETED, Point.ACCEPTED):
            if point not in rated and point_is_open(case, point):
                return case, point
    return None


def _district_actor(center) -> User | None:
    """A supervisor of the center's district, else the city administrator (public schema)."""
    district_id = center.pk if center.parent_id is None else center.parent_id
    users = User.objects.filter(is_active=True)
    return (
        users.filter(role=Role.DISTRICT_SUPERVISOR, district_id=district_id).first()
        or users.filter(role=Role.CITY_ADMIN).first()
    )


def seed_city() -> list[Rectification]:
    centers = list(
        Center.objects.centers().filter(status=CenterStatus.ACTIVE).order_by("division_code")
    )
    if not centers:
        return []
    made = []
    for i, (scenario, level, reasons) in enumerate(SCENARIOS):
        if Rectification.objects.filter(source=Source.BAD_RATING, rating_reasons=reasons).exists():
            continue
        # Spread over the centers, skipping those with no case left to rate.
        for k in range(len(centers)):
            center = centers[(i + k) % len(centers)]
            rect = _open(center, level, reasons)
            if rect is not None:
                made.append(_advance(center, rect, scenario))
                break
    return made


def _open(center, level, reasons) -> Rectification | None:
    with schema_context(center.schema_name):
        found = _ratable(center)
        if found is None:
            return None
        case, point = found
        rating = rating_submit(
            case=case,
            point=point,
            level=level,
            dimensions={"overall": level},
            reasons=reasons,
            channel="portal",
        )
        return Rectification.objects.get(center=center, rating_id=rating.pk)


def _advance(center, rect: Rectification, scenario: str) -> Rectification:
    supervisor = _district_actor(center)
    if scenario == "overdue":
        # Opened three weeks ago and left alone: past its deadline.
        opened = rect.opened_on - datetime.timedelta(days=21)
        Rectification.objects.filter(pk=rect.pk).update(
            opened_on=opened, deadline=services.deadline_for(opened, rect.deadline_working_days)
        )
        return Rectification.objects.get(pk=rect.pk)
    if scenario == "open":
        return rect
    with schema_context(center.schema_name):
        staff = (
            User.objects.filter(is_active=True, role__in=[Role.WINDOW_STAFF, Role.CENTER_DIRECTOR])
            .order_by("role", "pk")
            .first()
        )
        if staff is None:
            return rect
        if scenario.startswith("appeal"):
            services.appeal_file(
                rect=rect,
                actor=staff,
                reasons="评价人当日未在本中心办理业务，疑为误评或恶意评价。",
                evidence="大厅监控及叫号记录显示该受理编号当日无窗口办理记录。",
            )
        if scenario in ("appeal_pending", "appeal_upheld"):
            pass
        else:
            services.call_back_record(
                rect=rect,
                actor=staff,
                called_on=rect.opened_on,
                outcome="已电话回访，群众说明了情况，对回访表示理解。",
            )
            if scenario != "called_back":
                services.reply_send(
                    rect=rect,
                    actor=staff,
                    text="感谢您的监督，我们已调整窗口安排并加强培训，欢迎再次监督。",
                )
            if scenario in ("submitted", "closed", "returned"):
                services.report_submit(
                    rect=rect,
                    actor=staff,
                    report="已约谈当班人员，增开高峰时段窗口，修订办事指南并组织业务培训。",
                )
    if supervisor is not None:
        if scenario == "closed":
            services.district_approve(rect=rect, actor=supervisor, note="整改到位，同意办结。")
        elif scenario == "returned":
            services.district_return(
                rect=rect, actor=supervisor, note="请补充整改前后的现场照片和培训记录。"
            )
        elif scenario in ("appeal_upheld", "appeal_rejected"):
            services.appeal_decide(
                rect=rect,
                actor=supervisor,
                upheld=scenario == "appeal_upheld",
                answer="经核查叫号记录，申诉成立。"
                if scenario == "appeal_upheld"
                else "证据不足以证明评价不实，申诉不成立，请继续整改。",
            )
    return Rectification.objects.get(pk=rect.pk)
