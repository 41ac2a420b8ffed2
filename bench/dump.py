"""The whole-city backup at 300 centers: `pg_dump -Fc` of the whole database, timed.

pg_dump reads everything in one transaction and takes an ACCESS SHARE lock on every relation it
dumps (PostgreSQL 15: tables and sequences, ~176 per center), all held to the end; the server's
shared lock table has room for max_locks_per_transaction x (max_connections +
autovacuum_max_workers + 1 + max_worker_processes + max_wal_senders + max_prepared_transactions)
locks. The phase counts the relations pg_dump locks, samples the locks its backend really
holds while it runs, and sets both beside the lock table of this server and of PostgreSQL's
defaults (64 x (100 + 3 + 1 + 8 + 10 + 0) = 7,808), so the table says whether the dump fits
and by how much (the peak also counts the catalogs pg_dump reads, ~200). Then it times the
dump (wall clock of the pg_dump process) and `pg_restore --list` of the file (the archive's
table of contents reads back).

Called by bench/run.py (phase "dump") after the provision phase made its centers; also usable
alone: `.venv/bin/python bench/dump.py` dumps the database DATABASE_URL names.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import unquote, urlsplit

ROOT = Path(__file__).resolve().parent.parent
# PostgreSQL's defaults: max_locks_per_transaction 64 x (100 connections + 3 autovacuum workers
# + 1 + 8 worker processes + 10 WAL senders + 0 prepared transactions).
DEFAULT_LOCKS = 64 * (100 + 3 + 1 + 8 + 10 + 0)
BACKEND_SETTINGS = (
    "max_connections", "autovacuum_max_workers", "max_worker_processes", "max_wal_senders",
    "max_prepared_transactions",
)  # fmt: skip
SAMPLE_SECONDS = 0.2


def pg_bin() -> Path:
    """The PostgreSQL client programs, found as scripts/services.sh finds the server's:
    $PG_BIN, the PG_BIN it recorded in var/services.env, /usr/lib/postgresql/15/bin, PATH."""
    candidates = [os.environ.get("PG_BIN", "")]
    env_file = ROOT / "var" / "services.env"
    if env_file.is_file():
        for line in env_file.read_text().splitlines():
            if line.startswith("PG_BIN="):
                candidates.append(line.split("=", 1)[1].strip())
    candidates.append("/usr/lib/postgresql/15/bin")
    which = shutil.which("pg_dump")
    if which:
        candidates.append(str(Path(which).parent))
    for candidate in candidates:
        if candidate and (Path(candidate) / "pg_dump").is_file():
            return Path(candidate)
    raise FileNotFoundError("no pg_dump: set PG_BIN to PostgreSQL's bin directory")


def libpq_env(database_url: str) -> dict[str, str]:
    """PG* variables for a postgres:// URL (so no password appears on a command line)."""
    url = urlsplit(database_url)
    return {
        **os.environ,
        "PGHOST": url.hostname or "127.0.0.1",
        "PGPORT": str(url.port or 5432),
        "PGUSER": unquote(url.username or ""),
        "PGPASSWORD": unquote(url.password or ""),
        "PGDATABASE": url.path.lstrip("/"),
    }


def _one(cursor, sql: str, params=None):
    cursor.execute(sql, params or [])
    return cursor.fetchone()[0]


def dump_bench(database_url: str, log=print) -> dict:
    """Dump the whole database once; returns the figures (see the module's docstring)."""
    import psycopg2

    bindir = pg_bin()
    env = libpq_env(database_url)
    watcher = psycopg2.connect(database_url)
    watcher.autocommit = True
    with watcher.cursor() as cursor:
        schemas = _one(
            cursor,
            "SELECT count(*) FROM pg_namespace WHERE nspname NOT LIKE 'pg\\_%%' "
            "AND nspname <> 'information_schema'",
        )
        tables = _one(
            cursor,
            "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE c.relkind IN ('r', 'p') AND n.nspname NOT LIKE 'pg\\_%%' "
            "AND n.nspname <> 'information_schema'",
        )
        lockable = _one(
            cursor,
            "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE c.relkind IN ('r', 'p', 'S', 'v', 'm', 'f') AND n.nspname NOT LIKE 'pg\\_%%' "
            "AND n.nspname <> 'information_schema'",
        )
        centers = _one(cursor, "SELECT count(*) FROM tenants_center WHERE schema_name <> 'public'")
        max_locks = int(_one(cursor, "SHOW max_locks_per_transaction"))
        backends = {name: int(_one(cursor, f"SHOW {name}")) for name in BACKEND_SETTINGS}
        database_size = _one(cursor, "SELECT pg_database_size(current_database())")
    capacity = max_locks * (sum(backends.values()) + 1)
    log(
        f"dump: {centers} centers, {schemas} schemas, {tables} tables, {lockable} relations "
        f"to lock; lock table {max_locks} x {sum(backends.values()) + 1} = {capacity}"
    )

    peak = {"locks": 0}
    done = threading.Event()

    def sample() -> None:
        with watcher.cursor() as cursor:
            while not done.is_set():
                held = _one(
                    cursor,
                    "SELECT count(*) FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
                    "WHERE a.application_name = 'pg_dump' AND a.datname = current_database()",
                )
                peak["locks"] = max(peak["locks"], held)
                done.wait(SAMPLE_SECONDS)

    with tempfile.TemporaryDirectory(prefix="bench-dump-") as scratch:
        target = Path(scratch) / "city.dump"
        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        started = time.perf_counter()
        dumped = subprocess.run(
            [str(bindir / "pg_dump"), "-Fc", "--no-owner", "-f", str(target)],
            env=env,
            capture_output=True,
            text=True,
        )
        dump_s = time.perf_counter() - started
        done.set()
        sampler.join()
        watcher.close()
        if dumped.returncode != 0:
            log(f"dump: pg_dump FAILED after {dump_s:.1f}s: {dumped.stderr.strip()[-300:]}")
            return {
                "ok": False,
                "error": dumped.stderr.strip()[-2000:],
                "seconds": round(dump_s, 2),
                "centers": centers,
                "tables": tables,
                "relations_to_lock": lockable,
                "lock_table": capacity,
            }
        size = target.stat().st_size
        started = time.perf_counter()
        listed = subprocess.run(
            [str(bindir / "pg_restore"), "--list", str(target)],
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )
        list_s = time.perf_counter() - started
    entries = sum(1 for line in listed.stdout.splitlines() if line and not line.startswith(";"))
    result = {
        "ok": True,
        "centers": centers,
        "schemas": schemas,
        "tables": tables,
        "relations_to_lock": lockable,
        "locks_held_peak": peak["locks"],
        "lock_table": capacity,
        "lock_table_settings": {"max_locks_per_transaction": max_locks, **backends},
        "lock_table_postgres_default": DEFAULT_LOCKS,
        "fits_default_lock_table": lockable < DEFAULT_LOCKS,
        "seconds": round(dump_s, 2),
        "dump_bytes": size,
        "database_bytes": database_size,
        "restore_list_s": round(list_s, 2),
        "toc_entries": entries,
    }
    log(
        f"dump: pg_dump -Fc {dump_s:.1f}s, {size / 1e6:.1f} MB ({database_size / 1e6:.0f} MB "
        f"database), peak {peak['locks']} locks held of {capacity}; the default lock table "
        f"({DEFAULT_LOCKS}) {'fits' if result['fits_default_lock_table'] else 'does NOT fit'} "
        f"{lockable} relations"
    )
    return result


def print_table(d: dict) -> None:
    print("\n9. Whole-city backup (pg_dump -Fc of the whole database)")
    if not d.get("ok"):
        print(f"  FAILED after {d['seconds']} s: {d['error'][-300:]}")
        return
    print(
        f"  {d['centers']} centers, {d['schemas']} schemas, {d['tables']} tables: "
        f"{d['seconds']} s, {d['dump_bytes'] / 1e6:.1f} MB "
        f"(database {d['database_bytes'] / 1e6:.0f} MB); pg_restore --list {d['restore_list_s']} s"
    )
    print(
        f"  {d['relations_to_lock']} relations to lock, held by pg_dump at peak "
        f"{d['locks_held_peak']}; lock table here "
        f"{d['lock_table']}, PostgreSQL default {d['lock_table_postgres_default']} "
        f"({'enough' if d['fits_default_lock_table'] else 'too small'})"
    )


if __name__ == "__main__":
    import json
    import sys

    url = os.environ.get("DATABASE_URL")
    if not url:
        env_file = ROOT / "var" / "services.env"
        for line in env_file.read_text().splitlines() if env_file.is_file() else []:
            if line.startswith("DATABASE_URL="):
                url = line.split("=", 1)[1].strip()
    if not url:
        sys.exit("set DATABASE_URL")
    figures = dump_bench(url)
    print(json.dumps(figures, indent=2))
    print_table(figures)
