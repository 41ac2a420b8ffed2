"""Numbers that residents see (receipt, tracking and booking numbers): a sequence per day,
taken in one statement so two clerks at once never get the same number."""

from __future__ import annotations

import datetime

from django.db import connection, models
from psycopg2 import sql


class DailyCounter(models.Model):
    """The last number given out on a day, one row per day; each app keeps its own table."""

    day = models.DateField(primary_key=True)
    last = models.PositiveIntegerField(default=0)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{self.day:%Y-%m-%d} {self.last}"

    @classmethod
    def take(cls, day: datetime.date) -> int:
        """The next number of `day` (1, 2, …), atomically."""
        table = sql.Identifier(cls._meta.db_table)
        statement = sql.SQL(
            "INSERT INTO {table} (day, last) VALUES (%s, 1) "
            "ON CONFLICT (day) DO UPDATE SET last = {table}.last + 1 RETURNING last"
        ).format(table=table)
        with connection.cursor() as cursor:
            cursor.execute(statement, [day])
            (number,) = cursor.fetchone()
        return number
