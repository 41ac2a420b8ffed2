"""django-axes: failed logins lock a username on its own domain only."""

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django_tenants.utils import schema_context

from tenants.audit.models import Action, AuditEntry
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def _fail(client, username, times):
    for _ in range(times):
        client.post("/admin/login/", {"username": username, "password": "Wrong-pass-2026!"})


def test_lockout_is_per_center(staff, township, other_township, client_for):
    client = client_for(township)
    _fail(client, "clerk1", settings.AXES_FAILURE_LIMIT)
    # The right password no longer helps on this domain: the lockout page, in Chinese (and
    # English), with 429.
    response = client.post("/admin/login/", {"username": "clerk1", "password": PASSWORD})
    assert response.status_code == 429
    assert "账号已锁定" in response.content.decode()
    assert "Account locked" in response.content.decode()
    # From another browser too: the username is locked.
    other_browser = client_for(township, HTTP_USER_AGENT="another browser")
    response = other_browser.post("/admin/login/", {"username": "clerk1", "password": PASSWORD})
    assert response.status_code == 429
    # The same username in another center is untouched.
    response = client_for(other_township).post(
        "/admin/login/", {"username": "clerk1", "password": PASSWORD}
    )
    assert response.status_code == 302
    with schema_context(township.schema_name):
        assert AccessAttempt.objects.filter(username="clerk1").exists()
    with schema_context(other_township.schema_name):
        assert not AccessAttempt.objects.exists()
    # Failed logins (the refused ones during the lockout included) are audited, per center.
    failed = AuditEntry.objects.filter(action=Action.LOGIN_FAILED, schema_name=township.schema_name)
    assert failed.count() == settings.AXES_FAILURE_LIMIT + 2
    assert AuditEntry.objects.filter(
        action=Action.LOCKED_OUT, schema_name=township.schema_name, actor_username="clerk1"
    ).exists()
    assert not AuditEntry.objects.filter(
        action=Action.LOGIN_FAILED, schema_name=other_township.schema_name
    ).exists()


def test_lockout_json_for_ajax(staff, township, client_for):
    client = client_for(township)
    _fail(client, "director1", settings.AXES_FAILURE_LIMIT)
    response = client.post(
        "/admin/login/",
        {"username": "director1", "password": PASSWORD},
        HTTP_X_REQUESTED_WITH="XMLHttpRequest",
    )
    assert response.status_code == 429
    assert response.json()["code"] == "locked_out"
    assert "锁定" in response.json()["detail"]


def test_below_the_limit_a_login_succeeds_and_resets(staff, township, client_for):
    client = client_for(township)
    _fail(client, "clerk1", settings.AXES_FAILURE_LIMIT - 1)
    assert (
        client.post("/admin/login/", {"username": "clerk1", "password": PASSWORD}).status_code
        == 302
    )
    with schema_context(township.schema_name):
        assert not AccessAttempt.objects.filter(
            username="clerk1", failures_since_start__gt=0
        ).exists()


def test_city_domain_lockout_does_not_touch_centers(city, staff, make_user, client_for, township):
    from tenants.accounts.models import Role

    make_user(city, "clerk1", Role.CITY_ADMIN)
    _fail(client_for(city), "clerk1", settings.AXES_FAILURE_LIMIT)
    response = client_for(city).post("/admin/login/", {"username": "clerk1", "password": PASSWORD})
    assert response.status_code == 429
    response = client_for(township).post(
        "/admin/login/", {"username": "clerk1", "password": PASSWORD}
    )
    assert response.status_code == 302
