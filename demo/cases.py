"""Demo cases of one center: `seed_center(center)` runs inside the center's schema after the
workspace and catalog demo data, and makes cases in every state through the real services,
dated in the past so that some are overdue. Idempotent: a center that has cases is left alone.

The 上报 round trip between a township and its district is made by `seed_referrals` once
every center has its cases (the district must exist and have adopted the matter)."""

from __future__ import annotations

import datetime
import random
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.db import transaction
from django.utils import timezone
from stdnum.cn import ric

from catalog_cms.standards import calendar as cal
from centers.cases import selectors, services
from centers.cases.models import Case
from centers.cases.services import Intake, Outcome
from centers.cases.states import CaseStatus
from centers.catalog.models import LocalMatter
from centers.catalog.services import local_matter_create
from centers.workspace.models import Department, ServicePoint, Window
from tenants.accounts.models import User

SHANGHAI = ZoneInfo("Asia/Shanghai")
NAMES = ["张秀兰", "王建军", "李淑芬", "刘志强", "陈桂英", "杨海涛", "赵玉梅", "黄国庆", "周丽华"]
JOINT_CODE = "DEMO-JOINT-001"
FEE_CODE = "DEMO-FEE-001"
TOLERANCE_CODE = "DEMO-TOL-001"
PLACES = ["110105", "210102", "210103", "210111", "210112", "210113", "210114"]


def _resident_id(rng: random.Random) -> str:
    """A resident ID with a valid check digit and a birth place known for its birth year."""
    while True:
        birth = datetime.date(1950, 1, 1) + datetime.timedelta(days=rng.randrange(0, 20000))
        body = f"{rng.choice(PLACES)}{birth:%Y%m%d}{rng.randrange(100, 999)}"
        number = body + ric.calc_check_digit(body + "0")  # it reads the first 17 digits
        if ric.is_valid(number):
            return number


def _working_days_ago(n: int, hour: int = 10) -> datetime.datetime:
    """A moment `n` working days before today, at `hour` Shanghai time."""
    day = timezone.localdate()
    while n > 0:
        day -= datetime.timedelta(days=1)
        if cal.is_working_day(day):
            n -= 1
    while not cal.is_working_day(day):
        day -= datetime.timedelta(days=1)
    return datetime.datetime.combine(day, datetime.time(hour), tzinfo=SHANGHAI)


def _demo_matters(director) -> tuple[LocalMatter, LocalMatter]:
    """A joint matter and a matter with a fee, local to the center (the city's demo catalog
    has neither)."""
    materials = [
        {"name": "居民身份证", "originals": 1, "copies": 1, "required": True, "note": ""},
        {"name": "申请书", "originals": 1, "copies": 0, "required": True, "note": ""},
    ]
    joint = LocalMatter.objects.filter(code=JOINT_CODE).first() or local_matter_create(
        actor=director,
        code=JOINT_CODE,
        name="农村村民住宅建设联合审批",
        category_name="农业农村",
        authority_level="township",
        mode="joint",
        legal_days=20,
        promised_days=10,
        departments=["农业农村", "自然资源所", "民政"],
        materials=materials,
    )
    fee = LocalMatter.objects.filter(code=FEE_CODE).first() or local_matter_create(
        actor=director,
        code=FEE_CODE,
        name="婚育证明补办",
        category_name="民政",
        authority_level="township",
        mode="promised",
        legal_days=10,
        promised_days=3,
        fee_free=False,
        fee_amount=Decimal("10.00"),
        fee_standard="工本费每件10元",
        fee_basis="辽价发〔2020〕12号",
        materials=materials,
    )
    return joint, fee


def _tolerance_matter(director) -> LocalMatter:
    """A matter with a 容缺-eligible material (容缺受理: accepted without it, against the
    applicant's commitment)."""
    return LocalMatter.objects.filter(code=TOLERANCE_CODE).first() or local_matter_create(
        actor=director,
        code=TOLERANCE_CODE,
        name="城乡居民最低生活保障申请",
        category_name="民政",
        authority_level="township",
        mode="promised",
        legal_days=20,
        promised_days=10,
        materials=[
            {"name": "居民身份证", "originals": 1, "copies": 1, "required": True, "note": ""},
            {"name": "申请书", "originals": 1, "copies": 0, "required": True, "note": ""},
            {"name": "收入证明", "originals": 1, "copies": 0, "required": True, "note": "",
             "tolerance": True},
        ],
    )  # fmt: skip


def _received(matter: LocalMatter) -> list[dict]:
    return [
        {"name": m["name"], "state": "received", "originals_received": m.get("originals", 1)}
        for m in matter.materials
    ]


def _missing_first(matter: LocalMatter) -> list[dict]:
    lines = _received(matter)
    lines[0] = {"name": lines[0]["name"], "state": "missing"}
    return lines


def seed_center(center) -> list[Case]:
    """All of a center's demo cases, or none (one transaction)."""
    if Case.objects.exists():
        return []
    with transaction.atomic():
        return _seed(center)


def _seed(center) -> list[Case]:
    users = {u.username: u for u in User.objects.filter(role__isnull=False)}
    director = users.get("admin")
    clerk, clerk2 = users.get("window1"), users.get("window2")
    agent = users.get("agent1")
    if not (director and clerk and clerk2):
        return []
    rng = random.Random(center.slug)
    windows = list(Window.objects.order_by("number"))
    window = windows[0] if windows else None
    point = ServicePoint.objects.filter(agents=agent).first() if agent else None
    township_matters = list(
        LocalMatter.objects.filter(mode__in=["promised", "immediate"]).order_by("code")
    )
    if not township_matters:
        township_matters = list(LocalMatter.objects.order_by("code")[:5])
    joint, fee_matter = _demo_matters(director)
    promised = [m for m in township_matters if m.mode == "promised"] or township_matters
    instant = [m for m in township_matters if m.mode == "immediate"] or township_matters
    made: list[Case] = []

    def applicant():
        return {
            "kind": "person",
            "name": rng.choice(NAMES),
            "id_number": _resident_id(rng),
            "phone": f"13{rng.randrange(100000000, 999999999)}",
        }

    def take(matter, outcome, when, actor=clerk, **extra):
        case = services.case_intake(
            actor=actor,
            intake=Intake(
                matter=matter,
                applicant=applicant(),
                outcome=outcome,
                materials=extra.pop("materials", _received(matter)),
                window=extra.pop("window", window),
                **extra,
            ),
            now=when,
        )
        made.append(case)
        return case

    # Closed on time, closed late, instant; one approval revoked afterwards (撤销). The result
    # sent electronically or by post leaves one visit; collected at the window, two.
    for n, matter in enumerate(promised[:3]):
        case = take(matter, Outcome.ACCEPT, _working_days_ago(15 + n))
        services.case_close(
            actor=clerk,
            case=case,
            decision="approved",
            handover=("electronic", "post", "window")[n],
            now=_working_days_ago(12 + n, 15),
        )
    services.case_revoke(
        actor=director,
        case=case,
        reason="经核查，申请人提交的房屋产权证明系伪造，以欺骗手段取得准予决定",
        basis="《中华人民共和国行政许可法》第六十九条第二款",
        now=_working_days_ago(3, 10),
    )
    late = take(promised[0], Outcome.ACCEPT, _working_days_ago(30))
    services.case_close(
        actor=clerk,
        case=late,
        decision="certificate_issued",
        handover="post",
        now=_working_days_ago(2, 16),
    )
    quick = take(instant[0], Outcome.ACCEPT, _working_days_ago(1, 9))
    services.case_close(
        actor=clerk, case=quick, decision="approved", handover="window",
        now=_working_days_ago(1, 11),
    )  # fmt: skip

    # Open: in time, urgent, overdue (two), provisional if it crosses into next year.
    take(promised[1 % len(promised)], Outcome.ACCEPT, _working_days_ago(1))
    take(
        promised[2 % len(promised)], Outcome.ACCEPT, _working_days_ago(0, 9), actor=director,
        urgent=True, urgent_reason="申请人急需证明材料办理入学手续",
    )  # fmt: skip
    for n in range(2):
        take(promised[n % len(promised)], Outcome.ACCEPT, _working_days_ago(25 + n), actor=clerk2)

    # 补正 waiting for materials; a special procedure; an extension.
    take(
        promised[0],
        Outcome.SUPPLEMENT,
        _working_days_ago(2),
        materials=_missing_first(promised[0]),
    )
    special = take(promised[1 % len(promised)], Outcome.ACCEPT, _working_days_ago(6))
    services.case_special_start(
        actor=clerk,
        case=special,
        kind="inspection",
        reason="需现场核查房屋状况",
        expected_days=3,
        now=_working_days_ago(4),
    )
    extended = take(promised[2 % len(promised)], Outcome.ACCEPT, _working_days_ago(4))
    services.case_extend(
        actor=director, case=extended, days=5, reason="涉及多户，需补充调查",
        approver_name=director.get_full_name() or director.username, approver_post="中心主任",
        now=_working_days_ago(2),
    )  # fmt: skip

    # Refused, withdrawn, a third visit approved.
    refused = take(
        promised[0],
        Outcome.REFUSE,
        _working_days_ago(3),
        refusal_kind="out_of_scope",
        competent_authority=(center.parent or center).display_name,  # art. 32(2)
        refusal_reason="申请事项不属于本中心受理范围，请到区政务服务中心办理",
        refusal_basis="《中华人民共和国行政许可法》第三十二条第一款第（二）项",
    )
    # 退回件 (seed plan 1): the applicant objects at the window, the clerk answers in writing.
    from centers.cases import objections

    objections.objection_file(
        actor=clerk, case=refused, text="申请人认为该事项应由本中心代办，对退回有异议",
        now=_working_days_ago(2, 10),
    )  # fmt: skip
    objections.objection_answer(
        actor=clerk, case=refused,
        answer="维持原决定，已为申请人联系区政务服务中心，可预约代办。",
        reasons="该事项属区级审批权限（《中华人民共和国行政许可法》第二十二条），本中心仅可初审代办，"
        "不能作出受理决定。",
        now=_working_days_ago(1, 10),
    )  # fmt: skip
    withdrawn = take(promised[1 % len(promised)], Outcome.ACCEPT, _working_days_ago(5))
    services.case_withdraw(
        actor=clerk, case=withdrawn, reason="申请人书面申请撤回", now=_working_days_ago(3)
    )
    # 两次终结: a third visit asked by the clerk, approved by the director, then made.
    from centers.cases import approvals

    visited = take(promised[0], Outcome.ACCEPT, _working_days_ago(3))
    services.case_record_visit(
        actor=clerk, case=visited, note="申请人到窗口核对原件", now=_working_days_ago(2)
    )
    asked = approvals.approval_request(
        actor=clerk, case=visited, kind=approvals.Kind.FURTHER_VISIT,
        reason="申请人需补签字，请主任批准第三次到场", now=_working_days_ago(1, 9),
    )  # fmt: skip
    approvals.approval_decide(
        actor=director, case=visited, request=asked, approve=True, now=_working_days_ago(1, 10)
    )
    services.case_record_visit(
        actor=clerk, case=visited, note="申请人到场补签字", now=_working_days_ago(1, 11)
    )

    # 容缺受理: one waiting for its 收入证明 (due tomorrow or so), one brought in and closed
    # as 容缺通过 (办理状态 12).
    tolerance_matter = _tolerance_matter(director)
    for n in range(2):
        lines = _received(tolerance_matter)
        lines[-1] = {"name": "收入证明", "state": "missing"}
        when = _working_days_ago(4 - 2 * n)
        due = (when.date() if n == 0 else timezone.localdate()) + datetime.timedelta(days=1)
        tol = take(
            tolerance_matter, Outcome.ACCEPT, when, materials=lines,
            tolerance=[{"name": "收入证明", "due": due}],
        )  # fmt: skip
        if n == 0:
            services.case_tolerance_receive(
                actor=clerk, case=tol, material="收入证明", via="window",
                now=_working_days_ago(3, 10),
            )  # fmt: skip
            services.case_close(
                actor=clerk, case=tol, decision="approved_tolerance", handover="post",
                now=_working_days_ago(2, 15),
            )  # fmt: skip

    # An application from the village point, waiting for pre-review.
    if agent and point:
        take(
            promised[0],
            Outcome.RECEIVE,
            _working_days_ago(1, 14),
            actor=agent,
            channel="village_point",
            service_point=point,
            window=None,
        )

    # Online applications (网上申报): one waiting for pre-review, one accepted at the desk.
    online = list(LocalMatter.objects.filter(online=True).order_by("code")[:2])
    for n, matter in enumerate(online):
        case = take(
            matter,
            Outcome.RECEIVE,
            _working_days_ago(2 - n, 20),
            actor=None,
            channel="online",
            window=None,
        )
        if n == 0:
            services.case_accept(actor=clerk, case=case, now=_working_days_ago(1, 10))

    # A joint case with three departments and its 并联审批告知单 (seed plan 1); the one still to
    # sign off is past its own 3 working days (named late on the desk and in supervision).
    departments = list(Department.objects.order_by("order")[:3])
    if len(departments) == 3:
        jc = take(
            joint,
            Outcome.ACCEPT,
            _working_days_ago(5),
            lead_department=departments[0],
            departments=departments[1:],
            department_terms={
                departments[1].pk: {"needs": "宅基地权属及规划审查：土地使用权证明", "days": 4},
                departments[2].pk: {"needs": "家庭成员及住房情况核实：户口簿", "days": 3},
            },
        )
        for task in jc.tasks.all()[:2]:
            # Whoever the department signs through: its window's clerk, or the owner.
            signer = next(
                u for u in (clerk, clerk2, director)
                if selectors.task_sign_off_refusal(u, jc, task) is None
            )  # fmt: skip
            services.case_task_sign_off(
                actor=signer, task=task, opinion="同意", now=_working_days_ago(2)
            )

    # Fees: one paid, one unpaid with its waiver waiting for the director.
    from centers.cases import fees

    paid = take(fee_matter, Outcome.ACCEPT, _working_days_ago(2))
    for item in paid.fees.all():
        fees.fee_pay(
            actor=clerk, fee=item, payment_reference=f"POS{paid.receipt_number}",
            now=_working_days_ago(2, 11),
        )  # fmt: skip
    # A waiver on its policy basis, recorded by the director (seed plan 3, 统一收费).
    waived = take(fee_matter, Outcome.ACCEPT, _working_days_ago(1, 9))
    fees.fee_waive(
        actor=director, fee=waived.fees.first(), reason="申请人为最低生活保障对象",
        basis_document="沈政办发〔2026〕12号", basis_article="第五条第（二）项",
        now=_working_days_ago(1, 11),
    )  # fmt: skip
    unpaid = take(fee_matter, Outcome.ACCEPT, _working_days_ago(0, 9))
    approvals.approval_request(
        actor=clerk, case=unpaid, kind=approvals.Kind.FEE_WAIVER, fee=unpaid.fees.first(),
        reason="申请人持有效低保证，申请减免工本费",
    )  # fmt: skip
    reassigned = made[-1]
    services.case_reassign(actor=director, case=reassigned, owner=clerk2, reason="窗口调整")
    return made


def seed_referrals(township, district) -> bool:
    """The 上报 round trip between a township and its district, through the real exchange:
    one case decided by the district and closed by the township, one decided and waiting to be
    handed over, one still at the district.
    Messages are delivered at once (no worker needed). Idempotent."""
    from django_tenants.utils import schema_context

    from catalog_cms.standards.models import MatterTemplate
    from catalog_cms.standards.vocab import ProcessingMode
    from centers.catalog.services import catalog_adopt
    from tenants.exchange import services as exchange
    from tenants.exchange.models import ExchangeMessage, MessageState

    def deliver_all():
        for pk in ExchangeMessage.objects.filter(state=MessageState.PENDING).values_list(
            "pk", flat=True
        ):
            exchange.message_deliver(pk)

    with schema_context(township.schema_name):
        if Case.objects.filter(referral_key__isnull=False).exists():
            return False
        matter = (
            LocalMatter.objects.filter(mode=ProcessingMode.REPORT, template_id__isnull=False)
            .order_by("code")
            .first()
        )
        clerk = User.objects.filter(username="window1").first()
        if matter is None or clerk is None:
            return False
        template = MatterTemplate.objects.filter(pk=matter.template_id).first()
    with schema_context(district.schema_name):
        if template is not None and not LocalMatter.objects.filter(code=matter.code).exists():
            catalog_adopt(templates=[template], actor="demo")
        d_clerk = User.objects.filter(username="window1").first()
    rng = random.Random(f"{township.slug}-referral")
    referred = []
    with schema_context(township.schema_name):
        for days_ago in (8, 6, 3):
            case = services.case_intake(
                actor=clerk,
                intake=Intake(
                    matter=matter,
                    applicant={
                        "kind": "person",
                        "name": rng.choice(NAMES),
                        "id_number": _resident_id(rng),
                        "phone": f"13{rng.randrange(100000000, 999999999)}",
                    },
                    materials=_received(matter),
                    window=Window.objects.order_by("number").first(),
                    note="属区级审批事项，代办上报",
                ),
                now=_working_days_ago(days_ago),
            )
            # Issue 15: received and forwarded at once (收件回执), never accepted here.
            referred.append(case)
    deliver_all()
    with schema_context(district.schema_name):
        incoming = list(
            Case.objects.filter(
                channel="referral",
                remote_center=township.slug,
                status=CaseStatus.RECEIVED,
            ).order_by("received_at")
        )
        for d_case in incoming:
            services.case_accept(actor=d_clerk, case=d_case, now=_working_days_ago(2, 9))
        # Two decided by the district, the third still in its hands.
        for d_case in incoming[:2]:
            services.case_close(
                actor=d_clerk, case=d_case, decision="approved", handover="electronic",
                note="符合条件，准予", now=_working_days_ago(1, 10),
            )  # fmt: skip
    deliver_all()
    with schema_context(township.schema_name):
        # One handed over to the applicant; the other waits at the window (上级已办结).
        for decided in Case.objects.filter(
            pk__in=[c.pk for c in referred], status=CaseStatus.REFERRAL_DECIDED
        ).order_by("received_at")[:1]:
            services.case_close(
                actor=clerk, case=decided, decision="approved", handover="window",
                now=_working_days_ago(0, 9),
            )  # fmt: skip
    deliver_all()
    return True
