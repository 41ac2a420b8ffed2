"""Idle timeout and the most sessions a staff user keeps."""

import time

import pytest
from django.contrib.sessions.models import Session
from django_tenants.utils import schema_context

from tenants.accounts.models import UserSession
from tenants.accounts.sessions import LAST_ACTIVITY_KEY
from tenants.audit.models import Action, AuditEntry

from .conftest import login, session_of

pytestmark = pytest.mark.django_db


def _signed_in(client) -> bool:
    """Wagtail's dashboard answers 200 to a signed-in user and sends others to the login."""
    return client.get("/admin/").status_code == 200


def test_idle_session_ends(staff, township, client_for, settings):
    client = login(client_for(township), "clerk1")
    assert _signed_in(client)
    with session_of(client, township) as session:
        session[LAST_ACTIVITY_KEY] = int(time.time()) - settings.SESSION_IDLE_TIMEOUT - 5
    assert not _signed_in(client)
    logout = AuditEntry.objects.get(action=Action.LOGOUT, schema_name=township.schema_name)
    assert logout.actor_username == "clerk1"
    assert logout.detail == {"reason": "idle"}
    with schema_context(township.schema_name):
        assert not UserSession.objects.exists()


def test_activity_keeps_the_session_and_is_written_once_a_minute(staff, township, client_for):
    client = login(client_for(township), "clerk1")
    with session_of(client, township) as session:
        first = session[LAST_ACTIVITY_KEY]
    assert _signed_in(client)
    with session_of(client, township) as session:
        assert session[LAST_ACTIVITY_KEY] == first  # less than a minute: not written again
        session[LAST_ACTIVITY_KEY] = first - 120  # two minutes ago, well within the timeout
    assert _signed_in(client)
    with session_of(client, township) as session:
        assert session[LAST_ACTIVITY_KEY] >= first


def test_at_most_n_sessions_per_user(staff, township, other_township, client_for, settings):
    settings.MAX_SESSIONS_PER_USER = 2
    first, second, third = (login(client_for(township), "clerk1") for _ in range(3))
    assert not _signed_in(first)  # the oldest ended
    assert _signed_in(second) and _signed_in(third)
    with schema_context(township.schema_name):
        sessions = UserSession.objects.filter(user__username="clerk1")
        assert sessions.count() == 2
        assert (
            Session.objects.filter(
                session_key__in=sessions.values_list("session_key", flat=True)
            ).count()
            == 2
        )
        assert {s.ip for s in sessions} == {"127.0.0.0/24"}
    # The same username in another center keeps its own sessions.
    elsewhere = login(client_for(other_township), "clerk1")
    assert _signed_in(elsewhere) and _signed_in(second) and _signed_in(third)


def test_logout_forgets_the_session(staff, township, client_for):
    client = login(client_for(township), "director1")
    client.post("/admin/logout/")
    with schema_context(township.schema_name):
        assert not UserSession.objects.exists()
    assert AuditEntry.objects.filter(
        action=Action.LOGOUT, schema_name=township.schema_name, actor_username="director1"
    ).exists()
