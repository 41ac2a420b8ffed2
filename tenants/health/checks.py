"""What /healthz checks: each check returns a dict with at least `ok`."""

import time

import redis
from django.conf import settings
from django.db import connection
from django.utils import timezone

from tenants.migration_executor import expected_migrations

from .models import Heartbeat


def check_database() -> dict:
    started = time.perf_counter()
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:
        return {"ok": False, "error": str(exc).splitlines()[0]}
    return {"ok": True, "ms": round((time.perf_counter() - started) * 1000, 2)}


def check_redis() -> dict:
    started = time.perf_counter()
    client = redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=1, socket_timeout=1)
    try:
        client.ping()
    except Exception as exc:
        return {"ok": False, "error": str(exc).splitlines()[0]}
    finally:
        client.close()
    return {"ok": True, "ms": round((time.perf_counter() - started) * 1000, 2)}


def check_migrations() -> dict:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT app, name FROM django_migrations")
            applied = set(cursor.fetchall())
    except Exception as exc:
        return {"ok": False, "error": str(exc).splitlines()[0]}
    pending = sorted(f"{app}.{name}" for app, name in expected_migrations() - applied)
    return {"ok": not pending, "pending": len(pending), "first_pending": pending[:5]}


def check_heartbeat(*, schema_created_at=None) -> dict:
    """Fails when beat has not reached this schema within five intervals. A schema younger
    than that which has not been reached yet is reported as waiting, not failing."""
    allowed = settings.HEARTBEAT_INTERVAL_SECONDS * 5
    try:
        beat = Heartbeat.objects.filter(name="beat").first()
    except Exception as exc:
        return {"ok": False, "error": str(exc).splitlines()[0]}
    now = timezone.now()
    if beat is None:
        young = schema_created_at and (now - schema_created_at).total_seconds() < allowed
        return {"ok": bool(young), "last_run_at": None, "waiting_for_first_run": bool(young)}
    age = (now - beat.last_run_at).total_seconds()
    return {
        "ok": age <= allowed,
        "last_run_at": beat.last_run_at.isoformat(),
        "age_seconds": round(age, 1),
        "runs": beat.runs,
    }


def health_report(*, schema_created_at=None) -> tuple[bool, dict]:
    checks = {
        "database": check_database(),
        "redis": check_redis(),
        "migrations": check_migrations(),
        "heartbeat": check_heartbeat(schema_created_at=schema_created_at),
    }
    healthy = all(c["ok"] for c in checks.values())
    return healthy, {
        "status": "ok" if healthy else "unhealthy",
        "schema": connection.schema_name,
        "checks": checks,
    }
