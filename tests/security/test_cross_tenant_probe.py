"""The cross-tenant probe (issue 7): every URL pattern of both urlconfs, its path parameters
filled with center A's identifiers, requested by everyone who is not center A (center B's
staff of each role and anonymous, on B's domain, on the city's, and with B's sessions on A's
own domain). No response may carry A's marker data, none may be a server error, and a
session of B never authenticates on A's domain."""

import io
import json
import zipfile
from urllib.parse import quote

import pytest
from django.conf import settings
from django.test import Client
from django_tenants.utils import schema_context

from tests.centers.cases.conftest import login
from tests.conftest import host

from .urlwalk import Filler, build_path, endpoints, is_ours

pytestmark = pytest.mark.django_db

# Patterns not requested, with the reason. Keep this short: everything else is probed.
SKIP = {
    "admin/logout/": "ends the session the remaining requests of the role use",
    "admin/failwhale/": "Wagtail's deliberate error page for testing error reporting (a 500)",
}
# Wagtail's own views (its page tree, images, documents, users, reports) are probed as
# anonymous and as the role with the most access there; the project's own views with every role.
FULL_ROLES = {"anonymous", "b-director", "b-supervisor"}
# Server errors that are answers, not failures.
EXPECTED_5XX = {"healthz": {503}}  # reports a missing dependency (no Celery beat in tests)
# Markers that may show on A's own domain to anyone (A's public portal lists its windows,
# matters and departments); personal data and case numbers never.
PRIVATE = ("applicant name", "applicant phone", "receipt number", "feedback text")


def _body(response) -> str:
    if getattr(response, "streaming", False):
        raw = b"".join(response.streaming_content)
    else:
        raw = response.content
    if raw[:2] == b"PK":  # an Excel export: look inside
        try:
            with zipfile.ZipFile(io.BytesIO(raw)) as archive:
                raw = b"".join(archive.read(name) for name in archive.namelist())
        except zipfile.BadZipFile:
            pass
    return raw.decode("utf-8", errors="replace")


def _leaks(body: str, path: str, markers: dict) -> list[str]:
    # The request's own path echoed back (a form's "next", a 404 message) is no leak, nor is a
    # value the request itself carries (the receipt number typed into /rate/<receipt>/).
    for echo in (path, quote(path), quote(path, safe="")):
        body = body.replace(echo, "")
    found = []
    for label, value in markers.items():
        if value in path:
            continue
        variants = {value, json.dumps(value)[1:-1]}
        if any(v and v in body for v in variants):
            found.append(label)
    return found


def _plan(urlconf: str, world):
    filler = Filler(world)
    plan = []
    for endpoint in endpoints(urlconf):
        if endpoint.route in SKIP:
            continue
        path = build_path(endpoint, filler)
        methods = ["get", "options"] if endpoint.route.startswith("api/v1/") else ["get"]
        plan.extend((endpoint.route, path, method, is_ours(endpoint)) for method in methods)
    return plan


def _request(client, method, path, host_name, session=None):
    if session is not None:
        # B's session cookie, set again before every request: A's domain drops an unknown one.
        client.cookies[settings.SESSION_COOKIE_NAME] = session
    return getattr(client, method)(path, HTTP_HOST=host_name)


def _clients(world, center, usernames):
    clients = {"anonymous": Client(raise_request_exception=False)}
    for username in usernames:
        client = Client(HTTP_HOST=host(center), raise_request_exception=False)
        login(client, username)
        clients[username] = client
    return clients


def _probe(plan, clients, host_name, markers, problems, *, expect_like=None):
    for route, path, method, ours in plan:
        baseline = None
        for role, client in clients.items():
            if not ours and role not in FULL_ROLES:
                continue
            session = None
            if expect_like is not None and role != "anonymous":
                session = expect_like[role]
            response = _request(client, method, path, host_name, session)
            where = f"{method.upper()} {path} [{route}] as {role} on {host_name}"
            if response.status_code >= 500 and response.status_code not in EXPECTED_5XX.get(
                route, ()
            ):
                problems.append(f"{where}: {response.status_code}")
                continue
            leaked = _leaks(_body(response), path, markers)
            if leaked:
                problems.append(f"{where}: shows {', '.join(leaked)}")
            if expect_like is not None:
                if role == "anonymous":
                    baseline = response.status_code
                elif response.status_code != baseline:
                    problems.append(
                        f"{where}: {response.status_code}, anonymous gets {baseline}"
                        " (B's session changed the answer)"
                    )


def test_patterns_are_computed_and_filled(world):
    """The walk finds the endpoints of every layer, and every path it builds resolves."""
    from django.urls import Resolver404, resolve

    problems = []
    for urlconf in (settings.ROOT_URLCONF, settings.PUBLIC_SCHEMA_URLCONF):
        plan = _plan(urlconf, world)
        routes = {route for route, *_ in plan}
        for route, path, *_ in plan:
            try:
                resolve(path, urlconf)
            except Resolver404:
                problems.append(f"{route} -> {path} does not resolve")
        assert "admin/" in routes and "api/schema/" in routes
        if urlconf == settings.ROOT_URLCONF:
            assert "api/v1/cases/<str:receipt>/" in routes  # an API view
            assert "api/v1/^windows/(?P<pk>[^/.]+)/$" in routes  # a DRF router route
            assert "admin/feedback/<int:pk>/" in routes  # a wagtail_hooks view
            assert "rate/<str:receipt>/" in routes  # a portal page
    assert not problems, "\n".join(problems)


def test_the_probe_sees_markers_where_they_belong(world):
    """A's own staff on A's domain do see A's markers through the same paths and checks, so
    a clean probe means the data was not shown, not that the probe was blind."""
    clients = _clients(world, world.a, ["window1"])
    plan = {route: path for route, path, *_ in _plan(settings.ROOT_URLCONF, world)}
    seen = set()
    for route in ("api/v1/^windows/$", "api/v1/cases/", "admin/cases/", "admin/feedback/"):
        response = clients["window1"].get(plan[route])
        assert response.status_code == 200, route
        seen.update(_leaks(_body(response), plan[route], world.markers))
    assert {"window name", "receipt number", "applicant name"} <= seen, seen


def test_center_b_sees_nothing_of_center_a(world):
    plan = _plan(settings.ROOT_URLCONF, world)
    clients = _clients(world, world.b, ["b-director", "b-window", "b-agent"])
    problems = []
    _probe(plan, clients, host(world.b), world.markers, problems)
    assert not problems, f"{len(problems)} problems:\n" + "\n".join(problems)


def test_city_domain_shows_nothing_of_center_a(world):
    plan = _plan(settings.PUBLIC_SCHEMA_URLCONF, world)
    clients = _clients(world, world.city, ["b-supervisor", "b-evaluator"])
    # And a session of B's director: users are per schema, so it is nobody here.
    clients.update(
        {"b-director (B's session)": _clients(world, world.b, ["b-director"])["b-director"]}
    )
    problems = []
    _probe(plan, clients, host(world.city), world.markers, problems)
    assert not problems, f"{len(problems)} problems:\n" + "\n".join(problems)


def test_sessions_of_center_b_do_not_authenticate_on_center_a(world):
    usernames = ["b-director", "b-window", "b-agent"]
    clients = _clients(world, world.b, usernames)
    cookie = settings.SESSION_COOKIE_NAME
    sessions = {name: clients[name].cookies[cookie].value for name in usernames}
    a_host = host(world.a)
    for name in usernames:
        # The same session is somebody on B's domain and nobody on A's.
        assert _request(clients[name], "get", "/api/v1/me/", host(world.b)).status_code == 200
        me = _request(clients[name], "get", "/api/v1/me/", a_host, sessions[name])
        assert me.status_code in (401, 403), (name, me.status_code)
        with schema_context(world.a.schema_name):
            from django.contrib.sessions.models import Session

            assert not Session.objects.filter(session_key=sessions[name]).exists()
    private = {label: world.markers[label] for label in PRIVATE}
    problems = []
    plan = _plan(settings.ROOT_URLCONF, world)
    _probe(plan, clients, a_host, private, problems, expect_like=sessions)
    assert not problems, f"{len(problems)} problems:\n" + "\n".join(problems)
