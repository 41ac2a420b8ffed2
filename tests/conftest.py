"""Test setup: the real PostgreSQL (a test database with the city, the template schema and a
spare pool) and the real Redis (its own database number, cleared around each test)."""

from contextlib import contextmanager

import pytest
from django.conf import settings
from django.core.cache import cache
from django.db import connection, transaction
from django_tenants.utils import schema_context

from tenants.accounts.models import Role
from tenants.accounts.services import staff_user_create
from tests import database_template
from tests.history_rows import history_rows_delete

PASSWORD = "Test-pass-2026!"


def pytest_collection_modifyitems(config, items):
    """Under pytest-xdist (`--dist loadgroup`, as scripts/test.sh runs it) the tests of a module
    that share a module-scoped fixture (a committed center, a browser, the fault stack) run on
    one worker, so the fixture is set up once; the fault tests, which start a PostgreSQL
    cluster, gunicorn and Celery of their own and time what they break, all on the same one,
    one module after the other. The other tests go to whichever worker is free."""
    for item in items:
        if item.nodeid.startswith("tests/faults/"):
            item.add_marker(pytest.mark.xdist_group("faults"))
            continue
        fixtures = getattr(item, "_fixtureinfo", None)
        if fixtures is None:
            continue
        if any(
            defs[-1].scope in ("module", "package") for defs in fixtures.name2fixturedefs.values()
        ):
            item.add_marker(pytest.mark.xdist_group(item.module.__name__))


def _builds_once(config) -> bool:
    """An xdist controller with workers to come, creating its databases afresh."""
    return (
        getattr(config, "workerinput", None) is None
        and bool(getattr(config.option, "numprocesses", 0))
        and not getattr(config.option, "reuse_db", False)
    )


def pytest_configure(config):
    if _builds_once(config):
        config.test_database_built = database_template.build_in_a_process()


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node):
    """xdist: tell each worker the database to copy."""
    built = getattr(node.config, "test_database_built", None)
    if built:
        node.workerinput["test_database_built"] = built


def pytest_unconfigure(config):
    if getattr(config, "test_database_built", None):
        database_template.drop_in_a_process()


@pytest.fixture(scope="session")
def django_db_setup(request, django_test_environment, django_db_blocker, django_db_keepdb,
                    django_db_createdb, django_db_modify_db_settings):  # fmt: skip
    """The test database with the city, the template schema and the spare pool: a worker's
    copy of the one the xdist controller built (tests/database_template.py), or, in a run
    without workers, built here."""
    from django.test.utils import setup_databases, teardown_databases

    workerinput = getattr(request.config, "workerinput", {})
    built = workerinput.get("test_database_built")
    keepdb = django_db_keepdb and not django_db_createdb
    with django_db_blocker.unblock():
        if built:
            original = connection.settings_dict["NAME"]
            database_template.clone_for_worker(built, workerinput["workerid"])
        else:
            db_cfg = setup_databases(verbosity=0, interactive=False, keepdb=keepdb)
            database_template.populate()
    yield
    with django_db_blocker.unblock():
        if built:
            connection.creation.destroy_test_db(original, verbosity=0)
        elif not keepdb:
            teardown_databases(db_cfg, verbosity=0)


@pytest.fixture(autouse=True)
def _clean_cache_and_schema():
    from catalog_cms.standards.selectors import city_brand_forget

    cache.clear()
    city_brand_forget()  # the process's copy of the brand (a test rolls its brand back)
    yield
    cache.clear()
    city_brand_forget()
    connection.set_schema_to_public()
    # Tests create and roll back schemas; a PostgreSQL backend that has seen hundreds of them
    # keeps their catalog entries cached and slows down (its memory grows past 800 MB over
    # the suite). A fresh connection per test costs a few milliseconds.
    if not connection.in_atomic_block:
        connection.close()


@pytest.fixture
def city(db):
    from tenants.models import Center

    return Center.objects.get(schema_name="public")


@pytest.fixture
def make_center(db):
    """Provision a center inside the test's transaction (rolled back with it)."""
    from tenants.services import center_create

    def make(slug, *, kind="township", code=None, name=None, parent=None):
        return center_create(
            kind=kind,
            division_code=code,
            name=name or slug,
            slug=slug,
            parent_slug=parent,
            actor="test",
            admin_password=PASSWORD,
        ).center

    return make


@pytest.fixture
def district(make_center):
    return make_center("shenbei", kind="district", code="210113000000", name="沈北新区")


@pytest.fixture
def township(make_center, district):
    return make_center(
        "qingshuitai", kind="township", code="210113105000", name="清水台镇", parent="shenbei"
    )


@pytest.fixture
def other_township(make_center, district):
    return make_center(
        "hushitai", kind="street", code="210113002000", name="虎石台街道", parent="shenbei"
    )


@pytest.fixture
def make_user():
    def make(center, username, role, **extra):
        with schema_context(center.schema_name):
            return staff_user_create(username=username, password=PASSWORD, role=role, **extra)

    return make


@pytest.fixture
def city_admin(city, make_user):
    return make_user(city, "city-admin", Role.CITY_ADMIN)


def host(center) -> str:
    return center.domains.get(is_primary=True).domain


@pytest.fixture
def client_for():
    """A test client whose requests go to a center's (or the city's) domain."""
    from django.test import Client

    def make(center, **kwargs):
        return Client(HTTP_HOST=host(center), **kwargs)

    return make


def _require_test_database() -> None:
    """Session fixtures that commit for real must never reach the development database:
    pytest-django switches to the test database only once a test of the run is marked
    django_db."""
    name = connection.settings_dict["NAME"]
    if name != settings.DATABASES["default"]["TEST"]["NAME"]:
        pytest.fail(f"refusing to commit into {name!r}: mark the test django_db")


def _test_database_env() -> dict:
    import os

    _require_test_database()
    db = connection.settings_dict
    url = f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
    return {
        **os.environ,
        "DATABASE_URL": url,
        "DJANGO_SETTINGS_MODULE": "cityplatform.settings.test",
        "PYTHONPATH": "platform",
    }


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def gunicorn_serving(env: dict):
    """The project served by a real gunicorn (one worker) with the environment `env`; its
    URL, and the server stopped at the end."""
    import subprocess
    import sys
    import time
    import urllib.request
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    port = _free_port()
    proc = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "gunicorn"),
            "--chdir", str(root), "--pythonpath", "platform",
            "--bind", f"127.0.0.1:{port}", "--workers", "1",
            "cityplatform.wsgi:application",
        ],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(
                urllib.request.Request(f"{url}/livez", headers={"Host": "localhost"}), timeout=2
            )
            break
        except OSError:
            time.sleep(0.3)
    else:
        proc.kill()
        pytest.fail("gunicorn did not start")
    try:
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=10)


@pytest.fixture(scope="session")
def live_gunicorn(django_db_setup, django_db_blocker):
    """The project served by a real gunicorn against the test database."""
    with django_db_blocker.unblock():
        env = _test_database_env()
    with gunicorn_serving(env) as url:
        yield url


@pytest.fixture(scope="session")
def celery_worker_process(django_db_setup, django_db_blocker):
    """A real Celery worker (solo pool) on the test broker and the test database."""
    import subprocess
    import sys
    import time
    from pathlib import Path

    from cityplatform.celery import app

    root = Path(__file__).resolve().parent.parent
    with django_db_blocker.unblock():
        env = _test_database_env()
    app.control.purge()
    proc = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "celery"), "-A", "cityplatform",
            "worker", "--pool", "solo", "--loglevel", "WARNING",
            "--hostname", f"test-{time.time_ns()}@localhost",
        ],
        cwd=root, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if app.control.ping(timeout=0.5):
            break
        if proc.poll() is not None:
            pytest.fail("the Celery worker exited")
    else:
        proc.kill()
        pytest.fail("the Celery worker did not start")
    yield proc
    proc.terminate()
    proc.wait(timeout=20)


@pytest.fixture(scope="module")
def committed_center(django_db_setup, django_db_blocker):
    """A center committed for real, for tests where another process (a worker, gunicorn) must
    see it; dropped after the module, and the spare pool it took from filled again, so that no
    other test sees it."""
    from tenants.models import Center, CenterAuditEvent
    from tenants.schemas import drop_schema, spare_schemas_fill
    from tenants.services import center_create

    with django_db_blocker.unblock():
        _require_test_database()
        center = center_create(
            kind="district", division_code="210114000000", name="于洪区", slug="yuhong",
            admin_password=PASSWORD,
        ).center  # fmt: skip
        yield center
        connection.set_schema_to_public()
        history_rows_delete(CenterAuditEvent.objects.filter(center=center))
        _public_evaluation_rows_delete(center)
        center.domains.all().delete()
        Center.objects.filter(pk=center.pk).delete()
        drop_schema(center.schema_name)
        spare_schemas_fill(settings.CENTER_SPARE_SCHEMAS)
        cache.clear()


def _public_evaluation_rows_delete(center) -> None:
    """What the center's real processes left in the public evaluation tables (a resident's 差评
    in a browser test opens a rectification item; a scan raises alerts), children first; the
    append-only history through history_rows_delete."""
    from evaluation.metrics.models import CenterDailySnapshot
    from evaluation.rectification.models import RatingAppeal, Rectification, RectificationEvent
    from evaluation.supervision.models import Alert, AlertNotice

    history_rows_delete(RectificationEvent.objects.filter(rectification__center=center))
    with transaction.atomic():
        RatingAppeal.objects.filter(rectification__center=center).delete()
        Rectification.objects.filter(center=center).delete()
        AlertNotice.objects.filter(alert__center=center).delete()
        Alert.objects.filter(center=center).delete()
        CenterDailySnapshot.objects.filter(center=center).delete()


@pytest.fixture
def private_root(settings, tmp_path_factory):
    """Private files (scans, notices, evidence) go to a temporary folder of their own, apart
    from the media folder."""
    folder = tmp_path_factory.mktemp("private")
    settings.PRIVATE_ROOT = str(folder)
    return folder


@pytest.fixture
def media_root(settings, tmp_path, private_root):
    """Uploads go to a temporary folder (and private files to another). django-tenants'
    storage caches the media root it saw first and does not drop it when MEDIA_ROOT changes,
    so drop it here, both ways."""
    from django.core.files.storage import storages

    storages["default"].__dict__.pop("relative_media_root", None)
    settings.MEDIA_ROOT = str(tmp_path)
    yield tmp_path
    storages["default"].__dict__.pop("relative_media_root", None)
