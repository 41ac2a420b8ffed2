"""Two centers in different districts: A full of data (the demo of `make run` plus marker rows
whose text appears nowhere else, in its own schema and in the city's evaluation tables) and B
with only its staff; for the cross-tenant probe and the security header tests."""

import datetime
from dataclasses import dataclass, field

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context

from tenants.accounts.models import Role
from tests.centers.cases.conftest import PERSON_ID, make_matter

# Marker data of center A: none of it may appear in a response outside center A.
APPLICANT_NAME = "欧阳探针甲"
APPLICANT_PHONE = "13987654321"
WINDOW_NAME = "探针甲专用窗口"
DEPARTMENT_NAME = "探针甲协办科室"
FEEDBACK_TEXT = "探针甲投诉内容：窗口排队过久"
MATTER_CODE = "PROBE-A-001"
MATTER_NAME = "探针甲专项事项"


@dataclass
class World:
    a: object  # center A, with data
    b: object  # center B, staff only
    city: object
    receipt: str = ""
    markers: dict = field(default_factory=dict)
    # Identifiers of A's rows by model, for filling path parameters.
    ids: dict = field(default_factory=dict)
    media_path: str = ""


def _seed_a(center, make_user) -> dict:
    """Center A's rows: the workspace demo (profile, windows, hours, posts, rosters), feedback and
    appointments, and a case taken in at a window with the marker applicant. The city's
    catalog and the cases demo are left out: they cost most of the time and add no kind of
    row the marker case does not."""
    from catalog_cms.search_index.services import center_matters_publish
    from centers.appointments.models import Appointment
    from centers.cases import services
    from centers.cases.services import Intake
    from centers.feedback import services as feedback_services
    from centers.workspace.models import Department, Window
    from demo import appointments as appointments_demo
    from demo import feedback as feedback_demo
    from demo import workspace as workspace_demo
    from tenants.accounts.models import User

    make_user(center, "window1", Role.WINDOW_STAFF)
    make_user(center, "window2", Role.WINDOW_STAFF)
    make_user(center, "agent1", Role.VILLAGE_AGENT)
    with schema_context(center.schema_name):
        matter = make_matter(MATTER_CODE, name=MATTER_NAME, fee="10.00")
        make_matter("PROBE-A-002", mode="joint", promised_days=10)
        workspace_demo.seed_center(center)
        center_matters_publish(center)
        feedback_demo.seed_center(center)
        appointments_demo.seed_center(center)
        window = Window.objects.create(number=99, name=WINDOW_NAME, kind="combined")
        department = Department.objects.create(name=DEPARTMENT_NAME)
        clerk = User.objects.get(username="window1")
        case = services.case_intake(
            actor=clerk,
            intake=Intake(
                matter=matter,
                applicant={
                    "kind": "person",
                    "name": APPLICANT_NAME,
                    "id_number": PERSON_ID,
                    "phone": APPLICANT_PHONE,
                },
                materials=[
                    {"name": m["name"], "state": "received", "originals_received": 1}
                    for m in matter.materials
                ],
                window=window,
                lead_department=department,
            ),
        )
        feedback_services.feedback_submit(
            kind="complaint", text=FEEDBACK_TEXT, name=APPLICANT_NAME, phone=APPLICANT_PHONE
        )
        appointment = Appointment.objects.order_by("pk").first()
        if appointment is not None:
            Appointment.objects.filter(pk=appointment.pk).update(name=APPLICANT_NAME)
        document = case.documents.order_by("pk").first()
        return {
            "receipt": case.receipt_number,
            "media_path": f"{center.schema_name}/{document.file.name}" if document else "",
        }


# Marker data of center A in the city's evaluation tables (public schema, one row per center).
SCORECARD_COMMENT = "探针甲考核总体评语"
ITEM_COMMENT = "探针甲考核扣分说明"
EVIDENCE_NAME = "探针甲佐证照片.png"
SCORE_APPEAL_REASONS = "探针甲考核申诉理由：大厅面积复测已达标"
RATING_REASONS = "探针甲差评理由：窗口推诿"
RATING_APPEAL_REASONS = "探针甲差评申诉理由：当日无该窗口办理记录"
FINDING_TEXT = "探针甲自查发现问题描述"

# Center B's staff and district Y's staff: everyone the probe sends requests as.
B_USERS = {"b-director": Role.CENTER_DIRECTOR, "b-window": Role.WINDOW_STAFF,
           "b-agent": Role.VILLAGE_AGENT}  # fmt: skip
Y_USERS = {"y-supervisor": Role.DISTRICT_SUPERVISOR, "y-evaluator": Role.EVALUATOR}


def _seed_evaluation(world, city_admin, x_evaluator, y_evaluator) -> dict:
    """A's rows in every evaluation table, through the services as the people who would act:
    a round scoring A (submitted, with an item comment, an evidence photo and A's appeal) and
    B (a draft for district Y's evaluator), a conduct campaign where A's self-evaluation found a
    problem (a rectification item), a 差评 of the marker case (a second rectification item, with
    A's appeal), the 电子监察 alerts of the marker case once it is overdue, and A's daily
    snapshot. Returns {model: pk of A's row} for filling path parameters."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from centers.cases.models import Case
    from centers.ratings.services import rating_submit
    from evaluation.conduct import services as conduct
    from evaluation.conduct.models import Campaign, Evaluation
    from evaluation.metrics.models import CenterDailySnapshot
    from evaluation.metrics.services import snapshot_compute
    from evaluation.rectification import services as rectification
    from evaluation.rectification.models import RatingAppeal, Rectification
    from evaluation.scoring import services as scoring
    from evaluation.scoring.models import EvidencePhoto, Round, Rubric, ScoreAppeal, Scorecard
    from evaluation.supervision.models import Alert
    from evaluation.supervision.services import supervision_scan
    from tenants.accounts.models import User
    from tests.evaluation.scoring.conftest import RUBRIC_CSV, full_scores, png_bytes

    a, b = world.a, world.b
    rubric = scoring.rubric_publish(
        actor=city_admin,
        rubric=scoring.rubric_import(
            actor=city_admin, name="探针考核细则", content=RUBRIC_CSV.encode(),
            filename="rubric.csv", bonus_cap="4",
        ),
    )  # fmt: skip
    round_ = scoring.round_create(
        actor=city_admin, name="探针考核轮次", period_start=datetime.date(2026, 7, 1),
        period_end=datetime.date(2026, 9, 30), rubric=rubric, talk_threshold="60",
    )  # fmt: skip
    scoring.assignment_set(actor=city_admin, round=round_, center=a, evaluator=x_evaluator.username)
    scoring.assignment_set(actor=city_admin, round=round_, center=b, evaluator=y_evaluator.username)
    round_ = scoring.round_open_scoring(actor=city_admin, round=round_)
    card = round_.scorecards.get(center=a)
    photo = scoring.evidence_add(
        actor=x_evaluator, scorecard=card, item_code="1.1.1",
        upload=SimpleUploadedFile(EVIDENCE_NAME, png_bytes(), "image/png"),
    )  # fmt: skip
    scoring.scorecard_submit(
        actor=x_evaluator, scorecard=card, comment=SCORECARD_COMMENT,
        scores=full_scores(**{"1.1.2": {"points": "4", "comment": ITEM_COMMENT}}),
        site_visit_date=datetime.date(2026, 10, 12),
    )  # fmt: skip
    scoring.scorecard_save_draft(
        actor=y_evaluator, scorecard=round_.scorecards.get(center=b),
        scores={"1.1.2": {"points": "3"}}, photos={},
    )  # fmt: skip
    round_ = scoring.round_open_appeals(actor=city_admin, round=round_)
    campaign = conduct.campaign_create(
        actor=city_admin, name="探针作风建设", round=round_,
        items=conduct.parse_items(conduct.DEFAULT_CHECKLIST),
    )  # fmt: skip
    first_item = campaign.items.order_by("pk").first()
    with schema_context(a.schema_name):
        director = User.objects.get(username="admin")
        score_appeal = scoring.appeal_file(
            actor=director, scorecard=card, reasons=SCORE_APPEAL_REASONS
        )
        conduct.self_evaluation_submit(
            actor=director, campaign=campaign, center=a, comment="自查完毕",
            findings={
                item.pk: {
                    "problem": item.pk == first_item.pk,
                    "description": FINDING_TEXT if item.pk == first_item.pk else "",
                    "owner_name": "探针甲负责人" if item.pk == first_item.pk else "",
                }
                for item in campaign.items.all()
            },
        )  # fmt: skip
        case = Case.objects.get(receipt_number=world.receipt)
        rating = rating_submit(
            case=case, point="accepted", level=5, dimensions={"overall": 5},
            reasons=RATING_REASONS, channel="portal",
        )  # fmt: skip
        rect = Rectification.objects.get(center=a, rating_id=rating.pk)
        rating_appeal = rectification.appeal_file(
            rect=rect, actor=director, reasons=RATING_APPEAL_REASONS, evidence="叫号记录"
        )
        # Sixty days on, the marker case is long overdue: red and yellow alerts for it.
        later = timezone.localdate() + datetime.timedelta(days=60)
        supervision_scan(a, later, now=timezone.now() + datetime.timedelta(days=60))
        snapshot_compute(a, timezone.localdate())
    ids = {
        Rubric: rubric.pk, Round: round_.pk, Scorecard: card.pk, EvidencePhoto: photo.pk,
        ScoreAppeal: score_appeal.pk, Campaign: campaign.pk,
        Evaluation: Evaluation.objects.get(campaign=campaign, center=a).pk,
        Rectification: rect.pk, RatingAppeal: rating_appeal.pk,
        Alert: Alert.objects.filter(center=a).order_by("-pk").values_list("pk", flat=True)[0],
        CenterDailySnapshot: CenterDailySnapshot.objects.get(center=a).pk,
    }  # fmt: skip
    return ids


@pytest.fixture
def far_district(make_center):
    """District Y, apart from A's district (沈北新区)."""
    return make_center("hunnan", kind="district", code="210112000000", name="浑南区")


@pytest.fixture
def far_township(make_center, far_district):
    """Center B, in district Y."""
    return make_center(
        "taoxian", kind="street", code="210112012000", name="桃仙街道", parent="hunnan"
    )


@pytest.fixture
def world(township, district, far_township, far_district, city, city_admin, make_user, media_root):
    """Center A (清水台镇, district X 沈北新区) full of data, center B (桃仙街道, district Y 浑南区)
    with one user of each center role, district Y's supervisor and evaluator in the city, and
    A's rows in every evaluation table."""
    seeded = _seed_a(township, make_user)
    for username, role in B_USERS.items():
        make_user(far_township, username, role)
    y_staff = {
        username: make_user(city, username, role, district_id=far_district.pk)
        for username, role in Y_USERS.items()
    }
    x_evaluator = make_user(city, "x-evaluator", Role.EVALUATOR, district_id=district.pk)
    world = World(
        a=township,
        b=far_township,
        city=city,
        receipt=seeded["receipt"],
        media_path=seeded["media_path"],
    )
    world.ids = _seed_evaluation(world, city_admin, x_evaluator, y_staff["y-evaluator"])
    world.markers = {
        "applicant name": APPLICANT_NAME,
        "applicant phone": APPLICANT_PHONE,
        "receipt number": world.receipt,
        "window name": WINDOW_NAME,
        "department name": DEPARTMENT_NAME,
        "feedback text": FEEDBACK_TEXT,
        "matter name": MATTER_NAME,
        "scorecard comment": SCORECARD_COMMENT,
        "item score comment": ITEM_COMMENT,
        "evidence photo name": EVIDENCE_NAME,
        "score appeal reasons": SCORE_APPEAL_REASONS,
        "rating reasons": RATING_REASONS,
        "rating appeal reasons": RATING_APPEAL_REASONS,
        "conduct finding": FINDING_TEXT,
    }
    return world
