"""The whole-city backup of docs/backup.md, run once: pg_dump -Fc of the (test) database to a
file, pg_restore into a fresh database, and a center's rows are there."""

import subprocess

import psycopg2
import pytest
from django.db import connection
from django_tenants.utils import schema_context

from bench.dump import libpq_env, pg_bin
from tenants.accounts.models import User
from tenants.models import Center

pytestmark = pytest.mark.django_db


def _url(name: str) -> str:
    db = connection.settings_dict
    return f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST']}:{db['PORT']}/{name}"


def _admin(sql: str) -> None:
    """CREATE/DROP DATABASE, on a connection of its own (outside any transaction)."""
    conn = psycopg2.connect(_url("postgres"))
    conn.autocommit = True
    try:
        with conn.cursor() as cursor:
            cursor.execute(sql)
    finally:
        conn.close()


def test_pg_dump_and_pg_restore_of_the_whole_database(committed_center, tmp_path):
    source = connection.settings_dict["NAME"]
    scratch = f"{source}_city_restore"
    bindir = pg_bin()
    dump = tmp_path / "city.dump"
    with schema_context(committed_center.schema_name):
        users = sorted(User.objects.values_list("username", "password"))
    assert users

    subprocess.run(
        [str(bindir / "pg_dump"), "-Fc", "--no-owner", "-f", str(dump)],
        env=libpq_env(_url(source)),
        check=True,
        capture_output=True,
    )
    assert dump.stat().st_size > 0
    _admin(f'DROP DATABASE IF EXISTS "{scratch}"')
    _admin(f"CREATE DATABASE \"{scratch}\" TEMPLATE template0 ENCODING 'UTF8'")
    try:
        restored = subprocess.run(
            [
                str(bindir / "pg_restore"), "--no-owner", "--no-privileges", "--exit-on-error",
                "--single-transaction", "-d", scratch, str(dump),
            ],
            env=libpq_env(_url(scratch)),
            capture_output=True,
            text=True,
        )  # fmt: skip
        assert restored.returncode == 0, restored.stderr
        conn = psycopg2.connect(_url(scratch))
        try:
            with conn.cursor() as cursor:
                cursor.execute(
                    "SELECT slug, division_code FROM tenants_center WHERE schema_name = %s",
                    [committed_center.schema_name],
                )
                assert cursor.fetchall() == [("yuhong", "210114000000")]
                cursor.execute(
                    "SELECT d.domain FROM tenants_domain d JOIN tenants_center c "
                    "ON c.id = d.tenant_id WHERE c.slug = 'yuhong'"
                )
                assert cursor.fetchall() == [("yuhong.localhost",)]
                cursor.execute(
                    f'SELECT username, password FROM "{committed_center.schema_name}".'
                    "accounts_user ORDER BY username, password"
                )
                assert sorted(cursor.fetchall()) == users
                cursor.execute(
                    f'SELECT hostname FROM "{committed_center.schema_name}".wagtailcore_site'
                )
                assert cursor.fetchall() == [("yuhong.localhost",)]
                cursor.execute("SELECT count(*) FROM tenants_center")
                assert cursor.fetchone()[0] == Center.objects.count()
        finally:
            conn.close()
    finally:
        _admin(f'DROP DATABASE IF EXISTS "{scratch}"')
