"""The commands as an operator runs them: separate processes, on a committed center, so the
snapshot read, the commit of a restore and the media moved into place after it are real."""

import subprocess
import sys
from pathlib import Path

import psycopg2
import pytest
from django.conf import settings
from django.core.cache import cache
from django.db import connection

from tests.conftest import _test_database_env
from tests.history_rows import history_rows_delete

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parent.parent.parent
COPY_SLUG = "yuhong-copy"
COPY_CODE = "210115000000"
DIFFERING = {"wagtailcore_site": {"hostname"}}


@pytest.fixture(scope="module")
def media(tmp_path_factory):
    return tmp_path_factory.mktemp("committed-media")


@pytest.fixture(scope="module")
def copy_dropped(committed_center, django_db_blocker):
    """Whatever the test restores as a new center is dropped after the module."""
    yield
    from tenants.models import Center, CenterAuditEvent
    from tenants.schemas import drop_schema, spare_schemas_fill

    with django_db_blocker.unblock():
        connection.set_schema_to_public()
        for center in Center.objects.filter(slug=COPY_SLUG):
            history_rows_delete(CenterAuditEvent.objects.filter(center=center))
            center.domains.all().delete()
            center.delete()
            drop_schema(center.schema_name)
        history_rows_delete(
            CenterAuditEvent.objects.filter(center=committed_center, action="restored_over")
        )
        spare_schemas_fill(settings.CENTER_SPARE_SCHEMAS)
        cache.clear()


def manage(media, *args, stdin=None):
    env = _test_database_env() | {"DJANGO_MEDIA_ROOT": str(media)}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT, env=env, input=stdin, capture_output=True, text=True, timeout=300,
    )  # fmt: skip


def query(sql, params=None):
    """On a connection of its own, committed data only (the test's own transaction must not
    hold locks the restore's TRUNCATE waits for)."""
    db = connection.settings_dict
    conn = psycopg2.connect(
        dbname=db["NAME"], user=db["USER"], password=db["PASSWORD"], host=db["HOST"],
        port=db["PORT"],
    )  # fmt: skip
    conn.autocommit = True
    try:
        with conn.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall()
    finally:
        conn.close()


def schema_rows(schema):
    columns = query(
        "SELECT c.relname, a.attname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped "
        "WHERE n.nspname = %s AND c.relkind = 'r' ORDER BY c.relname, a.attnum",
        [schema],
    )
    tables = {}
    for table, column in columns:
        if column not in DIFFERING.get(table, ()):
            tables.setdefault(table, []).append(f'"{column}"')
    return {
        table: sorted(query(f'SELECT {", ".join(cols)} FROM "{schema}"."{table}"'), key=repr)
        for table, cols in tables.items()
    }


def files(folder: Path) -> dict:
    return {
        f.relative_to(folder).as_posix(): f.read_bytes() for f in folder.rglob("*") if f.is_file()
    }


def test_backup_restore_and_replace_in_separate_processes(
    committed_center, copy_dropped, media, tmp_path
):
    schema = committed_center.schema_name
    (media / schema / "notices").mkdir(parents=True)
    (media / schema / "notices" / "hours.txt").write_bytes("节假日安排".encode())
    file = tmp_path / "yuhong.tar.gz"

    done = manage(media, "backup_center", "yuhong", str(file))
    assert done.returncode == 0, done.stderr
    assert file.stat().st_mode & 0o077 == 0, "the backup is readable by its owner only"
    before = schema_rows(schema)

    done = manage(media, "restore_center", str(file), "--slug", COPY_SLUG, "--code", COPY_CODE)
    assert done.returncode == 0, done.stderr
    assert query(
        "SELECT c.schema_name, d.domain FROM tenants_center c JOIN tenants_domain d "
        "ON d.tenant_id = c.id WHERE c.slug = %s",
        [COPY_SLUG],
    ) == [("yuhong_copy", "yuhong-copy.localhost")]
    assert schema_rows("yuhong_copy") == before
    assert query('SELECT hostname FROM "yuhong_copy".wagtailcore_site') == [
        ("yuhong-copy.localhost",)
    ]
    assert files(media / "yuhong_copy") == files(media / schema)

    # --replace: a change made after the backup is undone, the media put back; an answer
    # other than the slug on stdin changes nothing.
    query(f'UPDATE "{schema}".accounts_user SET first_name = %s RETURNING id', ["改过"])
    (media / schema / "notices" / "later.txt").write_bytes(b"later")
    done = manage(media, "restore_center", str(file), "--replace", stdin="no\n")
    assert done.returncode != 0
    assert query(f'SELECT DISTINCT first_name FROM "{schema}".accounts_user') == [("改过",)]
    done = manage(media, "restore_center", str(file), "--replace", "--yes")
    assert done.returncode == 0, done.stderr
    assert schema_rows(schema) == before
    assert sorted(files(media / schema)) == ["notices/hours.txt"]
    assert sorted(p.name for p in media.iterdir()) == sorted([schema, "yuhong_copy"]), (
        "no staging or replaced folder is left behind"
    )

    # A truncated file: refused, nothing made.
    cut = tmp_path / "cut.tar.gz"
    cut.write_bytes(file.read_bytes()[:-200])
    centers = query("SELECT count(*) FROM tenants_center")
    done = manage(
        media, "restore_center", str(cut), "--slug", "yuhong-two", "--code", "210124000000"
    )
    assert done.returncode != 0
    assert "CommandError" in done.stderr and "Traceback" not in done.stderr
    assert query("SELECT count(*) FROM tenants_center") == centers
    assert not query("SELECT 1 FROM pg_namespace WHERE nspname = 'yuhong_two'")
