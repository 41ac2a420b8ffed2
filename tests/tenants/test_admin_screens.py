import pytest

from tenants.accounts.models import Role
from tenants.models import Center, CenterStatus
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def logged_in(client_for, center, username):
    client = client_for(center)
    client.post("/admin/login/", {"username": username, "password": PASSWORD})
    return client


def test_city_admin_provisions_and_suspends_from_the_admin(district, city_admin, client_for, city):
    client = logged_in(client_for, city, "city-admin")
    assert "沈北新区政务服务中心" in client.get("/admin/centers/").content.decode()
    response = client.post(
        "/admin/centers/new/",
        {"kind": "street", "name": "虎石台街道", "division_code": "210113002000",
         "slug": "hushitai", "parent": "shenbei"},
        follow=True,
    )  # fmt: skip
    assert response.status_code == 200
    assert "http://hushitai.localhost:8000/" in response.content.decode()
    client.post("/admin/centers/hushitai/suspend/", {"reason": "装修"})
    assert Center.objects.get(slug="hushitai").status == CenterStatus.SUSPENDED


def test_admin_form_shows_field_errors_and_creates_nothing(district, city_admin, client_for, city):
    client = logged_in(client_for, city, "city-admin")
    response = client.post(
        "/admin/centers/new/",
        {"kind": "township", "name": "清水台镇", "division_code": "2101",
         "slug": "qingshuitai", "parent": ""},
    )  # fmt: skip
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert {"division_code", "parent"} <= set(errors)
    assert not Center.objects.filter(slug="qingshuitai").exists()


@pytest.mark.parametrize("role", [Role.DISTRICT_SUPERVISOR, Role.EVALUATOR])
def test_other_city_roles_cannot_open_the_center_screens(role, district, city, make_user,
                                                         client_for):  # fmt: skip
    make_user(city, "someone", role, district_id=district.pk)
    client = logged_in(client_for, city, "someone")
    # Wagtail answers a denied admin view with a redirect to the dashboard and a message.
    assert client.get("/admin/centers/").status_code in (302, 403)
    response = client.post(
        "/admin/centers/new/",
        {"kind": "district", "name": "浑南区", "division_code": "210112000000",
         "slug": "hunnan"},
    )  # fmt: skip
    assert response.status_code in (302, 403)
    assert not Center.objects.filter(slug="hunnan").exists()
