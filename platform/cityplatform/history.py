"""Append-only history: the one mechanism every history and audit table uses.

Two guards, one promise. `AppendOnlyModel` (abstract) refuses in Python to save an existing
row again, to delete one and to update or delete through a queryset, so a mistake fails at
the line that makes it. `InstallAppendOnlyTrigger(model_name)`, one operation in the app's
migration, makes PostgreSQL refuse the same whoever asks (a raw cursor, a shell, the admin,
another program): a BEFORE UPDATE OR DELETE row trigger on the model's table, executing the
one shared function `history_append_only()`, created (or replaced, same body) in the schema
the migration runs in, so every center schema under `migrate_schemas` has its own.

The one allowance by design: a table whose rows may be removed once old enough (the audit log
after 180 days, for its purge) names the timestamp column and the age, passed to the trigger
as arguments and mirrored on the model as `deletable_after`. No table allows UPDATE; the
anonymisation of personal data after retention changes the records (cases, feedback,
exchange messages), never their histories. TRUNCATE and COPY do not fire these triggers, so
test flushes and the backup restore are untouched; only the tables' owner can disable a
trigger, which is why production's application role must not own them (docs/architecture.md).
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.db import IntegrityError, migrations, models

FUNCTION = "history_append_only"
TRIGGER = "history_append_only"

# One body for every table; TG_ARGV[0] is a timestamp column and TG_ARGV[1] an interval when
# the table allows deleting rows older than that.
FUNCTION_SQL = f"""
CREATE OR REPLACE FUNCTION {FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' AND TG_NARGS = 2
        AND (to_jsonb(OLD) ->> TG_ARGV[0])::timestamptz < now() - TG_ARGV[1]::interval THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'integrity_constraint_violation';
END;
$$;
"""

# Dropped with the last trigger that uses it, in this schema only.
FUNCTION_DROP_SQL = f"""
DO $$ BEGIN
    EXECUTE format('DROP FUNCTION IF EXISTS %I.{FUNCTION}()', current_schema());
EXCEPTION WHEN dependent_objects_still_exist THEN NULL;
END $$;
"""


class AppendOnlyError(IntegrityError):
    """A history row was about to be changed or removed."""


def _refuse(model: type[models.Model], what: str) -> AppendOnlyError:
    return AppendOnlyError(f"{model._meta.label} is append-only: {what} refused")


class AppendOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs: Any) -> int:
        raise _refuse(self.model, "UPDATE")

    def delete(self) -> tuple[int, dict[str, int]]:
        if self.model.deletable_after is None:
            raise _refuse(self.model, "DELETE")
        return super().delete()  # the trigger refuses the rows that are not old enough


class AppendOnlyModel(models.Model):
    """A history or audit row: written once, never changed, never removed (unless the table
    allows removing rows older than `deletable_after`, which the database checks)."""

    # (timestamp column, PostgreSQL interval), e.g. ("at", "180 days"); the same pair must be
    # given to the table's InstallAppendOnlyTrigger (tests/history checks that they agree).
    deletable_after: ClassVar[tuple[str, str] | None] = None

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise _refuse(type(self), "UPDATE")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        if self.deletable_after is None:
            raise _refuse(type(self), "DELETE")
        return super().delete(*args, **kwargs)


def append_only_models() -> list[type[AppendOnlyModel]]:
    """Every concrete history model of the installed apps."""
    from django.apps import apps

    return [m for m in apps.get_models() if issubclass(m, AppendOnlyModel)]


class InstallAppendOnlyTrigger(migrations.operations.base.Operation):
    """The database side of AppendOnlyModel for one model's table (reversible): the shared
    function, then the table's trigger. `deletable_after=("at", "180 days")` lets DELETE
    through for rows older than that. A table that had a trigger of its own from an earlier
    migration drops it first with `migrations.RunSQL(legacy.BACKWARD, legacy.FORWARD)`."""

    reduces_to_sql = True
    reversible = True

    def __init__(self, model_name: str, *, deletable_after: tuple[str, str] | None = None):
        self.model_name = model_name
        self.deletable_after = tuple(deletable_after) if deletable_after else None

    def deconstruct(self) -> tuple[str, list[Any], dict[str, Any]]:
        kwargs = {"deletable_after": self.deletable_after} if self.deletable_after else {}
        return (self.__class__.__qualname__, [self.model_name], kwargs)

    def state_forwards(self, app_label: str, state: Any) -> None:
        pass

    def describe(self) -> str:
        return f"Append-only trigger on {self.model_name}"

    @property
    def migration_name_fragment(self) -> str:
        return f"{self.model_name.lower()}_append_only"

    def _table(self, app_label: str, state: Any, schema_editor: Any) -> str | None:
        model = state.apps.get_model(app_label, self.model_name)
        if not self.allow_migrate_model(schema_editor.connection.alias, model):
            return None
        return schema_editor.quote_name(model._meta.db_table)

    def _arguments(self) -> str:
        if not self.deletable_after:
            return ""
        return ", ".join("'" + value.replace("'", "''") + "'" for value in self.deletable_after)

    def database_forwards(self, app_label, schema_editor, from_state, to_state) -> None:
        table = self._table(app_label, to_state, schema_editor)
        if table is None:
            return
        schema_editor.execute(FUNCTION_SQL, None)  # no params: % is plpgsql's
        schema_editor.execute(
            f"CREATE TRIGGER {TRIGGER} BEFORE UPDATE OR DELETE ON {table} "
            f"FOR EACH ROW EXECUTE FUNCTION {FUNCTION}({self._arguments()})"
        )

    def database_backwards(self, app_label, schema_editor, from_state, to_state) -> None:
        table = self._table(app_label, from_state, schema_editor)
        if table is None:
            return
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {TRIGGER} ON {table}")
        schema_editor.execute(FUNCTION_DROP_SQL, None)
