"""Two centers of one district, A full of data (the demo of `make run` plus marker rows whose
text appears nowhere else) and B with only its staff, for the cross-tenant probe and the
security header tests."""

from dataclasses import dataclass, field

import pytest
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
    from centers.appointments import demo as appointments_demo
    from centers.appointments.models import Appointment
    from centers.cases import services
    from centers.cases.services import Intake
    from centers.feedback import demo as feedback_demo
    from centers.feedback import services as feedback_services
    from centers.workspace import demo as workspace_demo
    from centers.workspace.models import Department, Window
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


@pytest.fixture
def world(township, other_township, city, make_user, media_root):
    seeded = _seed_a(township, make_user)
    # Center B: one user of each center role; the city: district staff scoped to B.
    make_user(other_township, "b-director", Role.CENTER_DIRECTOR)
    make_user(other_township, "b-window", Role.WINDOW_STAFF)
    make_user(other_township, "b-agent", Role.VILLAGE_AGENT)
    make_user(city, "b-supervisor", Role.DISTRICT_SUPERVISOR, district_id=other_township.pk)
    make_user(city, "b-evaluator", Role.EVALUATOR, district_id=other_township.pk)
    world = World(
        a=township,
        b=other_township,
        city=city,
        receipt=seeded["receipt"],
        media_path=seeded["media_path"],
    )
    world.markers = {
        "applicant name": APPLICANT_NAME,
        "applicant phone": APPLICANT_PHONE,
        "receipt number": world.receipt,
        "window name": WINDOW_NAME,
        "department name": DEPARTMENT_NAME,
        "feedback text": FEEDBACK_TEXT,
        "matter name": MATTER_NAME,
    }
    return world
