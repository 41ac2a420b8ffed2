"""Every history and audit table is append-only by one mechanism (cityplatform.history): the
model refuses in Python, PostgreSQL refuses whoever asks, also the application's role, which
does not own the tables and so cannot switch the trigger off."""

from __future__ import annotations

import datetime
import os
import re
import uuid
from contextlib import contextmanager
from decimal import Decimal

import pytest
from django.apps import apps
from django.conf import settings
from django.db import IntegrityError, ProgrammingError, connection, models, transaction
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone
from django_tenants.utils import schema_context

from cityplatform.history import (
    FUNCTION,
    TRIGGER,
    AppendOnlyError,
    AppendOnlyModel,
    append_only_models,
)
from tests.prerequisites import missing

HISTORY_TABLES = {
    "tenants.CenterAuditEvent",
    "audit.AuditEntry",
    "exchange.ExchangeLog",
    "standards.StandardsAuditEvent",
    "catalog.CatalogEvent",
    "workspace.WorkspaceAuditEvent",
    "cases.CaseEvent",
    "feedback.FeedbackEvent",
    "ratings.Rating",
    "ratings.RatingAddition",
    "rectification.RectificationEvent",
    "conduct.ConductEvent",
    "scoring.ScoringEvent",
}
# Named like a history but a list the city keeps and edits.
NOT_HISTORY = {"standards.LifeEvent"}

# The role production's application connects as: it owns no table (see docs/architecture.md).
# scripts/services.sh creates it on the development server with the test role as a member;
# elsewhere the test creates one of its own if the test role may.
APP_ROLE = os.environ.get("TEST_APP_DB_ROLE", "city_app")

MODELS = append_only_models()


def _label(model) -> str:
    return model._meta.label


def test_the_known_history_tables_are_all_append_only_models():
    assert {_label(m) for m in MODELS} == HISTORY_TABLES
    assert all(issubclass(apps.get_model(label), AppendOnlyModel) for label in HISTORY_TABLES)


def test_every_table_named_like_a_history_is_one():
    named = {
        _label(m)
        for m in apps.get_models()
        if re.search(r"(Event|Log|AuditEntry)$", m.__name__)
        and m.__module__.split(".")[0]
        in {"tenants", "centers", "evaluation", "catalog_cms", "portal"}
    }
    assert named - NOT_HISTORY <= HISTORY_TABLES


def _in_center(model) -> bool:
    return model._meta.app_config.name in settings.TENANT_APPS


def _value(field: models.Field):
    if field.has_default():
        return field.get_default()
    if field.null:
        return None
    if field.choices:
        return field.choices[0][0]
    if isinstance(field, (models.DateTimeField,)):
        return timezone.now()
    if isinstance(field, models.DateField):
        return datetime.date.today()
    if isinstance(field, models.DecimalField):
        return Decimal(0)
    if isinstance(field, (models.IntegerField, models.FloatField)):
        return 1
    if isinstance(field, models.BooleanField):
        return False
    if isinstance(field, models.UUIDField):
        return uuid.uuid4()
    if isinstance(field, models.JSONField):
        return {}
    if isinstance(field, models.GenericIPAddressField):
        return "10.0.0.1"
    if isinstance(field, (models.CharField, models.TextField)):
        return "x"
    raise AssertionError(f"no test value for {field!r}")


def _row(model):
    """One row of the table, written straight through the ORM's insert. Its parents are
    made-up keys: foreign keys are checked only at commit, and the tests roll back first
    (`rolled_back`)."""
    values = {}
    for f in model._meta.concrete_fields:
        if f.primary_key and isinstance(f, models.AutoField):
            continue
        if isinstance(f, models.ForeignKey) and not f.null:
            values[f.attname] = (
                uuid.uuid4() if isinstance(f.target_field, models.UUIDField) else 10**9
            )
        else:
            values[f.attname] = _value(f)
    (row,) = model.objects.bulk_create([model(**values)])
    return model.objects.get(pk=row.pk)


class _RollBack(Exception):
    pass


@pytest.fixture
def where(township):
    """Run in the schema the model lives in (a center's, cloned from the template, or public),
    inside a savepoint rolled back at the end, before the made-up parents are checked."""

    @contextmanager
    def schema_of(model):
        try:
            with (
                schema_context(township.schema_name if _in_center(model) else "public"),
                transaction.atomic(),
            ):
                yield
                raise _RollBack
        except _RollBack:
            pass

    return schema_of


def _refused(sql: str, params=()) -> str:
    with pytest.raises(IntegrityError) as exc, transaction.atomic(), connection.cursor() as cur:
        cur.execute(sql, params)
    assert "append-only" in str(exc.value)
    return str(exc.value)


def _statements(model, row) -> list[tuple[str, list]]:
    table = connection.ops.quote_name(model._meta.db_table)
    pk = connection.ops.quote_name(model._meta.pk.column)
    return [
        (f"UPDATE {table} SET {pk} = {pk} WHERE {pk} = %s", [row.pk]),
        (f"DELETE FROM {table} WHERE {pk} = %s", [row.pk]),
    ]


@pytest.mark.parametrize("model", MODELS, ids=_label)
def test_the_database_refuses_update_and_delete(model, where):
    with where(model):
        row = _row(model)
        for sql, params in _statements(model, row):
            _refused(sql, params)
        assert model.objects.filter(pk=row.pk).exists()


@pytest.mark.parametrize("model", MODELS, ids=_label)
def test_the_model_refuses_update_and_delete(model, where):
    with where(model):
        row = _row(model)
        attempts = [
            lambda: row.save(),
            lambda: model.objects.filter(pk=row.pk).update(pk=row.pk),
        ]
        if model.deletable_after is None:
            attempts += [lambda: row.delete(), lambda: model.objects.filter(pk=row.pk).delete()]
        for attempt in attempts:
            with pytest.raises(AppendOnlyError, match="append-only"), transaction.atomic():
                attempt()
        if model.deletable_after is not None:  # the database decides: this row is young
            for attempt in (row.delete, model.objects.filter(pk=row.pk).delete):
                with pytest.raises(IntegrityError, match="append-only"), transaction.atomic():
                    attempt()
        assert model.objects.filter(pk=row.pk).exists()


def _app_role(cursor) -> str:
    """A role like production's application role: DML grants, owns nothing."""
    cursor.execute(
        "SELECT pg_has_role(current_user, oid, 'MEMBER') FROM pg_roles WHERE rolname = %s",
        [APP_ROLE],
    )
    found = cursor.fetchone()
    if found and found[0]:
        return APP_ROLE
    role = f"history_app_{uuid.uuid4().hex[:8]}"  # created in the test's transaction
    try:
        with transaction.atomic():
            cursor.execute(f'CREATE ROLE "{role}" NOLOGIN')
            cursor.execute(f'GRANT "{role}" TO current_user')
    except ProgrammingError:
        missing(
            f"the test database role is not a member of {APP_ROLE!r} and may not create "
            "roles (scripts/services.sh start creates it)"
        )
    return role


@pytest.mark.parametrize("model", MODELS, ids=_label)
def test_the_application_role_cannot_change_history_or_disable_the_trigger(model, where):
    with where(model), connection.cursor() as cursor:
        row = _row(model)
        role = _app_role(cursor)
        table = connection.ops.quote_name(model._meta.db_table)
        cursor.execute("SELECT current_schema()")
        schema = cursor.fetchone()[0]
        cursor.execute(f'GRANT USAGE ON SCHEMA "{schema}" TO "{role}"')
        cursor.execute(f'GRANT SELECT, INSERT, UPDATE, DELETE ON {table} TO "{role}"')
        cursor.execute(f'SET ROLE "{role}"')
        try:
            cursor.execute("SELECT count(*) FROM " + table)  # the grants work
            for sql, params in _statements(model, row):
                _refused(sql, params)
            with (
                pytest.raises(ProgrammingError, match="must be owner"),
                transaction.atomic(),
                connection.cursor() as cur,
            ):
                cur.execute(f"ALTER TABLE {table} DISABLE TRIGGER USER")
        finally:
            cursor.execute("RESET ROLE")
        assert model.objects.filter(pk=row.pk).exists()


def _triggers(schema: str) -> dict[str, list[tuple[str, str, bytes]]]:
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT c.relname, t.tgname, p.proname, t.tgargs, t.tgenabled, t.tgtype
            FROM pg_trigger t
            JOIN pg_class c ON c.oid = t.tgrelid
            JOIN pg_namespace n ON n.oid = c.relnamespace
            JOIN pg_proc p ON p.oid = t.tgfoid
            WHERE n.nspname = %s AND NOT t.tgisinternal
            """,
            [schema],
        )
        found: dict[str, list] = {}
        for table, name, function, args, enabled, kind in cursor.fetchall():
            found.setdefault(table, []).append((name, function, bytes(args), enabled, kind))
        return found


def test_every_history_table_has_the_one_shared_trigger_and_nothing_else(township):
    # tgtype: ROW (1) | BEFORE (2) | DELETE (8) | UPDATE (16)
    row_before_update_delete = 1 | 2 | 8 | 16
    for schema, in_center in ((township.schema_name, True), ("public", False)):
        found = _triggers(schema)
        for model in MODELS:
            args = b"".join(a.encode() + b"\x00" for a in (model.deletable_after or ()))
            expected = [(TRIGGER, FUNCTION, args, "O", row_before_update_delete)]
            if _in_center(model) == in_center:
                assert found.pop(model._meta.db_table) == expected, model
            elif model._meta.db_table in found:
                # A center app's table that also exists in the public schema keeps the same
                # trigger there.
                assert found.pop(model._meta.db_table) == expected, (schema, model)
        assert not found, f"{schema}: user triggers outside the history mechanism: {found}"
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT proname FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace "
                "WHERE n.nspname = %s AND proname LIKE '%%append_only'",
                [schema],
            )
            assert [r[0] for r in cursor.fetchall()] == [FUNCTION], schema


def test_the_audit_log_lets_only_old_entries_go(city):
    from tenants.audit.models import MIN_RETENTION_DAYS, AuditEntry

    young, old = (
        AuditEntry.objects.create(
            action="login", at=timezone.now() - datetime.timedelta(days=days, hours=1)
        )
        for days in (MIN_RETENTION_DAYS - 1, MIN_RETENTION_DAYS)
    )
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM audit_auditentry WHERE id = %s", [young.pk])
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM audit_auditentry WHERE id = %s", [old.pk])
        assert cursor.rowcount == 1
    assert list(AuditEntry.objects.filter(pk__in=[young.pk, old.pk])) == [young]


def test_the_migration_is_reversible(township):
    """Down: the table's own trigger of cases/0002 is back; up again: the shared one."""
    with schema_context(township.schema_name):
        executor = MigrationExecutor(connection)
        key = ("cases", "0013_i16_append_only")
        migration = executor.loader.graph.nodes[key]
        before = executor.loader.project_state(
            [p.key for p in executor.loader.graph.node_map[key].parents]
        )
        with transaction.atomic():
            with connection.schema_editor(atomic=False) as editor:
                migration.unapply(before, editor)
            assert _triggers(township.schema_name)["cases_caseevent"][0][:2] == (
                "cases_event_append_only",
                "cases_event_append_only",
            )
            with connection.schema_editor(atomic=False) as editor:
                migration.apply(before, editor)
            assert _triggers(township.schema_name)["cases_caseevent"][0][:2] == (TRIGGER, FUNCTION)
