"""What center A owns, as checksums, so the probe can tell whether a request by someone else
changed any of it: every table of A's schema, and A's rows in the city's public tables (found
from the models: a foreign key to A's Center row, directly or through up to three foreign keys,
so a new table of the evaluation, exchange or any public app is covered without listing it).

Checksums are exact but cost a query per table; PostgreSQL's counters of the current
transaction (pg_stat_get_xact_tuples_*: rows inserted, updated, deleted, also by savepoints that
were rolled back) are one query, so the probe reads the counters after every write and
computes checksums only of the tables whose counters moved."""

from __future__ import annotations

import hashlib

from django.apps import apps
from django.conf import settings
from django.db import connection
from django.db.models import ForeignKey, Model, OneToOneField, Q

from tenants.models import Center

# Tables of A's schema that anyone's request may write without touching A's data: sessions
# (a foreign cookie is dropped), the per-user session cap, django-axes' attempts.
VOLATILE = ("django_session", "accounts_usersession", "axes_")
PUBLIC_SCHEMA = "public"


def _center_lookups(model: type[Model], depth: int = 3) -> list[str]:
    """Lookups from `model` to a Center (e.g. "center", "scorecard__center",
    "item_score__scorecard__center")."""
    if model is Center:
        return ["pk"]
    found = []
    for field in model._meta.get_fields():
        if not isinstance(field, ForeignKey | OneToOneField) or field.auto_created:
            continue
        target = field.related_model
        if target is Center:
            found.append(field.name)
        elif depth > 1 and target is not model:
            found.extend(f"{field.name}__{rest}" for rest in _center_lookups(target, depth - 1))
    return found


def _public_models() -> dict[str, tuple[type[Model], list[str]]]:
    """{table: (model, lookups to a Center)} of the public-only apps' models tied to a center."""
    found = {}
    for model in apps.get_models():
        meta = model._meta
        if meta.proxy or not meta.managed or meta.app_config.name in settings.TENANT_APPS:
            continue
        lookups = _center_lookups(model)
        if lookups:
            found[meta.db_table] = (model, lookups)
    return found


class Victim:
    """Center A's data: checksums now, and what changed since."""

    def __init__(self, center: Center):
        self.center = center
        self.public = _public_models()
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT table_name FROM information_schema.tables"
                " WHERE table_schema = %s AND table_type = 'BASE TABLE'",
                [center.schema_name],
            )
            self.tables = sorted(
                name for (name,) in cursor.fetchall() if not name.startswith(VOLATILE)
            )
        self.sums = self.checksums()
        # The relations watched, by oid: reading the counters of known oids is a fraction of a
        # millisecond, the pg_stat_xact_user_tables view scans the catalog of every schema.
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT c.oid, n.nspname, c.relname FROM pg_class c"
                " JOIN pg_namespace n ON n.oid = c.relnamespace"
                " WHERE c.relkind IN ('r', 'p') AND (n.nspname = %s"
                " OR (n.nspname = %s AND c.relname = ANY(%s)))",
                [center.schema_name, PUBLIC_SCHEMA, list(self.public)],
            )
            self.oids = {oid: (schema, table) for oid, schema, table in cursor.fetchall()}
        self.counters = self._counters()

    def _table_sum(self, table: str) -> str:
        schema = connection.ops.quote_name(self.center.schema_name)
        name = connection.ops.quote_name(table)
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT count(*), md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), ''))"
                f" FROM {schema}.{name} t"
            )
            count, digest = cursor.fetchone()
            return f"{count}:{digest}"

    def _public_sum(self, table: str) -> str:
        model, lookups = self.public[table]
        condition = Q()
        for lookup in lookups:
            condition |= Q(**{lookup: self.center.pk})
        rows = list(model._base_manager.filter(condition).distinct().order_by("pk").values_list())
        return f"{len(rows)}:{hashlib.md5(repr(rows).encode()).hexdigest()}"

    def checksums(self, only: set[tuple[str, str]] | None = None) -> dict[tuple[str, str], str]:
        sums = {}
        for table in self.tables:
            key = (self.center.schema_name, table)
            if only is None or key in only:
                sums[key] = self._table_sum(table)
        for table in self.public:
            key = (PUBLIC_SCHEMA, table)
            if only is None or key in only:
                sums[key] = self._public_sum(table)
        return sums

    def _counters(self) -> dict[tuple[str, str], tuple[int, int, int]]:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT oid, pg_stat_get_xact_tuples_inserted(oid),"
                " pg_stat_get_xact_tuples_updated(oid), pg_stat_get_xact_tuples_deleted(oid)"
                " FROM unnest(%s::oid[]) AS oid",
                [list(self.oids)],
            )
            return {self.oids[oid]: tuple(n) for oid, *n in cursor.fetchall()}

    def changes(self) -> list[str]:
        """The tables of A changed since the last call (or since the start), each as
        "schema.table"; the new state becomes the reference for the next call."""
        counters = self._counters()
        moved = {key for key, value in counters.items() if self.counters.get(key) != value}
        self.counters = counters
        watched = {key for key in moved if key in self.sums}
        if not watched:
            return []
        now = self.checksums(only=watched)
        changed = sorted(f"{schema}.{table}" for (schema, table), value in now.items()
                         if self.sums[(schema, table)] != value)  # fmt: skip
        self.sums.update(now)
        return changed

    def changes_since_start(self, start: dict) -> list[str]:
        now = self.checksums()
        return sorted(f"{schema}.{table}" for (schema, table), value in now.items()
                      if start.get((schema, table)) != value)  # fmt: skip
