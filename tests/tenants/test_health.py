import time

import pytest
from django.test import override_settings
from django_tenants.utils import schema_context

from tenants.health.services import heartbeat_record
from tenants.health.tasks import dispatch_heartbeats, heartbeat
from tenants.models import Center
from tests.prerequisites import require_command

pytestmark = pytest.mark.django_db


@pytest.fixture
def client_for(client_for, settings):
    """/healthz's details for monitoring: every request carries the health token."""

    def make(center, **kwargs):
        return client_for(center, HTTP_X_HEALTHZ_TOKEN=settings.HEALTHZ_TOKEN, **kwargs)

    return make


@pytest.fixture
def anonymous_for():
    from django.test import Client

    from tests.conftest import host

    return lambda center: Client(HTTP_HOST=host(center))


def test_healthz_ok_on_city_and_center(township, client_for, city):
    heartbeat_record()
    with schema_context(township.schema_name):
        heartbeat_record()
    for center in (city, township):
        response = client_for(center).get("/healthz")
        assert response.status_code == 200, response.json()
        body = response.json()
        assert body["status"] == "ok"
        assert body["schema"] == center.schema_name
        assert set(body["checks"]) == {"database", "redis", "migrations", "heartbeat"}


def test_anonymous_callers_learn_only_healthy_or_not(township, city, anonymous_for):
    heartbeat_record()
    with schema_context(township.schema_name):
        heartbeat_record()
    for center in (city, township):
        response = anonymous_for(center).get("/healthz")
        assert response.status_code == 200
        assert response.content == b'{"status": "ok"}'
    with override_settings(REDIS_URL="redis://127.0.0.1:1/0"):
        response = anonymous_for(township).get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"status": "unhealthy"}
    assert (
        b"python" not in response.content and township.schema_name.encode() not in response.content
    )


def test_a_wrong_or_empty_token_shows_no_details(township, anonymous_for, settings):
    with schema_context(township.schema_name):
        heartbeat_record()
    wrong = anonymous_for(township).get("/healthz", HTTP_X_HEALTHZ_TOKEN="guess")
    assert wrong.json() == {"status": "ok"}
    settings.HEALTHZ_TOKEN = ""
    empty = anonymous_for(township).get("/healthz", HTTP_X_HEALTHZ_TOKEN="")
    assert empty.json() == {"status": "ok"}


def test_staff_of_the_domain_see_the_details(
    township, other_township, city, anonymous_for, make_user
):
    from tenants.accounts.models import Role

    with schema_context(township.schema_name):
        heartbeat_record()
    from tests.centers.workspace.test_api import login

    make_user(township, "health-clerk", Role.WINDOW_STAFF)
    client = login(anonymous_for(township), "health-clerk")
    body = client.get("/healthz").json()
    assert body["schema"] == township.schema_name
    assert body["checks"]["heartbeat"]["ok"] is True
    # Another center's director, logged in on their own domain, sees nothing more here.
    make_user(other_township, "health-director", Role.CENTER_DIRECTOR)
    other = login(anonymous_for(other_township), "health-director")
    foreign = anonymous_for(township)
    foreign.cookies["sessionid"] = other.cookies["sessionid"].value
    assert foreign.get("/healthz").json() == {"status": "ok"}


def test_healthz_503_when_redis_is_down(city, client_for):
    heartbeat_record()
    with override_settings(REDIS_URL="redis://127.0.0.1:1/0"):
        response = client_for(city).get("/healthz")
    assert response.status_code == 503
    assert response.json()["checks"]["redis"]["ok"] is False
    assert response.json()["checks"]["database"]["ok"] is True


def test_healthz_503_when_heartbeat_is_stale(city, client_for):
    heartbeat_record()
    with override_settings(HEARTBEAT_INTERVAL_SECONDS=0):
        time.sleep(0.01)
        response = client_for(city).get("/healthz")
    assert response.status_code == 503
    assert response.json()["checks"]["heartbeat"]["ok"] is False


def test_new_center_waits_for_its_first_heartbeat(township, client_for):
    body = client_for(township).get("/healthz").json()
    assert body["checks"]["heartbeat"]["waiting_for_first_run"] is True


def test_healthz_reports_pending_migrations(township, client_for):
    from django.db import connection

    with schema_context(township.schema_name):
        heartbeat_record()
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM django_migrations WHERE app = 'portal'")
    response = client_for(township).get("/healthz")
    assert response.status_code == 503
    assert response.json()["checks"]["migrations"]["pending"] >= 1


def test_dispatch_sends_one_heartbeat_per_active_center(township, other_township, monkeypatch):
    sent = []
    monkeypatch.setattr(
        heartbeat, "apply_async",
        lambda **kw: sent.append((__import__("django.db").db.connection.schema_name, kw)),
    )  # fmt: skip
    from tenants import services

    services.center_suspend(center=other_township, actor="test")
    assert dispatch_heartbeats() == 2  # the district and the township; not the suspended one
    schemas = [schema for schema, _ in sent]
    assert sorted(schemas) == ["qingshuitai", "shenbei"]
    assert len({kw["countdown"] for _, kw in sent}) == 2, "spread over the interval"


def test_heartbeat_runs_in_the_sending_tenants_schema_in_a_real_worker(
    celery_worker_process, committed_center
):
    from tenants.health.models import Heartbeat

    with schema_context(committed_center.schema_name):
        heartbeat.delay()
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        with schema_context(committed_center.schema_name):
            if Heartbeat.objects.filter(name="beat").exists():
                break
        time.sleep(0.3)
    else:
        pytest.fail("the worker did not record the heartbeat in the center's schema")
    assert Center.objects.filter(schema_name=committed_center.schema_name).exists()


class OwnRedis:
    """A redis-server of the test's own on a free port, stopped and started again at will (the
    Redis every other test and suite shares is never touched)."""

    def __init__(self, folder):
        from tests.conftest import _free_port

        self.command = require_command("redis-server", "redis-server is not installed")
        self.folder = folder
        self.port = _free_port()
        self.proc = None

    def ping(self) -> bool:
        import socket

        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=1) as sock:
                sock.sendall(b"PING\r\n")
                return sock.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def start(self) -> None:
        import subprocess

        self.proc = subprocess.Popen(
            [self.command, "--port", str(self.port), "--bind", "127.0.0.1", "--dir",
             str(self.folder), "--save", "", "--appendonly", "no", "--daemonize", "no"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        deadline = time.monotonic() + 15
        while not self.ping():
            if time.monotonic() > deadline:
                pytest.fail("redis-server did not start")
            time.sleep(0.1)

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.terminate()
            self.proc.wait(timeout=15)
            self.proc = None


@pytest.fixture
def gunicorn_on_own_redis(django_db_setup, django_db_blocker, tmp_path):
    """gunicorn against the test database and a Redis of its own; (its URL, that Redis)."""
    from tests.conftest import _test_database_env, gunicorn_serving

    redis = OwnRedis(tmp_path)
    redis.start()
    with django_db_blocker.unblock():
        env = _test_database_env() | {"REDIS_URL": f"redis://127.0.0.1:{redis.port}/0"}
    try:
        with gunicorn_serving(env) as url:
            yield url, redis
    finally:
        redis.stop()


def test_healthz_reports_a_real_redis_outage_and_the_site_keeps_serving(gunicorn_on_own_redis):
    import json
    import urllib.error
    import urllib.request

    live_gunicorn, redis = gunicorn_on_own_redis

    def get(path):
        from django.conf import settings

        headers = {"Host": "localhost", "X-Healthz-Token": settings.HEALTHZ_TOKEN}
        request = urllib.request.Request(f"{live_gunicorn}{path}", headers=headers)
        try:
            response = urllib.request.urlopen(request, timeout=10)
            return response.status, response.read()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read()

    redis.stop()
    try:
        status, body = get("/healthz")
        assert status == 503
        assert json.loads(body)["checks"]["redis"]["ok"] is False
        assert get("/")[0] == 200, "pages keep working with the cache down"
    finally:
        redis.start()
    status, body = get("/healthz")
    assert json.loads(body)["checks"]["redis"]["ok"] is True
