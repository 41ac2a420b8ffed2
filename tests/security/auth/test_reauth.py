"""Re-authentication before creating users and changing roles and permissions."""

import time

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.test import RequestFactory
from django_tenants.utils import schema_context

from tenants.accounts.models import Role, User
from tenants.accounts.reauth import REAUTH_KEY, require_recent_auth
from tenants.accounts.services import staff_role_change
from tenants.audit.models import Action, AuditEntry
from tests.conftest import PASSWORD

from .conftest import login, session_of

pytestmark = pytest.mark.django_db

NEW_USER = {
    "username": "new-admin",
    "email": "new@example.org",
    "first_name": "新",
    "last_name": "管理员",
    "password1": "Strong-pass-2026!",
    "password2": "Strong-pass-2026!",
    "is_active": "on",
    "role": "city_admin",
}


def _stale(client, center):
    with session_of(client, center) as session:
        session[REAUTH_KEY] = int(time.time()) - 3600


def test_user_creation_needs_a_recent_password(city, city_admin, client_for):
    client = login(client_for(city), "city-admin")
    _stale(client, city)
    response = client.get("/admin/users/new/")
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/reauth/?next=")
    response = client.post("/admin/users/new/", NEW_USER)
    assert response.status_code == 302 and "/admin/reauth/" in response["Location"]
    assert not User.objects.filter(username="new-admin").exists()
    # A wrong password: the form again, still not allowed.
    page = client.post(
        "/admin/reauth/", {"password": "Wrong-pass-2026!", "next": "/admin/users/new/"}
    )
    assert page.status_code == 200
    assert client.get("/admin/users/new/").status_code == 302
    # The right one: back to where the user was going, and the action goes through.
    response = client.post("/admin/reauth/", {"password": PASSWORD, "next": "/admin/users/new/"})
    assert response.status_code == 302 and response["Location"] == "/admin/users/new/"
    assert client.get("/admin/users/new/").status_code == 200
    response = client.post("/admin/users/new/", NEW_USER)
    assert response.status_code == 302
    assert User.objects.filter(username="new-admin").exists()
    created = AuditEntry.objects.get(action=Action.USER_CREATED, object_repr="new-admin")
    assert created.actor_username == "city-admin" and created.schema_name == "public"
    assert AuditEntry.objects.filter(action=Action.REAUTH, actor_username="city-admin").exists()


def test_reauth_refuses_foreign_next(city, city_admin, client_for):
    client = login(client_for(city), "city-admin")
    response = client.post(
        "/admin/reauth/", {"password": PASSWORD, "next": "https://evil.example/"}
    )
    assert response.status_code == 302 and response["Location"] == "/admin/"


def test_reauth_needs_a_signed_in_user(city, township, client_for):
    for center in (city, township):
        response = client_for(center).get("/admin/reauth/")
        assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_permission_change_in_admin_is_audited(city, city_admin, make_user, client_for):
    other = make_user(city, "supervisor", Role.DISTRICT_SUPERVISOR, district_id=1)
    client = login(client_for(city), "city-admin")
    response = client.post(
        f"/admin/users/edit/{other.pk}/",
        {
            "username": "supervisor", "email": "s@example.org",
            "first_name": "督", "last_name": "查",
            "role": Role.DISTRICT_SUPERVISOR, "district_id": "1",  # unchanged; is_active off
        },
    )  # fmt: skip
    assert response.status_code == 302, response.content[:300]
    entry = AuditEntry.objects.get(action=Action.PERMISSIONS_CHANGED, object_repr="supervisor")
    assert entry.detail["from"]["is_active"] is True
    assert entry.detail["to"]["is_active"] is False
    assert not AuditEntry.objects.filter(action=Action.ROLE_CHANGED).exists()
    # Without a recent password the edit screen is not even shown.
    _stale(client, city)
    assert client.get(f"/admin/users/edit/{other.pk}/").status_code == 302


def test_decorator_answers_api_requests_with_403():
    @require_recent_auth(max_age=60)
    def view(request):
        return HttpResponse("done")

    class Session(dict):
        pass

    request = RequestFactory().post("/api/v1/users/")
    request.user = type("U", (), {"is_authenticated": True})()
    request.session = Session()
    response = view(request)
    assert response.status_code == 403
    assert b"reauth_required" in response.content
    request.session[REAUTH_KEY] = int(time.time())
    assert view(request).content == b"done"
    request.session[REAUTH_KEY] = int(time.time()) - 120
    html = RequestFactory().get("/admin/rankings/publish/")
    html.user, html.session = request.user, request.session
    response = view(html)
    assert response.status_code == 302 and response["Location"].startswith("/admin/reauth/")


def test_role_change_service(staff, township):
    director = staff[(township.slug, "director")]
    clerk = staff[(township.slug, "clerk")]
    with schema_context(township.schema_name):
        staff_role_change(actor=director, user=clerk, role=Role.VILLAGE_AGENT)
        clerk.refresh_from_db()
        assert clerk.role == Role.VILLAGE_AGENT
        with pytest.raises(PermissionDenied):
            staff_role_change(actor=clerk, user=director, role=Role.WINDOW_STAFF)
        with pytest.raises(PermissionDenied):
            staff_role_change(actor=director, user=director, role=Role.WINDOW_STAFF)
        with pytest.raises(ValidationError):
            staff_role_change(actor=director, user=clerk, role=Role.CITY_ADMIN)
    entry = AuditEntry.objects.get(action=Action.ROLE_CHANGED)
    assert entry.schema_name == township.schema_name and entry.center_id == township.pk
    assert entry.detail["from"] == Role.WINDOW_STAFF and entry.detail["to"] == Role.VILLAGE_AGENT


def test_center_creation_needs_a_recent_password(city, city_admin, client_for):
    """Provisioning a center creates its first administrator."""
    client = login(client_for(city), "city-admin")
    assert client.get("/admin/centers/new/").status_code == 200
    _stale(client, city)
    response = client.get("/admin/centers/new/")
    assert response.status_code == 302 and response["Location"].startswith("/admin/reauth/")


def test_role_in_the_users_screens(city, city_admin, client_for):
    """The users screens carry the role of this domain; setting it goes through the service
    (audited), and the superuser flag follows it."""
    client = login(client_for(city), "city-admin")
    form = client.get("/admin/users/new/").context["form"]
    assert {value for value, _ in form.fields["role"].choices} == {
        Role.CITY_ADMIN,
        Role.DISTRICT_SUPERVISOR,
        Role.EVALUATOR,
    }
    # A district supervisor needs a district: the form says so and nothing is created.
    response = client.post("/admin/users/new/", {**NEW_USER, "role": Role.DISTRICT_SUPERVISOR})
    assert response.status_code == 200 and not User.objects.filter(username="new-admin").exists()
    response = client.post(
        "/admin/users/new/", {**NEW_USER, "role": Role.DISTRICT_SUPERVISOR, "district_id": "7"}
    )
    assert response.status_code == 302
    user = User.objects.get(username="new-admin")
    assert (user.role, user.district_id, user.is_superuser) == (Role.DISTRICT_SUPERVISOR, 7, False)
    changed = AuditEntry.objects.get(action=Action.ROLE_CHANGED, object_repr="new-admin")
    assert changed.detail["to"] == Role.DISTRICT_SUPERVISOR
    # Edit: make them a city administrator; the superuser flag comes with the role.
    edit = {k: v for k, v in NEW_USER.items() if not k.startswith("password")}
    response = client.post(f"/admin/users/edit/{user.pk}/", {**edit, "role": Role.CITY_ADMIN})
    assert response.status_code == 302, response.content[:300]
    user.refresh_from_db()
    assert user.role == Role.CITY_ADMIN and user.is_superuser and user.district_id is None
    assert (
        AuditEntry.objects.filter(action=Action.ROLE_CHANGED, object_repr="new-admin").count() == 2
    )
    # A center role cannot be given on the city's domain.
    response = client.post(f"/admin/users/edit/{user.pk}/", {**edit, "role": Role.WINDOW_STAFF})
    assert response.status_code == 200
    user.refresh_from_db()
    assert user.role == Role.CITY_ADMIN


def test_users_screens_closed_to_center_staff(staff, township, client_for):
    """On a center's domain, neither the director nor window staff open Wagtail's users
    screens (staff come from provisioning and tenants.accounts.services)."""
    for username in ("director1", "clerk1"):
        client = login(client_for(township), username)
        for url in ("/admin/users/", "/admin/users/new/"):
            response = client.get(url)
            assert response.status_code == 302 and response["Location"] == "/admin/"


def test_nobody_changes_their_own_role(city, city_admin, client_for):
    client = login(client_for(city), "city-admin")
    url = f"/admin/users/edit/{city_admin.pk}/"
    assert client.get(url).status_code == 200
    client.post(
        url,
        {
            "username": "city-admin", "email": "a@example.org", "first_name": "市",
            "last_name": "管理员", "role": Role.EVALUATOR, "district_id": "3",
        },
    )  # fmt: skip
    city_admin.refresh_from_db()
    assert city_admin.role == Role.CITY_ADMIN and city_admin.is_superuser
    assert not AuditEntry.objects.filter(action=Action.ROLE_CHANGED).exists()


def test_group_screens_need_a_recent_password_and_are_audited(city, city_admin, client_for):
    from django.contrib.auth.models import Group

    group = Group.objects.create(name="审核组")
    client = login(client_for(city), "city-admin")
    assert client.get(f"/admin/groups/edit/{group.pk}/").status_code == 200
    response = client.post(f"/admin/groups/delete/{group.pk}/")
    assert response.status_code == 302
    assert not Group.objects.filter(pk=group.pk).exists()
    entry = AuditEntry.objects.get(action=Action.PERMISSIONS_CHANGED, object_repr="group:审核组")
    assert entry.actor_username == "city-admin"
    _stale(client, city)
    for url in ("/admin/groups/new/", f"/admin/groups/edit/{group.pk}/"):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/admin/reauth/")
