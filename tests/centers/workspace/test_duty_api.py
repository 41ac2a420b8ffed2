"""The duty roster API: a working day needs a note saying why, as in the admin."""

import datetime

import pytest
from django_tenants.utils import schema_context

from catalog_cms.standards.calendar import day_info
from centers.workspace.models import DutyShift
from tenants.accounts.models import Role, User
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

WORKING_DAY = datetime.date(2025, 3, 5)  # a Wednesday, no holiday


def test_duty_on_a_working_day_needs_a_note(township, client_for):
    assert day_info(WORKING_DAY).working
    client = client_for(township)
    assert (
        client.post("/admin/login/", {"username": "admin", "password": PASSWORD}).status_code == 302
    )
    with schema_context(township.schema_name):
        director = User.objects.get(username="admin")
    body = {"date": WORKING_DAY.isoformat(), "users": [director.pk], "role_note": "带班"}
    response = client.post("/api/v1/duty-roster/", body, content_type="application/json")
    assert response.status_code == 400, response.content
    assert "date" in response.json()
    with schema_context(township.schema_name):
        assert not DutyShift.objects.exists()
    body["working_day_note"] = "防汛值守"
    response = client.post("/api/v1/duty-roster/", body, content_type="application/json")
    assert response.status_code == 201, response.content
    assert response.json()["working_day_note"] == "防汛值守"
    with schema_context(township.schema_name):
        shift = DutyShift.objects.get()
        assert shift.working_day_note == "防汛值守"
        assert list(shift.users.all()) == [director]


def test_the_duty_leader_is_named_over_the_api(township, client_for, make_user):
    """Seed plan 1 (六办件): the day's 带班领导 may confirm a 急办件 in the director's stead, so
    the roster API names them; the leader is one of the people on duty (400 otherwise, and
    nothing is written)."""
    holiday = datetime.date(2025, 10, 2)  # 国庆节
    assert not day_info(holiday).working
    client = client_for(township)
    client.post("/admin/login/", {"username": "admin", "password": PASSWORD})
    with schema_context(township.schema_name):
        director = User.objects.get(username="admin")
        other = make_user(township, "leader2", Role.WINDOW_STAFF)
    body = {"date": holiday.isoformat(), "users": [director.pk], "leader": other.pk}
    response = client.post("/api/v1/duty-roster/", body, content_type="application/json")
    assert response.status_code == 400 and "leader" in response.json()
    with schema_context(township.schema_name):
        assert not DutyShift.objects.exists()
    body["leader"] = director.pk
    response = client.post("/api/v1/duty-roster/", body, content_type="application/json")
    assert response.status_code == 201, response.content
    assert response.json()["leader"] == director.pk
    with schema_context(township.schema_name):
        assert DutyShift.objects.get().leader == director
    listed = client.get(f"/api/v1/duty-roster/{response.json()['id']}/").json()
    assert listed["leader"] == director.pk
