"""Test clean-up only: remove rows of an append-only table (cityplatform.history) that a test
committed for real, with the table's triggers off for the moment (the test role owns the
tables; production's application role does not, and cannot do this)."""

from django.db import connection, transaction
from django.db.models import QuerySet


def history_rows_delete(rows: QuerySet) -> None:
    table = connection.ops.quote_name(rows.model._meta.db_table)
    pk = connection.ops.quote_name(rows.model._meta.pk.column)
    sql, params = rows.values("pk").query.sql_with_params()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"ALTER TABLE {table} DISABLE TRIGGER USER")
        cursor.execute(f"DELETE FROM {table} WHERE {pk} IN ({sql})", params)
        cursor.execute(f"ALTER TABLE {table} ENABLE TRIGGER USER")
