"""The cross-tenant probe (issues 7 and 14): every URL pattern of both urlconfs (the API, the
portal, Wagtail's admin and every view a wagtail_hooks.py registers), its path parameters
filled with center A's identifiers (A's own rows and A's rows in the city's evaluation
tables), requested with every method its view accepts (GET, HEAD, POST, PUT, PATCH, DELETE;
OPTIONS on the API) by everyone who is not center A: center B's director, window staff and
village agent on B's domain (B lies in another district), district Y's supervisor and
evaluator on the city's domain, anonymous callers, and all of their sessions on A's own domain.

No response may carry A's markers (its residents' data, case numbers, feedback, scorecards,
evidence, appeals, rectification items, findings), none may be a server error, a session of
anyone else never authenticates on A's domain, and no request changes any of A's rows: the
tables of A's schema and A's rows in the public ones are checked after every request (see
victim.py) and as a whole at the end."""

import io
import json
import zipfile
from urllib.parse import quote, urlencode

import pytest
from django.conf import settings
from django.test import Client
from django_tenants.utils import schema_context

from tests.centers.cases.conftest import login
from tests.conftest import host

from .conftest import B_USERS, Y_USERS
from .urlwalk import (
    SAFE,
    Filler,
    accepted,
    build_path,
    endpoints,
    is_ours,
    methods,
    runs_other_handler,
)
from .victim import Victim

pytestmark = pytest.mark.django_db

# Patterns not requested, with the reason. Keep this short: everything else is probed.
SKIP = {
    "admin/logout/": "ends the session the remaining requests of the role use",
    "admin/failwhale/": "Wagtail's deliberate error page for testing error reporting (a 500)",
}
# Wagtail's own views (its page tree, images, documents, users, reports) are probed as
# anonymous and as the role with the most access there; the project's own views with every role.
FULL_ROLES = {"anonymous", "b-director", "y-supervisor"}
# Server errors that are answers, not failures.
EXPECTED_5XX = {
    "healthz": {503},  # reports a missing dependency (no Celery beat in tests)
    # Wagtail's own external-link chooser: a POST without its "url" field raises
    # AttributeError in URLOrAbsolutePathField.to_python (wagtail/admin/forms/choosers.py);
    # Wagtail's bug, shows nothing and writes nothing.
    "admin/choose-external-link/": {500},
}
# Markers that may show on A's own domain to anyone (A's public portal lists its windows,
# matters and departments); personal data, case numbers and evaluation rows never.
PUBLIC_ON_A = ("window name", "department name", "matter name")
# Answers that depend on how many requests came before (rate limits, lockouts), not on who
# sent them: not compared between anonymous and a foreign session.
COUNTED = {429}


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
        variants = {value, json.dumps(value)[1:-1], quote(value)}
        if any(v and v in body for v in variants):
            found.append(label)
    return found


def _plan(urlconf: str, world):
    """(route, path, method, ours) for every endpoint and method: reads first, then writes,
    then deletions (which may remove the prober's own rows that later requests would use)."""
    filler = Filler(world)
    plan = []
    for endpoint in endpoints(urlconf):
        if endpoint.route in SKIP:
            continue
        path = build_path(endpoint, filler)
        ours = is_ours(endpoint)
        plan.extend((endpoint.route, path, method, ours) for method in methods(endpoint))

    def order(step):
        route, _path, method, _ours = step
        if method in SAFE:
            return 0
        return 2 if method == "delete" or "delete" in route else 1

    return sorted(plan, key=order)


# What every write carries: the fields the project's action forms and API steps ask for most
# (a reason, a note, a reply, a decision, a confirmation), so that a view that checks
# permission only after its form is valid is reached too. Unknown fields are ignored.
WRITE_FIELDS = {
    "reason": "探针乙写入理由说明", "reasons": "探针乙写入理由说明", "note": "探针乙备注",
    "text": "探针乙答复内容", "answer": "探针乙答复内容", "comment": "探针乙意见",
    "outcome": "探针乙回访结果", "report": "探针乙整改报告", "decision": "approve",
    "approve": "1", "confirm": "1", "action": "approve",
}  # fmt: skip


def _request(client, method, path, host_name, session=None):
    if session is not None:
        # The foreign session cookie, set again before every request: A's domain drops it.
        client.cookies[settings.SESSION_COOKIE_NAME] = session
    call = getattr(client, method)
    if method in SAFE:
        return call(path, HTTP_HOST=host_name)
    if path.startswith("/api/"):
        return call(path, data=WRITE_FIELDS, content_type="application/json", HTTP_HOST=host_name)
    if method == "post":
        return call(path, WRITE_FIELDS, HTTP_HOST=host_name)
    return call(
        path,
        data=urlencode(WRITE_FIELDS),
        content_type="application/x-www-form-urlencoded",
        HTTP_HOST=host_name,
    )


def _logged_in(center, usernames) -> dict:
    clients = {}
    for username in usernames:
        client = Client(HTTP_HOST=host(center), raise_request_exception=False)
        login(client, username)
        clients[username] = client
    return clients


def _anonymous():
    return {"anonymous": Client(raise_request_exception=False)}


class Probe:
    """Requests and what they showed or changed; problems collected, not raised, so one run
    lists every finding."""

    def __init__(self, world, host_name, markers):
        self.world = world
        self.host_name = host_name
        self.markers = markers
        self.victim = Victim(world.a)
        self.start = dict(self.victim.sums)
        self.problems: list[str] = []

    def send(self, role, client, step, session=None):
        route, path, method, _ours = step
        response = _request(client, method, path, self.host_name, session)
        where = f"{method.upper()} {path} [{route}] as {role} on {self.host_name}"
        if response.status_code >= 500 and response.status_code not in EXPECTED_5XX.get(route, ()):
            self.problems.append(f"{where}: {response.status_code}")
        leaked = _leaks(_body(response), path, self.markers)
        if leaked:
            self.problems.append(f"{where}: shows {', '.join(leaked)}")
        changed = self.victim.changes()
        if changed:
            self.problems.append(f"{where}: changed center A's {', '.join(changed)}")
        return response

    def walk(self, plan, role, client):
        for step in plan:
            if step[3] or role in FULL_ROLES:
                self.send(role, client, step)

    def walk_like_anonymous(self, plan, clients, sessions):
        """Route by route: anonymous first, then each foreign session, which must get the
        same answer (it is nobody on A's domain)."""
        for step in plan:
            baseline = None
            for role, client in clients.items():
                if not step[3] and role not in FULL_ROLES:
                    continue
                response = self.send(role, client, step, sessions.get(role))
                status = response.status_code
                if role == "anonymous":
                    baseline = status
                elif status != baseline and not {status, baseline} & COUNTED:
                    route, path, method, _ours = step
                    self.problems.append(
                        f"{method.upper()} {path} [{route}] as {role} on {self.host_name}:"
                        f" {status}, anonymous gets {baseline} (the foreign session counted)"
                    )

    def still_signed_in(self, role, client, center, session=None):
        """The role's session still works on its own domain: the walk was not blind after
        some request of its own ended it (and a foreign domain did not end it either)."""
        if session is not None:  # A's domain told the client to drop the cookie; not B's
            client.cookies[settings.SESSION_COOKIE_NAME] = session
        response = client.get("/api/v1/me/", HTTP_HOST=host(center))
        if response.status_code != 200:
            self.problems.append(f"{role} was signed out during the walk ({response.status_code})")

    def finish(self):
        changed = self.victim.changes_since_start(self.start)
        if changed:
            self.problems.append(f"center A's data changed during the walk: {', '.join(changed)}")
        assert not self.problems, f"{len(self.problems)} problems:\n" + "\n".join(self.problems)


def test_patterns_are_computed_and_filled(world):
    """The walk finds the endpoints of every layer with the methods their views accept, and
    every path it builds resolves."""
    from django.urls import Resolver404, resolve

    problems = []
    for urlconf in (settings.ROOT_URLCONF, settings.PUBLIC_SCHEMA_URLCONF):
        plan = _plan(urlconf, world)
        steps = {(route, method): ours for route, _path, method, ours in plan}
        for route, path, *_ in plan:
            try:
                resolve(path, urlconf)
            except Resolver404:
                problems.append(f"{route} -> {path} does not resolve")
        assert ("admin/", "get") in steps and ("api/schema/", "get") in steps
        # Evaluation views, registered through wagtail_hooks, are the project's own.
        assert steps[("admin/evaluation/scorecards/<int:pk>/", "post")] is True
        assert steps[("admin/rectifications/<int:pk>/", "post")] is True
        assert steps[("admin/supervision/alerts/", "get")] is True
        if urlconf == settings.ROOT_URLCONF:
            assert ("api/v1/cases/<str:receipt>/", "get") in steps  # an API view
            assert ("api/v1/cases/<str:receipt>/close/", "post") in steps
            assert ("api/v1/cases/<str:receipt>/close/", "get") not in steps  # POST only
            for method in ("get", "put", "patch", "delete", "options"):
                assert ("api/v1/^windows/(?P<pk>[^/.]+)/$", method) in steps  # DRF router
            assert ("admin/feedback/<int:pk>/", "get") in steps  # a wagtail_hooks view
            assert ("admin/feedback/<int:pk>/close/", "post") in steps
            for method in ("get", "head", "post", "put", "patch", "delete"):
                assert ("rate/<str:receipt>/", method) in steps  # a function view: all
        else:
            assert ("ratings/", "get") in steps
        # HEAD of a class-based view is its get(), sent once as GET; every accepted method is
        # sent or runs the handler of one that is.
        for endpoint in endpoints(urlconf):
            if endpoint.route in SKIP:
                continue
            sent = set(methods(endpoint))
            for method in accepted(endpoint):
                assert method in sent or runs_other_handler(endpoint, method), (endpoint, method)
    assert not problems, "\n".join(problems)


def test_filled_paths_point_at_center_a_rows(world):
    """Path parameters of the evaluation screens are A's rows, so a refusal is a refusal of
    A's row and not of a row that does not exist."""
    from evaluation.scoring.models import Scorecard

    plan = {route: path for route, path, *_ in _plan(settings.PUBLIC_SCHEMA_URLCONF, world)}
    card = Scorecard.objects.get(pk=world.ids[Scorecard])
    assert card.center_id == world.a.pk
    scorecard_path = plan["admin/evaluation/scorecards/<int:pk>/"]
    assert scorecard_path == f"/admin/evaluation/scorecards/{card.pk}/"
    assert plan["admin/conduct/<int:pk>/centers/<int:center_id>/"].endswith(f"/{world.a.pk}/")


def test_the_probe_sees_markers_where_they_belong(world):
    """A's own staff on A's domain and the city's administrator on the city's domain do see
    A's markers through the same paths and checks, so a clean probe means the data was not
    shown, not that the probe was blind."""
    seen = set()
    clerk = _logged_in(world.a, ["window1"])["window1"]
    plan = {route: path for route, path, *_ in _plan(settings.ROOT_URLCONF, world)}
    for route in ("api/v1/^windows/$", "api/v1/cases/", "admin/cases/", "admin/feedback/"):
        response = clerk.get(plan[route])
        assert response.status_code == 200, route
        seen.update(_leaks(_body(response), plan[route], world.markers))
    assert {"window name", "receipt number", "applicant name", "feedback text"} <= seen, seen

    admin = _logged_in(world.city, ["city-admin"])["city-admin"]
    plan = {route: path for route, path, *_ in _plan(settings.PUBLIC_SCHEMA_URLCONF, world)}
    seen = set()
    for route in (
        "admin/evaluation/scorecards/<int:pk>/",
        "admin/evaluation/appeals/<int:pk>/",
        "admin/rectifications/",
        "admin/rectifications/<int:pk>/",
        "admin/supervision/alerts/",
        "admin/conduct/evaluations/<int:pk>/",
    ):
        response = admin.get(plan[route])
        assert response.status_code == 200, route
        seen.update(_leaks(_body(response), plan[route], world.markers))
    expected = {"scorecard comment", "item score comment", "evidence photo name",
                "score appeal reasons", "rating reasons", "rating appeal reasons",
                "receipt number", "conduct finding"}  # fmt: skip
    assert expected <= seen, seen


def test_the_probe_notices_a_change_to_center_a(world):
    """A's own director deleting A's marker window through the API is seen as a change of A's
    schema: the check after every request is not blind either."""
    from centers.workspace.models import Window

    director = _logged_in(world.a, ["admin"])["admin"]
    with schema_context(world.a.schema_name):
        window = Window.objects.get(name=world.markers["window name"])
    probe = Probe(world, host(world.a), {})
    path = f"/api/v1/windows/{window.pk}/"
    probe.send("A's director", director, ("api/v1/windows/", path, "delete", True))
    assert any("changed center A's" in p and "workspace_window" in p for p in probe.problems), (
        probe.problems
    )
    with pytest.raises(AssertionError, match="data changed during the walk"):
        probe.finish()


def test_center_b_sees_and_changes_nothing_of_center_a(world):
    """B's domain, as anonymous and as each of B's roles (the director last: its deletions may
    remove B's other users)."""
    plan = _plan(settings.ROOT_URLCONF, world)
    probe = Probe(world, host(world.b), world.markers)
    clients = {**_anonymous(), **_logged_in(world.b, ["b-agent", "b-window", "b-director"])}
    assert set(B_USERS) <= set(clients)
    for role, client in clients.items():
        probe.walk(plan, role, client)
        if role != "anonymous":
            probe.still_signed_in(role, client, world.b)
    probe.finish()


def test_district_y_on_the_city_domain_sees_and_changes_nothing_of_center_a(world):
    """The city's domain, as anonymous, as B's director's session (users are per schema: it is
    nobody here) and as district Y's evaluator and supervisor, who cover only district Y."""
    plan = _plan(settings.PUBLIC_SCHEMA_URLCONF, world)
    probe = Probe(world, host(world.city), world.markers)
    clients = _anonymous()
    b_director = _logged_in(world.b, ["b-director"])["b-director"]
    clients["b-director (B's session)"] = b_director
    clients.update(_logged_in(world.city, ["y-evaluator", "y-supervisor"]))
    assert set(Y_USERS) <= set(clients)
    for role, client in clients.items():
        probe.walk(plan, role, client)
    for role in Y_USERS:
        probe.still_signed_in(role, clients[role], world.city)
    probe.finish()


def test_foreign_sessions_do_not_authenticate_on_center_a(world):
    """Sessions of B's staff, district Y's staff and the city's administrator are nobody on
    A's domain: every request with them gets what anonymous gets, and no private marker."""
    b_clients = _logged_in(world.b, list(B_USERS))
    city_clients = _logged_in(world.city, [*Y_USERS, "city-admin"])
    cookie = settings.SESSION_COOKIE_NAME
    sessions = {
        name: client.cookies[cookie].value for name, client in {**b_clients, **city_clients}.items()
    }
    a_host = host(world.a)
    for name, client in {**b_clients, **city_clients}.items():
        me = _request(client, "get", "/api/v1/me/", a_host, sessions[name])
        assert me.status_code in (401, 403), (name, me.status_code)
        with schema_context(world.a.schema_name):
            from django.contrib.sessions.models import Session

            assert not Session.objects.filter(session_key=sessions[name]).exists()
    private = {k: v for k, v in world.markers.items() if k not in PUBLIC_ON_A}
    probe = Probe(world, a_host, private)
    clients = {**_anonymous(), **b_clients, **city_clients}
    probe.walk_like_anonymous(_plan(settings.ROOT_URLCONF, world), clients, sessions)
    for name, client in b_clients.items():
        probe.still_signed_in(name, client, world.b, sessions[name])
    for name, client in city_clients.items():
        probe.still_signed_in(name, client, world.city, sessions[name])
    probe.finish()
