"""The test database, built once per run and copied for each pytest-xdist worker.

Building it (migrating the public schema, migrating the template schema, the city, the spare
pool) takes about 50 s on a 2-core machine, and two workers building theirs at the same time
take longer each. So the xdist controller builds it once, before the workers start, as
``TEST_DATABASE_NAME`` itself (``python -m tests.database_template build``, a process of its
own so the controller keeps no connection to it), and each worker's ``django_db_setup`` makes
its copy with Django's own ``clone_test_db`` (``CREATE DATABASE … TEMPLATE``, about a second)
under the name pytest-django gives it (``<TEST_DATABASE_NAME>_gw<n>``). A run without xdist
(``-n 0``, ``-p no:xdist``) builds its database the usual way, in its first test.
"""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def populate() -> None:
    """What every test database holds beyond its migrations: the template schema the centers
    are cloned from, the city and the spare pool."""
    from django.conf import settings
    from django.db import connection

    from tenants.schemas import spare_schemas_fill, template_schema_ensure
    from tenants.services import city_ensure

    template_schema_ensure()
    city_ensure(name="沈阳市", division_code="210100000000")
    spare_schemas_fill(settings.CENTER_SPARE_SCHEMAS)
    connection.set_schema_to_public()


def build() -> str:
    """Create (over a leftover of an earlier run) and fill the test database; returns its
    name. Its connections are closed at the end: a template must have none."""
    import django

    django.setup()
    from django.db import connection
    from django.test.utils import setup_databases

    setup_databases(verbosity=0, interactive=False, aliases={"default"})
    populate()
    name = connection.settings_dict["NAME"]
    connection.close()
    return name


def _run(command: str) -> subprocess.CompletedProcess:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "cityplatform.settings.test",
        "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT / "platform"), str(ROOT)])),
    }
    env.pop("PYTEST_XDIST_WORKER", None)
    return subprocess.run(
        [sys.executable, "-m", "tests.database_template", command],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )


def build_in_a_process() -> str:
    """The controller's call: build in a child process, return the database's name."""
    done = _run("build")
    if done.returncode != 0:
        raise RuntimeError(f"building the test database failed:\n{done.stdout}{done.stderr}")
    return done.stdout.strip().splitlines()[-1]


def drop_in_a_process() -> None:
    _run("drop")


def drop() -> None:
    """Drop the built database (never the development one: the name must be a test name)."""
    import django

    django.setup()
    from django.conf import settings
    from django.db import connection

    name = settings.DATABASES["default"]["TEST"]["NAME"]
    if not name.startswith("test"):
        sys.exit(f"refusing to drop {name!r}: not a test database's name")
    connection.settings_dict["NAME"] = name
    connection.creation.destroy_test_db(verbosity=0)


def clone_for_worker(built: str, worker: str) -> str:
    """In a worker: copy the built database to ``<built>_<worker>``, the name pytest-django's
    xdist suffix gave this worker's test database, and point the connection at the copy;
    returns the copy's name."""
    from django.conf import settings
    from django.db import connection

    copy = settings.DATABASES["default"]["TEST"]["NAME"]
    if copy != f"{built}_{worker}":
        raise RuntimeError(f"worker {worker}'s test database is {copy!r}, not a copy of {built!r}")
    connection.close()
    connection.settings_dict["NAME"] = built
    connection.creation.clone_test_db(suffix=worker, verbosity=0, autoclobber=True)
    settings.DATABASES["default"]["NAME"] = copy
    connection.settings_dict["NAME"] = copy
    connection.close()
    return copy


if __name__ == "__main__":
    if sys.argv[1:] == ["build"]:
        print(build())
    elif sys.argv[1:] == ["drop"]:
        drop()
    else:
        sys.exit("usage: python -m tests.database_template build|drop")
