"""The public appointment pages on a center's domain and the staff screen in Wagtail admin:
booking through plain forms, refusals with the next free slots, honeypot, rate limit,
cancelling, escaping, and another center's domain and staff."""

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context

from centers.appointments import selectors, services
from centers.appointments.models import Appointment, AppointmentState
from tenants.accounts.models import Role
from tests.centers.cases.conftest import PERSON_ID, login

pytestmark = pytest.mark.django_db

SCRIPT = "<script>alert(1)</script>"


def slot_value(slot):
    return f"{slot['date']:%Y-%m-%d}|{slot['window'].pk}|{slot['start']:%H:%M}"


def next_slot(hall):
    with schema_context(hall.center.schema_name):
        return selectors.next_free_slots(hall.matter, timezone.now(), 1)[0]


def form(hall, slot, **extra):
    return {
        "matter": hall.matter.code,
        "slot": slot_value(slot),
        "name": "王五",
        "phone": "13812345678",
        "id_number": PERSON_ID,
        "website": "",
    } | extra


def test_book_through_the_portal(hall, client_for):
    client = client_for(hall.center)
    response = client.get("/appointments/")
    assert response.status_code == 200 and hall.matter.name in response.content.decode()
    slot = next_slot(hall)
    response = client.get(f"/appointments/?matter={hall.matter.code}&day={slot['date']}")
    assert response.status_code == 200
    page = response.content.decode()
    assert slot_value(slot) in page and 'type="radio"' in page
    response = client.post("/appointments/", form(hall, slot))
    assert response.status_code == 302
    with schema_context(hall.center.schema_name):
        appointment = Appointment.objects.get()
        assert appointment.name == "王五" and appointment.date == slot["date"]
    response = client.get("/appointments/")
    assert appointment.number in response.content.decode()
    # Shown once: the next visit is the form again.
    assert appointment.number not in client.get("/appointments/").content.decode()


def test_full_or_closed_slot_refused_with_next_free_slots(hall, client_for, settings):
    settings.APPOINTMENT_SLOT_CAPACITY = 1
    client = client_for(hall.center)
    slot = next_slot(hall)
    assert client.post("/appointments/", form(hall, slot)).status_code == 302
    response = client.post("/appointments/", form(hall, slot, phone="13900001111"))
    assert response.status_code == 400
    offered = response.context["next_slots"]
    assert len(offered) == 3 and slot_value(slot) not in [s["value"] for s in offered]
    assert offered[0]["value"] in response.content.decode()
    # A Sunday.
    sunday = slot["date"] + timezone.timedelta(days=6 - slot["date"].weekday())
    closed = dict(slot, date=sunday)
    response = client.post("/appointments/", form(hall, closed))
    assert response.status_code == 400 and len(response.context["next_slots"]) == 3
    with schema_context(hall.center.schema_name):
        assert Appointment.objects.count() == 1


def test_honeypot_and_rate_limit(hall, client_for, monkeypatch):
    client = client_for(hall.center)
    slot = next_slot(hall)
    response = client.post("/appointments/", form(hall, slot, website="http://spam"))
    assert response.status_code == 400
    with schema_context(hall.center.schema_name):
        assert not Appointment.objects.exists()
    monkeypatch.setattr("portal.appointments.POST_LIMIT", 1)
    assert (
        client.post("/appointments/cancel/", {"number": "A1", "phone_last4": "1"}).status_code
        == 429
    )
    response = client.post("/appointments/", form(hall, slot))
    assert response.status_code == 429 and response["Retry-After"]


def test_cancel_with_the_phone_digits(hall, client_for):
    with schema_context(hall.center.schema_name):
        appointment = services.appointment_book(
            matter=hall.matter,
            date=next_slot(hall)["date"],
            start=next_slot(hall)["start"],
            name="赵六",
            phone="13812345678",
            id_number=PERSON_ID,
        )
    client = client_for(hall.center)
    assert client.get(f"/appointments/cancel/?number={appointment.number}").status_code == 200
    wrong = client.post(
        "/appointments/cancel/", {"number": appointment.number, "phone_last4": "0000"}
    )
    unknown = client.post(
        "/appointments/cancel/", {"number": "A202001010001", "phone_last4": "5678"}
    )
    assert wrong.status_code == unknown.status_code == 400
    assert wrong.context["errors"] == unknown.context["errors"]
    response = client.post(
        "/appointments/cancel/", {"number": appointment.number, "phone_last4": "5678"}
    )
    assert response.status_code == 200
    with schema_context(hall.center.schema_name):
        appointment.refresh_from_db()
        assert appointment.state == AppointmentState.CANCELLED


def test_staff_screen_escapes_and_marks(hall, client_for):
    slot = next_slot(hall)
    with schema_context(hall.center.schema_name):
        appointment = services.appointment_book(
            matter=hall.matter, date=slot["date"], start=slot["start"], name=SCRIPT,
            phone="13812345678",
            id_number=PERSON_ID,
        )  # fmt: skip
    anonymous = client_for(hall.center)
    assert anonymous.get("/admin/appointments/").status_code == 302
    clerk = login(client_for(hall.center), "clerk1")
    response = clerk.get(f"/admin/appointments/?day={slot['date']}")
    assert response.status_code == 200
    page = response.content.decode()
    assert appointment.number in page and 'value="attended"' in page
    assert SCRIPT not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "/admin/appointments/" in clerk.get("/admin/").content.decode()
    response = clerk.post(f"/admin/appointments/{appointment.pk}/mark/", {"state": "attended"})
    assert response.status_code == 302
    with schema_context(hall.center.schema_name):
        appointment.refresh_from_db()
        assert appointment.state == AppointmentState.ATTENDED
    agent = login(client_for(hall.center), "agent1")
    response = agent.get("/admin/appointments/")
    assert response.status_code in (302, 403) and appointment.number not in str(response.content)


def test_another_center_sees_and_cancels_nothing(hall, other_township, make_user, client_for):
    slot = next_slot(hall)
    with schema_context(hall.center.schema_name):
        appointment = services.appointment_book(
            matter=hall.matter, date=slot["date"], start=slot["start"], name="钱七",
            phone="13812345678",
            id_number=PERSON_ID,
        )  # fmt: skip
    stranger = client_for(other_township)
    response = stranger.post(
        "/appointments/cancel/", {"number": appointment.number, "phone_last4": "5678"}
    )
    assert response.status_code == 400
    assert hall.matter.name not in stranger.get("/appointments/").content.decode()
    make_user(other_township, "otherclerk", Role.WINDOW_STAFF)
    other_staff = login(client_for(other_township), "otherclerk")
    response = other_staff.get(f"/admin/appointments/?day={slot['date']}")
    assert response.status_code == 200 and appointment.number not in response.content.decode()
    assert (
        other_staff.post(
            f"/admin/appointments/{appointment.pk}/mark/", {"state": "attended"}
        ).status_code
        == 404
    )
    with schema_context(hall.center.schema_name):
        appointment.refresh_from_db()
        assert appointment.state == AppointmentState.BOOKED
