"""`migrate_schemas` that skips schemas already up to date and never forgets the template.

With hundreds of centers a no-op `migrate_schemas` spent most of its time starting Django's
migrate command once per schema. This executor reads every schema's `django_migrations` in a
few batched queries first and runs the migrate command only where something is missing. When
all tenant schemas are migrated, the template schema and the spare pool are included, so no
center is ever cloned from a stale template."""

from functools import cache

from django.conf import settings
from django.db import connection
from django.db.migrations.loader import MigrationLoader
from django_tenants.migration_executors.standard import StandardExecutor
from django_tenants.utils import schema_exists

from .schemas import spare_schema_names

BATCH = 100


@cache
def expected_migrations() -> frozenset[tuple[str, str]]:
    """Every migration on disk: each schema records them all as applied (the tenant router
    only skips the operations of apps that do not belong in it)."""
    return frozenset(MigrationLoader(None, ignore_no_migrations=True).graph.nodes)


def applied_migrations(schema_names: list[str]) -> dict[str, set[tuple[str, str]]]:
    applied: dict[str, set[tuple[str, str]]] = {name: set() for name in schema_names}
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT table_schema FROM information_schema.tables "
            "WHERE table_name = 'django_migrations' AND table_schema = ANY(%s)",
            [schema_names],
        )
        with_table = [row[0] for row in cursor.fetchall()]
        for start in range(0, len(with_table), BATCH):
            batch = with_table[start : start + BATCH]
            sql = " UNION ALL ".join(
                f"SELECT %s, app, name FROM {connection.ops.quote_name(name)}.django_migrations"
                for name in batch
            )
            cursor.execute(sql, batch)
            for schema_name, app, name in cursor.fetchall():
                applied[schema_name].add((app, name))
    return applied


def outdated_schemas(schema_names: list[str]) -> list[str]:
    expected = expected_migrations()
    applied = applied_migrations(schema_names)
    return [name for name in schema_names if not expected <= applied[name]]


class SkipUpToDateExecutor(StandardExecutor):
    codename = "standard"

    def run_migrations(self, tenants=None):
        tenants = list(tenants or [])
        public = settings.PUBLIC_SCHEMA_NAME
        if public in tenants:
            tenants.remove(public)
            super().run_migrations(tenants=[public])
            if not tenants:
                return
        if not self.options.get("schema_name"):
            connection.set_schema_to_public()
            extra = [settings.TENANT_BASE_SCHEMA, *spare_schema_names()]
            tenants = [*extra, *(t for t in tenants if t not in extra)]
            tenants = [t for t in tenants if schema_exists(t)]
        selective = any(
            self.options.get(flag)
            for flag in ("app_label", "migration_name", "fake", "fake_initial", "plan", "prune")
        )
        if not selective:
            connection.set_schema_to_public()
            skipped = len(tenants)
            tenants = outdated_schemas(tenants)
            skipped -= len(tenants)
            if skipped and int(self.options.get("verbosity", 1)) >= 1:
                print(f"[migrate_schemas] {skipped} schema(s) already up to date, skipped")
        if tenants:
            super().run_migrations(tenants=tenants)


def get_executor(codename=None):
    return SkipUpToDateExecutor
