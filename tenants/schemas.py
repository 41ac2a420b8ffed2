"""The template schema and the pool of spare schemas that make provisioning fast.

`center_template` is kept migrated (deploy and test setup migrate it with the centers). Spare
schemas are clones of it; provisioning renames one (`ALTER SCHEMA … RENAME`, instant and
transactional) and falls back to cloning the template when the pool is empty. A spare whose
migration history differs from the template's is stale and is dropped, never handed out."""

import logging
import uuid

from django.conf import settings
from django.core.management import call_command
from django.db import connection, transaction
from django_tenants.clone import CloneSchema
from django_tenants.utils import schema_exists

from .models import SpareSchema

log = logging.getLogger(__name__)


def _quote(name: str) -> str:
    return connection.ops.quote_name(name)


def migration_count(schema_name: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {_quote(schema_name)}.django_migrations")
        return cursor.fetchone()[0]


def template_schema_ensure(verbosity: int = 0) -> None:
    """Create and migrate the template schema when it does not exist yet."""
    name = settings.TENANT_BASE_SCHEMA
    if not schema_exists(name):
        with connection.cursor() as cursor:
            cursor.execute(f"CREATE SCHEMA {_quote(name)}")
    call_command(
        "migrate_schemas", schema_name=name, tenant=True, interactive=False, verbosity=verbosity
    )
    connection.set_schema_to_public()


def template_clone(schema_name: str) -> None:
    """Copy the template schema, tables and rows, into a new schema (about a second).

    NOACL: one database role owns every schema, and copying grants trips over sequences that
    Wagtail's migrations renamed."""
    CloneSchema()._create_clone_schema_function()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT clone_schema(%s, %s, 'DATA', 'NOACL')",
            [settings.TENANT_BASE_SCHEMA, schema_name],
        )


def drop_schema(schema_name: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"DROP SCHEMA IF EXISTS {_quote(schema_name)} CASCADE")


def spare_schema_take(target_schema: str) -> bool:
    """Rename a fresh spare schema to `target_schema` inside the caller's transaction.
    Returns False when no fresh spare is left (the caller then clones the template)."""
    wanted = migration_count(settings.TENANT_BASE_SCHEMA)
    while True:
        spare = SpareSchema.objects.select_for_update(skip_locked=True).order_by("pk").first()
        if spare is None:
            return False
        spare.delete()
        if schema_exists(spare.schema_name) and migration_count(spare.schema_name) == wanted:
            with connection.cursor() as cursor:
                cursor.execute(
                    f"ALTER SCHEMA {_quote(spare.schema_name)} RENAME TO {_quote(target_schema)}"
                )
            return True
        log.warning("dropping stale spare schema %s", spare.schema_name)
        drop_schema(spare.schema_name)


def spare_schemas_fill(target: int | None = None) -> int:
    """Top the pool up to `target` fresh spares (dropping stale ones). Returns how many were
    made. Each clone commits on its own so a crash never leaves an unrecorded schema."""
    target = settings.CENTER_SPARE_SCHEMAS if target is None else target
    connection.set_schema_to_public()
    wanted = migration_count(settings.TENANT_BASE_SCHEMA)
    for spare in SpareSchema.objects.all():
        if not schema_exists(spare.schema_name) or migration_count(spare.schema_name) != wanted:
            with transaction.atomic():
                drop_schema(spare.schema_name)
                spare.delete()
    made = 0
    while SpareSchema.objects.count() < target:
        name = f"spare_{uuid.uuid4().hex[:12]}"
        with transaction.atomic():
            template_clone(name)
            SpareSchema.objects.create(schema_name=name)
        made += 1
    return made


def spare_schema_names() -> list[str]:
    return list(SpareSchema.objects.values_list("schema_name", flat=True))
