"""/admin/lockouts/: who manages a domain's staff lifts a lockout sooner, with a recent
password, audited; nobody else, and never across domains."""

import time

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django_tenants.utils import schema_context

from tenants.accounts.reauth import REAUTH_KEY
from tenants.audit.models import Action, AuditEntry
from tests.conftest import PASSWORD

from .conftest import login, session_of

pytestmark = pytest.mark.django_db


def _lock(client, username):
    """Fail `username`'s logins from `client` (a browser of its own: the lockout by address
    and browser would otherwise lock the director's test browser too)."""
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post("/admin/login/", {"username": username, "password": "Wrong-pass-2026!"})


def _locked(center, username) -> bool:
    with schema_context(center.schema_name):
        return AccessAttempt.objects.filter(username=username).exists()


def test_a_director_unlocks_a_clerk(staff, township, client_for):
    _lock(client_for(township, HTTP_USER_AGENT="clerk's browser"), "clerk1")
    director = login(client_for(township), "director1")
    page = director.get("/admin/lockouts/")
    assert page.status_code == 200
    assert "clerk1" in page.content.decode()

    response = director.post("/admin/lockouts/", {"username": "clerk1"})
    assert response.status_code == 302
    assert not _locked(township, "clerk1")
    assert AuditEntry.objects.filter(
        action=Action.LOCKOUT_CLEARED,
        schema_name=township.schema_name,
        actor_username="director1",
        object_repr="clerk1",
    ).exists()
    login(client_for(township, HTTP_USER_AGENT="clerk's browser"), "clerk1", PASSWORD)


def test_unlocking_needs_a_recent_password(staff, township, client_for):
    _lock(client_for(township, HTTP_USER_AGENT="guessing browser"), "clerk1")
    director = login(client_for(township), "director1")
    with session_of(director, township) as session:
        session[REAUTH_KEY] = int(time.time()) - 3600
    response = director.post("/admin/lockouts/", {"username": "clerk1"})
    assert response.status_code == 302 and "/admin/reauth/" in response["Location"]
    assert _locked(township, "clerk1")


def test_window_staff_and_anonymous_are_refused(staff, township, client_for):
    _lock(client_for(township, HTTP_USER_AGENT="guessing browser"), "director1")
    clerk = login(client_for(township), "clerk1")
    # Wagtail answers a refused admin screen with a redirect to the dashboard.
    refused = clerk.get("/admin/lockouts/")
    assert refused.status_code == 302 and refused["Location"] == "/admin/"
    assert clerk.post("/admin/lockouts/", {"username": "director1"}).status_code == 302
    anonymous = client_for(township).get("/admin/lockouts/")
    assert anonymous.status_code == 302 and "/admin/login/" in anonymous["Location"]
    assert _locked(township, "director1")


def test_another_centers_director_neither_sees_nor_lifts_it(
    staff, township, other_township, client_for
):
    _lock(client_for(township, HTTP_USER_AGENT="guessing browser"), "clerk1")
    other = login(client_for(other_township), "director1")
    assert "clerk1" not in other.get("/admin/lockouts/").content.decode()
    other.post("/admin/lockouts/", {"username": "clerk1"})
    assert _locked(township, "clerk1")
    assert not AuditEntry.objects.filter(action=Action.LOCKOUT_CLEARED).exists()


def test_an_account_that_is_not_locked_is_a_clear_error(staff, township, client_for):
    director = login(client_for(township), "director1")
    response = director.post("/admin/lockouts/", {"username": "clerk1"}, follow=True)
    assert "未被锁定" in response.content.decode()
    assert not AuditEntry.objects.filter(action=Action.LOCKOUT_CLEARED).exists()
