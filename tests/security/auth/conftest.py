"""Fixtures of the login, session, re-authentication and audit tests."""

import contextlib

import pytest
from django_tenants.utils import schema_context

from tenants.accounts.models import Role
from tests.conftest import PASSWORD


def login(client, username, password=PASSWORD):
    response = client.post("/admin/login/", {"username": username, "password": password})
    assert response.status_code == 302, response.content[:500]
    return client


@pytest.fixture
def staff(township, other_township, make_user):
    """A director and a window clerk in each of two townships; the same usernames in both."""
    users = {}
    for center in (township, other_township):
        users[(center.slug, "director")] = make_user(center, "director1", Role.CENTER_DIRECTOR)
        users[(center.slug, "clerk")] = make_user(center, "clerk1", Role.WINDOW_STAFF)
    return users


@contextlib.contextmanager
def session_of(client, center):
    """The client's session, read and written in the center's schema (where it lives)."""
    with schema_context(center.schema_name):
        session = client.session
        yield session
        session.save()
