"""Every role, capability by capability (tenants.accounts.permissions)."""

import pytest
from django.core.exceptions import ValidationError
from django_tenants.utils import schema_context

from tenants.accounts.models import Role
from tenants.accounts.permissions import Capability as C
from tenants.accounts.permissions import can, visible_centers
from tenants.accounts.services import staff_user_create
from tenants.models import Center
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

EXPECTED = {
    Role.CITY_ADMIN: {C.ACCESS_ADMIN, C.MANAGE_CENTERS, C.EDIT_CITY_STANDARDS,
                      C.PUBLISH_RANKING, C.SUPERVISE_CENTER, C.VIEW_AUDIT_LOG},
    Role.DISTRICT_SUPERVISOR: {C.ACCESS_ADMIN, C.SUPERVISE_CENTER},
    Role.EVALUATOR: {C.ACCESS_ADMIN, C.SCORE_CENTER},
    Role.CENTER_DIRECTOR: {C.ACCESS_ADMIN, C.MANAGE_CENTER_WORKSPACE, C.MANAGE_CENTER_STAFF,
                           C.HANDLE_CASES, C.VIEW_PERSONAL_DATA, C.VIEW_AUDIT_LOG},
    Role.WINDOW_STAFF: {C.ACCESS_ADMIN, C.HANDLE_CASES, C.VIEW_PERSONAL_DATA},
    Role.VILLAGE_AGENT: {C.ACCESS_ADMIN, C.TAKE_VILLAGE_APPLICATIONS},
}  # fmt: skip
CITY_SIDE = {Role.CITY_ADMIN, Role.DISTRICT_SUPERVISOR, Role.EVALUATOR}


@pytest.fixture
def users(city, district, township, make_user):
    made = {}
    for role in Role:
        where = city if role in CITY_SIDE else township
        extra = {"district_id": district.pk} if role in (
            Role.DISTRICT_SUPERVISOR, Role.EVALUATOR) else {}  # fmt: skip
        made[role] = (where, make_user(where, f"u-{role}", role, **extra))
    return made


@pytest.mark.parametrize("role", list(Role))
def test_role_capabilities(users, township, role):
    where, user = users[role]
    with schema_context(where.schema_name):
        for capability in C:
            target = township if capability in (C.SUPERVISE_CENTER, C.SCORE_CENTER) else None
            assert can(user, capability, target) == (capability in EXPECTED[role]), capability


@pytest.mark.parametrize("role", list(Role))
def test_role_is_void_outside_its_schema(users, township, city, role):
    where, user = users[role]
    elsewhere = township if where == city else city
    with schema_context(elsewhere.schema_name):
        assert not any(can(user, capability, township) for capability in C)


def test_district_staff_are_scoped_to_their_district(users, township, make_center):
    other_district = make_center("hunnan", kind="district", code="210112000000")
    elsewhere = make_center("taoxian", kind="street", code="210112012000", parent="hunnan")
    for role in (Role.DISTRICT_SUPERVISOR, Role.EVALUATOR):
        _, user = users[role]
        capability = C.SUPERVISE_CENTER if role == Role.DISTRICT_SUPERVISOR else C.SCORE_CENTER
        assert can(user, capability, township)
        assert not can(user, capability, elsewhere)
        assert not can(user, capability, other_district)
        seen = set(visible_centers(user, Center.objects.centers()).values_list("slug", flat=True))
        assert seen == {"shenbei", "qingshuitai"}
    _, admin = users[Role.CITY_ADMIN]
    everything = Center.objects.centers()
    assert visible_centers(admin, everything).count() == everything.count() >= 4


def test_inactive_user_can_do_nothing(users, township):
    where, user = users[Role.CENTER_DIRECTOR]
    user.is_active = False
    with schema_context(where.schema_name):
        assert not can(user, C.ACCESS_ADMIN)


@pytest.mark.parametrize("role", list(Role))
def test_each_role_opens_admin_on_its_own_domain(users, role, client_for):
    where, user = users[role]
    client = client_for(where)
    client.post("/admin/login/", {"username": user.username, "password": PASSWORD})
    assert client.get("/admin/").status_code == 200


def test_only_the_city_admin_manages_centers_through_the_api(users, city, client_for):
    for role in CITY_SIDE:
        where, user = users[role]
        client = client_for(where)
        client.post("/admin/login/", {"username": user.username, "password": PASSWORD})
        response = client.post("/api/v1/centers/qingshuitai/suspend/", {})
        assert response.status_code == (200 if role == Role.CITY_ADMIN else 403), role


def test_city_roles_cannot_be_created_in_a_center(township):
    with schema_context(township.schema_name), pytest.raises(ValidationError) as exc:
        staff_user_create(username="x", password=PASSWORD, role=Role.CITY_ADMIN)
    assert "role" in exc.value.message_dict


def test_district_roles_need_a_district(city):
    with pytest.raises(ValidationError) as exc:
        staff_user_create(username="x", password=PASSWORD, role=Role.DISTRICT_SUPERVISOR)
    assert "district_id" in exc.value.message_dict


def test_director_edits_the_portal_pages_window_staff_does_not(users, township, client_for):
    from portal.models import CenterHomePage

    with schema_context(township.schema_name):
        home_id = CenterHomePage.objects.get().pk
    for role, allowed in ((Role.CENTER_DIRECTOR, True), (Role.WINDOW_STAFF, False)):
        _, user = users[role]
        client = client_for(township)
        client.post("/admin/login/", {"username": user.username, "password": PASSWORD})
        response = client.get(f"/admin/pages/{home_id}/edit/")
        assert (response.status_code == 200) == allowed, role
