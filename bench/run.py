"""`make bench`: provisioning, migrate_schemas and page-serving figures for the city platform.

Runs against its own database (BENCH_DATABASE, cityservice_bench, recreated every run) and its
own Redis database number, never the development ones. BENCH_SMOKE=1 (scripts/bench.sh, CI)
runs every phase at small sizes. See bench/README.md for what each figure means.

    .venv/bin/python bench/run.py      (scripts/bench.sh starts the services first)

Knobs (environment): BENCH_CENTERS (300), BENCH_CLONE_SAMPLES (5), BENCH_SPARES (3),
BENCH_LOAD_SECONDS (10), BENCH_WARMUP_SECONDS (3), BENCH_CONNECTIONS (16), BENCH_REDIS_DB (1),
BENCH_PROFILE=1 (always profile a fast-path provision), BENCH_LOADGEN=python (skip wrk),
BENCH_CATALOG_MATTERS (2000), BENCH_ADOPT_TEMPLATES (300), BENCH_CASES (1000000),
BENCH_INTAKE_SECONDS (20), BENCH_INTAKE_THREADS (4),
BENCH_SEARCH_MATTERS (5000), BENCH_SEARCH_CENTERS (300), BENCH_SEARCH_PER_CENTER (200),
BENCH_SEARCH_ROUNDS (20),
BENCH_SUPERVISION_CENTERS (300), BENCH_SUPERVISION_CASES (10000),
BENCH_METRICS_CENTERS (300), BENCH_METRICS_DAYS (365), BENCH_METRICS_ROUNDS (20),
BENCH_PHASES (provision,catalog,migrate,dump,http,cases,portal,search,supervision,dashboard: a
comma-separated subset runs only those).
"""

import cProfile
import http.client
import io
import json
import math
import os
import platform
import pstats
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib.metadata import version as package_version
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
PLATFORM_DIR = ROOT / "platform"
RESULTS_FILE = ROOT / "bench" / "results" / "latest.json"
WRK_SCRIPT = ROOT / "bench" / "report.lua"
LOG_DIR = ROOT / "var" / "bench"  # runtime logs (gunicorn, setup_platform); var/ is ignored
PYTHON = ROOT / ".venv" / "bin" / "python"
GUNICORN = ROOT / ".venv" / "bin" / "gunicorn"

# Never the development database `cityservice`, nor a test database: the name says "bench".
BENCH_DB = os.environ.get("BENCH_DATABASE", "cityservice_bench")
if "bench" not in BENCH_DB:
    sys.exit(f"bench: BENCH_DATABASE must name a bench database (got {BENCH_DB!r})")
CENTERS = int(os.environ.get("BENCH_CENTERS", "300"))
CLONE_SAMPLES = int(os.environ.get("BENCH_CLONE_SAMPLES", "5"))
EARLY_AT = 10  # clone-fallback probes are taken after this many centers, and at the end
SPARES = int(os.environ.get("BENCH_SPARES", "3"))
LOAD_SECONDS = int(os.environ.get("BENCH_LOAD_SECONDS", "10"))
WARMUP_SECONDS = int(os.environ.get("BENCH_WARMUP_SECONDS", "3"))
CONNECTIONS = int(os.environ.get("BENCH_CONNECTIONS", "16"))
# 1: apart from development's 0 and the test runs' 15 downwards (two per xdist worker).
REDIS_DB = int(os.environ.get("BENCH_REDIS_DB", "1"))
FORCE_PROFILE = os.environ.get("BENCH_PROFILE") == "1"
PROFILE_OVER_SECONDS = 1.0
MIGRATE_TARGET_SECONDS = 60.0
TREND_WINDOW = 50
FLAT_RATIO = 1.25  # last-50 over first-50 median above this counts as growing

# Real county-level codes (python-stdnum cn/loc), parents of the generated townships/streets.
DISTRICTS = [
    ("210113", "shenbei", "沈北新区"),
    ("210112", "hunnan", "浑南区"),
    ("210114", "yuhong", "于洪区"),
]

STARTED = time.perf_counter()
ALL_PHASES = "provision,catalog,migrate,dump,http,cases,portal,search,supervision,dashboard"
PHASES = set(os.environ.get("BENCH_PHASES", ALL_PHASES).replace(" ", "").split(","))


def log(message: str) -> None:
    print(f"[bench {time.perf_counter() - STARTED:7.1f}s] {message}", file=sys.stderr, flush=True)


def median(values: list[float]) -> float | None:
    return statistics.median(values) if values else None


def summary(values: list[float]) -> dict:
    return {
        "samples_s": [round(v, 4) for v in values],
        "median_s": round(median(values), 4) if values else None,
        "max_s": round(max(values), 4) if values else None,
    }


# --------------------------------------------------------------------------- environment


def with_path(url: str, path: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, path, parts.query, parts.fragment))


def bench_environment() -> dict[str, str]:
    """The environment of every process the bench starts (and of this one)."""
    base_db = os.environ.get("DATABASE_URL")
    base_redis = os.environ.get("REDIS_URL")
    if not base_db or not base_redis:
        sys.exit("bench: DATABASE_URL and REDIS_URL must be set (source var/services.env)")
    redis_url = with_path(base_redis, f"/{REDIS_DB}")
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="cityplatform.settings.dev",
        DATABASE_URL=with_path(base_db, f"/{BENCH_DB}"),
        REDIS_URL=redis_url,
        CELERY_BROKER_URL=redis_url,
        CELERY_RESULT_BACKEND=redis_url,
        # Production-like where it matters for speed: no debug query log, no debug pages.
        DJANGO_DEBUG="false",
        # The refill after a provision goes to the (absent) worker's queue, never inline.
        CELERY_TASK_ALWAYS_EAGER="false",
        # The production pool size; the bench refills it itself between provisions.
        CENTER_SPARE_SCHEMAS=str(SPARES),
        LOG_LEVEL="WARNING",
    )
    env.pop("PGDATABASE", None)
    return env


def database_recreate(database_url: str) -> None:
    """Drop and create the bench database on the development server (never `cityservice`)."""
    import psycopg2
    from psycopg2 import sql

    parts = urlsplit(database_url)
    if parts.path.lstrip("/") != BENCH_DB:
        sys.exit(f"bench: refusing to recreate {parts.path!r}")
    conn = psycopg2.connect(with_path(database_url, "/postgres"))
    conn.autocommit = True
    try:
        with conn.cursor() as cursor:
            name = sql.Identifier(BENCH_DB)
            cursor.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(name))
            cursor.execute(
                sql.SQL(
                    "CREATE DATABASE {} TEMPLATE template0 ENCODING 'UTF8' "
                    "LC_COLLATE 'C.UTF-8' LC_CTYPE 'C.UTF-8'"
                ).format(name)
            )
    finally:
        conn.close()


def redis_flush(redis_url: str) -> None:
    import redis

    client = redis.Redis.from_url(redis_url)
    try:
        client.flushdb()
    finally:
        client.close()


def run_logged(args: list[str], env: dict[str, str], log_name: str) -> tuple[float, str]:
    """Run a command from the repository root; returns (wall seconds, its output)."""
    LOG_DIR.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    proc = subprocess.run(
        args, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    elapsed = time.perf_counter() - started
    (LOG_DIR / log_name).write_text(proc.stdout)
    if proc.returncode != 0:
        print(proc.stdout[-4000:], file=sys.stderr)
        sys.exit(
            f"bench: {' '.join(args[1:3])} failed ({proc.returncode}); log var/bench/{log_name}"
        )
    return elapsed, proc.stdout


def django_boot(env: dict[str, str]) -> None:
    os.environ.update(env)
    sys.path[1:1] = [str(ROOT), str(PLATFORM_DIR)]
    import django

    django.setup()
    from django.conf import settings

    checks = {
        f"database {BENCH_DB}": settings.DATABASES["default"]["NAME"] == BENCH_DB,
        f"Redis db {REDIS_DB}": settings.CACHES["default"]["LOCATION"].endswith(f"/{REDIS_DB}"),
        "DEBUG off": not settings.DEBUG,
        "Celery not eager": not settings.CELERY_TASK_ALWAYS_EAGER,
        "scrypt hasher": "Scrypt" in settings.PASSWORD_HASHERS[0],
    }
    failed = [name for name, ok in checks.items() if not ok]
    if failed:
        sys.exit(f"bench: settings are not what the bench needs: {', '.join(failed)}")


def git(*args: str) -> str:
    proc = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True)
    return proc.stdout.strip()


def proc_field(path: str, key: str) -> str | None:
    try:
        for line in Path(path).read_text().splitlines():
            if line.startswith(key):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return None


def load_average() -> list[float]:
    """1, 5 and 15 minute load: other work on the machine skews every figure."""
    return [round(x, 2) for x in os.getloadavg()]


def machine_info(wrk: str | None) -> dict:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        pg_version = cursor.fetchone()[0]
        cursor.execute("SELECT version()")
        pg_full = cursor.fetchone()[0]
    mem_kb = proc_field("/proc/meminfo", "MemTotal")
    wrk_version = None
    if wrk:
        out = subprocess.run([wrk, "-v"], capture_output=True, text=True)
        wrk_version = ((out.stdout or out.stderr).strip().splitlines() or [None])[0]
    return {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "nproc": os.cpu_count(),
        "usable_cpus": len(os.sched_getaffinity(0)),
        "cpu_model": proc_field("/proc/cpuinfo", "model name"),
        "mem_total_gb": round(int(mem_kb.split()[0]) / 1024**2, 1) if mem_kb else None,
        "os": platform.platform(),
        "python": platform.python_version(),
        "postgres": pg_version,
        "postgres_full": pg_full,
        "packages": {
            name: package_version(name)
            for name in ("Django", "wagtail", "django-tenants", "gunicorn", "psycopg2-binary")
        },
        "wrk": wrk_version,
        "git_commit": git("rev-parse", "--short", "HEAD"),
        "git_dirty": bool(git("status", "--porcelain", "--untracked-files=no")),
    }


# --------------------------------------------------------------------------- provisioning


@dataclass(frozen=True)
class CenterSpec:
    kind: str
    code: str
    slug: str
    name: str
    parent: str | None = None


def series_specs(count: int) -> list[CenterSpec]:
    """Districts first, then townships and streets spread over them (codes xxxxxxNNN000)."""
    specs = [CenterSpec("district", f"{code}000000", slug, name) for code, slug, name in DISTRICTS]
    for k in range(count - len(DISTRICTS)):
        code, slug, name = DISTRICTS[k % len(DISTRICTS)]
        number = k // len(DISTRICTS) + 1
        kind = "township" if number % 2 else "street"
        label = "镇" if kind == "township" else "街道"
        specs.append(
            CenterSpec(
                kind,
                f"{code}{number:03d}000",
                f"{slug}-{number:03d}",
                f"{name}测{number}{label}",
                slug,
            )
        )
    return specs[:count]


class ProbeSpecs:
    """Extra townships under the first district (codes from xxxxxx500000 up) for the samples
    that are not part of the series: clone fallbacks and the profiled provision."""

    def __init__(self) -> None:
        self.next = 500

    def take(self) -> CenterSpec:
        code, slug, name = DISTRICTS[0]
        number = self.next
        self.next += 1
        return CenterSpec(
            "township", f"{code}{number:03d}000", f"probe-{number}", f"{name}样{number}镇", slug
        )


def spare_count() -> int:
    from tenants.models import SpareSchema

    return SpareSchema.objects.count()


def center_count() -> int:
    from tenants.models import Center

    return Center.objects.centers().count()


def connection_ready() -> None:
    """Connect (if not yet) outside the timing. The bench's own connection lives through the
    whole series, as in a long-lived process or a web worker within its CONN_MAX_AGE."""
    from django.db import connection

    connection.ensure_connection()
    connection.set_schema_to_public()


def provision(spec: CenterSpec) -> float:
    """Seconds spent in the center_create service call, and nothing else."""
    from tenants.services import center_create

    started = time.perf_counter()
    center_create(
        kind=spec.kind,
        division_code=spec.code,
        name=spec.name,
        slug=spec.slug,
        parent_slug=spec.parent,
        actor="bench",
    )
    return time.perf_counter() - started


def provision_observed(spec: CenterSpec) -> tuple[float, str]:
    """(seconds, path), the path read from the pool size around the timed call."""
    connection_ready()
    before = spare_count()
    seconds = provision(spec)
    path = "spare" if spare_count() == before - 1 else "clone"
    return seconds, path


class Worker:
    """The Celery worker's side: tasks run one at a time in a thread of their own, so they have
    their own database connection (Django's are per thread), closed after every task as
    Celery's Django fix-up does. The caller waits, so nothing overlaps a timed provision."""

    def __init__(self) -> None:
        self.executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="bench-worker")

    def run(self, function, *args):
        return self.executor.submit(self._task, function, *args).result()

    @staticmethod
    def _task(function, *args):
        from django.db import connection

        try:
            return function(*args)
        finally:
            connection.close()

    def refill(self) -> float:
        """tenants.tasks.spare_schemas_refill, i.e. spare_schemas_fill(); its seconds."""
        from tenants.schemas import spare_schemas_fill

        started = time.perf_counter()
        self.run(spare_schemas_fill)
        return time.perf_counter() - started

    def shutdown(self) -> None:
        self.executor.shutdown()

    @classmethod
    def once(cls, function, *args):
        """Run `function` on a connection of its own, opened for it and closed after it."""
        worker = cls()
        try:
            return worker.run(function, *args)
        finally:
            worker.shutdown()


def pool_drain() -> None:
    from django.db import connection, transaction

    from tenants.models import SpareSchema
    from tenants.schemas import drop_schema, spare_schema_names

    connection.set_schema_to_public()
    for name in spare_schema_names():
        with transaction.atomic():
            drop_schema(name)
            SpareSchema.objects.filter(schema_name=name).delete()


def clone_fallback_samples(worker: Worker, probes: ProbeSpecs, count: int) -> dict:
    """Provisions with the pool empty, alternating between the bench's connection (which has
    made every center so far) and a new connection, so that both see the same machine load."""
    pool_drain()
    centers_before = center_count()
    samples: dict[str, list[float]] = {"bench_connection": [], "new_connection": []}
    for _ in range(count):
        for key, seconds in samples.items():
            assert spare_count() == 0
            if key == "new_connection":
                elapsed, path = Worker.once(provision_observed, probes.take())
            else:
                elapsed, path = provision_observed(probes.take())
            assert path == "clone", path
            seconds.append(elapsed)
    worker.refill()
    return {"centers_before": centers_before, **{k: summary(v) for k, v in samples.items()}}


def profile_provision(spec: CenterSpec) -> tuple[float, str]:
    connection_ready()
    profiler = cProfile.Profile()
    profiler.enable()
    seconds = provision(spec)
    profiler.disable()
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(15)
    return seconds, out.getvalue()


def run_series(
    specs: list[CenterSpec], worker: Worker, probes: ProbeSpecs, results: dict
) -> list[dict]:
    rows = []
    for index, spec in enumerate(specs, start=1):
        if spare_count() == 0:
            worker.refill()
        seconds, path = provision_observed(spec)
        refill = worker.refill()
        rows.append(
            {"i": index, "slug": spec.slug, "kind": spec.kind, "seconds": round(seconds, 4),
             "path": path, "refill_s": round(refill, 4), "load1": round(os.getloadavg()[0], 2)}
        )  # fmt: skip
        if index == min(EARLY_AT, len(specs)):
            log(f"clone-fallback samples at {center_count()} centers")
            results["clone_fallback_early"] = clone_fallback_samples(worker, probes, CLONE_SAMPLES)
        if index % 25 == 0 or index == len(specs):
            window = [r["seconds"] for r in rows[-25:]]
            refills = [r["refill_s"] for r in rows[-25:]]
            log(
                f"{index:4d}/{len(specs)} centers: provision median {median(window):.3f}s, "
                f"refill (1 clone) median {median(refills):.3f}s"
            )
    return rows


def trend(rows: list[dict], key: str) -> dict:
    window = min(TREND_WINDOW, len(rows) // 2) or 1
    first = median([r[key] for r in rows[:window]])
    last = median([r[key] for r in rows[-window:]])
    return {
        "window": window,
        "first_median_s": round(first, 4),
        "last_median_s": round(last, 4),
        "ratio_last_over_first": round(last / first, 3) if first else None,
    }


# --------------------------------------------------------------------------- migrate_schemas


def schema_count() -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_namespace "
            "WHERE nspname NOT LIKE 'pg\\_%%' AND nspname <> 'information_schema'"
        )
        return cursor.fetchone()[0]


def migrate_noop(env: dict[str, str]) -> dict:
    from django.db import connection

    schemas = schema_count()
    connection.close()
    seconds, output = run_logged(
        [str(PYTHON), "manage.py", "migrate_schemas"], env, "migrate_schemas.log"
    )
    skipped = re.search(r"(\d+) schema\(s\) already up to date", output)
    return {
        "wall_s": round(seconds, 3),
        "target_s": MIGRATE_TARGET_SECONDS,
        "schemas_in_database": schemas,
        "skipped_up_to_date": int(skipped.group(1)) if skipped else None,
        "applied_anything": "Applying " in output,
        "output_tail": output.strip().splitlines()[-5:],
    }


# --------------------------------------------------------------------------- HTTP


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def http_get(port: int, host: str, path: str) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request("GET", path, headers={"Host": host})
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def ensure_wrk() -> str | None:
    if os.environ.get("BENCH_LOADGEN") == "python":
        return None
    found = shutil.which("wrk")
    if found or os.geteuid() != 0 or not shutil.which("apt-get"):
        return found
    log("installing wrk with apt-get")
    LOG_DIR.mkdir(parents=True, exist_ok=True)
    apt_env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    install = ["apt-get", "install", "-y", "-qq", "wrk"]
    with open(LOG_DIR / "wrk-install.log", "w") as out:
        for args in (install, ["apt-get", "update", "-qq"], install):
            if shutil.which("wrk"):
                break
            subprocess.run(args, stdout=out, stderr=subprocess.STDOUT, env=apt_env)
    return shutil.which("wrk")


def load_wrk(wrk: str, port: int, host: str, path: str, seconds: int) -> dict:
    args = [
        wrk, "-t1", f"-c{CONNECTIONS}", f"-d{seconds}s", "--timeout", "10s", "-s", str(WRK_SCRIPT),
        "-H", f"Host: {host}", f"http://127.0.0.1:{port}{path}",
    ]  # fmt: skip
    proc = subprocess.run(args, capture_output=True, text=True)
    line = next((x for x in proc.stdout.splitlines() if x.startswith("WRK_JSON ")), None)
    if proc.returncode != 0 or line is None:
        sys.exit(f"bench: wrk failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}")
    raw = json.loads(line.removeprefix("WRK_JSON "))
    lat = raw["latency_us"]
    return {
        "requests": raw["requests"],
        "duration_s": round(raw["duration_us"] / 1e6, 3),
        "req_per_s": round(raw["requests"] / (raw["duration_us"] / 1e6), 1),
        "latency_ms": {k: round(lat[k] / 1000, 2) for k in ("mean", "p50", "p90", "p99", "max")},
        "errors": raw["errors"],
    }


def percentile(ordered: list[float], pct: float) -> float:
    return ordered[max(0, math.ceil(pct / 100 * len(ordered)) - 1)]


def load_python(port: int, host: str, path: str, seconds: int) -> dict:
    """Fallback load generator: CONNECTIONS threads, each one request at a time."""
    deadline = time.perf_counter() + seconds

    def worker(latencies: list[float], errors: dict[str, int]) -> None:
        conn = None
        while (started := time.perf_counter()) < deadline:
            try:
                if conn is None:
                    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
                conn.request("GET", path, headers={"Host": host})
                response = conn.getresponse()
                response.read()
                if response.status >= 400:
                    errors["status"] += 1
                if response.will_close:
                    conn.close()
                    conn = None
            except (OSError, http.client.HTTPException):
                errors["connect"] += 1
                if conn is not None:
                    conn.close()
                conn = None
                continue
            latencies.append(time.perf_counter() - started)
        if conn is not None:
            conn.close()

    per_thread = [([], {"connect": 0, "status": 0}) for _ in range(CONNECTIONS)]
    threads = [threading.Thread(target=worker, args=args) for args in per_thread]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    ordered = sorted(x for latencies, _ in per_thread for x in latencies)
    if not ordered:
        sys.exit(f"bench: no request to {path} succeeded")
    return {
        "requests": len(ordered),
        "duration_s": round(elapsed, 3),
        "req_per_s": round(len(ordered) / elapsed, 1),
        "latency_ms": {
            "mean": round(statistics.fmean(ordered) * 1000, 2),
            "p50": round(percentile(ordered, 50) * 1000, 2),
            "p90": round(percentile(ordered, 90) * 1000, 2),
            "p99": round(percentile(ordered, 99) * 1000, 2),
            "max": round(ordered[-1] * 1000, 2),
        },
        "errors": {
            kind: sum(errors[kind] for _, errors in per_thread) for kind in ("connect", "status")
        },
    }


def gunicorn_start(env: dict[str, str], port: int) -> subprocess.Popen:
    LOG_DIR.mkdir(parents=True, exist_ok=True)
    out = open(LOG_DIR / "gunicorn.log", "w")  # noqa: SIM115 - lives as long as the server
    args = [
        str(GUNICORN), "--chdir", str(ROOT), "--pythonpath", str(PLATFORM_DIR),
        "--workers", "2", "--worker-class", "sync", "--bind", f"127.0.0.1:{port}",
        "--log-level", "warning", "cityplatform.wsgi:application",
    ]  # fmt: skip
    # Its own session, so stopping it reaches the master and both workers, nothing else.
    return subprocess.Popen(
        args, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
    )


def gunicorn_stop(proc: subprocess.Popen) -> None:
    if proc.poll() is not None:
        return
    os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    log("gunicorn stopped")


def gunicorn_wait(proc: subprocess.Popen, port: int, host: str) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            sys.exit(f"bench: gunicorn exited ({proc.returncode}); see var/bench/gunicorn.log")
        try:
            if http_get(port, host, "/livez")[0] == 200:
                return
        except OSError:
            pass
        time.sleep(0.3)
    sys.exit("bench: gunicorn did not answer /livez within 60 s")


def http_bench(env: dict[str, str], slug: str, center_name: str, wrk: str | None) -> dict:
    host = f"{slug}.localhost"
    port = free_port()
    proc = gunicorn_start(env, port)
    try:
        gunicorn_wait(proc, port, host)
        status, body = http_get(port, host, "/")
        if status != 200 or center_name.encode() not in body:
            sys.exit(f"bench: GET / on {host} answered {status}, not the center's home page")
        status, body = http_get(port, host, "/livez")
        assert (status, body) == (200, b"ok"), (status, body)
        if wrk:

            def load(path: str, seconds: int) -> dict:
                return load_wrk(wrk, port, host, path, seconds)
        else:

            def load(path: str, seconds: int) -> dict:
                return load_python(port, host, path, seconds)

        for path in ("/livez", "/"):
            load(path, WARMUP_SECONDS)
        figures = {}
        for label, path in (("bare", "/livez"), ("home", "/")):
            log(f"load: {path} on {host}, {CONNECTIONS} connections, {LOAD_SECONDS}s")
            figures[label] = {"path": path, **load(path, LOAD_SECONDS)}
    finally:
        gunicorn_stop(proc)
    return {
        "tool": "wrk" if wrk else "python threads + http.client",
        "host": host,
        "gunicorn": "2 sync workers, 127.0.0.1",
        "connections": CONNECTIONS,
        "seconds": LOAD_SECONDS,
        "warmup_seconds": WARMUP_SECONDS,
        **figures,
        "ratio_home_over_bare": round(
            figures["home"]["req_per_s"] / figures["bare"]["req_per_s"], 3
        ),
    }


# --------------------------------------------------------------------------- report


def ms(seconds: float | None) -> str:
    return "-" if seconds is None else f"{seconds * 1000:8.0f} ms"


def row(label: str, median_s: float | None, max_s: float | None) -> str:
    return f"   {label:<58}{ms(median_s)}  {ms(max_s)}"


CATALOG_MATTERS = int(os.environ.get("BENCH_CATALOG_MATTERS", "2000"))
ADOPT_TEMPLATES = int(os.environ.get("BENCH_ADOPT_TEMPLATES", "300"))


def catalog_file(count: int) -> bytes:
    """A district-sized catalog as xlsx: the demo guides, renamed and renumbered."""
    import tablib

    from demo.standards import MATTERS, guide_row

    dataset = None
    for index in range(1, count + 1):
        entry = MATTERS[(index - 1) % len(MATTERS)]
        row = guide_row(entry, index)
        row["事项名称"] = f"{row['事项名称']}（{index:04d}）"
        row["事项编码"] = f"BENCH-{index:05d}"
        if dataset is None:
            dataset = tablib.Dataset(headers=list(row))
        dataset.append(list(row.values()))
    return dataset.export("xlsx")


def catalog_bench(target: CenterSpec) -> dict:
    """Import a 2,000-matter xlsx as city templates (preview, import, the same file again),
    then adopt 300 of them into one center in one action."""
    from django_tenants.utils import schema_context

    from catalog_cms.standards.models import MatterTemplate
    from catalog_cms.standards.services import matter_templates_import, matter_templates_preview
    from centers.catalog.models import LocalMatter
    from centers.catalog.services import catalog_adopt

    content = catalog_file(CATALOG_MATTERS)
    out: dict = {"matters": CATALOG_MATTERS, "file_bytes": len(content)}
    started = time.perf_counter()
    _rows, summary = matter_templates_preview(content=content, filename="bench.xlsx")
    out["preview_s"] = round(time.perf_counter() - started, 2)
    assert not summary.errors, summary.errors[:3]
    started = time.perf_counter()
    matter_templates_import(content=content, filename="bench.xlsx", actor="bench")
    out["import_s"] = round(time.perf_counter() - started, 2)
    out["import_per_matter_ms"] = round(out["import_s"] * 1000 / CATALOG_MATTERS, 2)
    started = time.perf_counter()
    again = matter_templates_import(content=content, filename="bench.xlsx", actor="bench")
    out["reimport_unchanged_s"] = round(time.perf_counter() - started, 2)
    out["reimport_changed"] = len(again.created) + len(again.updated)
    templates = list(
        MatterTemplate.objects.filter(live=True, code__startswith="BENCH-").order_by("code")[
            :ADOPT_TEMPLATES
        ]
    )
    with schema_context(target.slug.replace("-", "_")):
        started = time.perf_counter()
        catalog_adopt(templates=templates, actor="bench")
        out["adopt_s"] = round(time.perf_counter() - started, 2)
        out["adopted"] = LocalMatter.objects.filter(code__startswith="BENCH-").count()
        started = time.perf_counter()
        catalog_adopt(templates=templates, actor="bench")
        out["adopt_again_s"] = round(time.perf_counter() - started, 2)
    out["adopt_templates"] = ADOPT_TEMPLATES
    out["center"] = target.slug
    return out


def print_table(results: dict) -> None:
    if all(k in results for k in ("provision", "series", "migrate_schemas", "http", "catalog")):
        print_platform_table(results)
    if "cases" in results:
        print_cases_table(results["cases"])
    if "portal" in results:
        p = results["portal"]
        print(
            f"\n7. guide page {p['guide_cached']['path']} on {p['host']}: cached "
            f"{p['guide_cached']['req_per_s']:.0f} req/s against the bare view "
            f"{p['bare']['req_per_s']:.0f} req/s (ratio {p['ratio_guide_over_bare']:.2f}); "
            f"cold render in-process p50 {p['cold_in_process_ms']['p50']} ms, "
            f"p95 {p['cold_in_process_ms']['p95']} ms"
        )
    if "search" in results:
        sys.path.insert(0, str(ROOT / "bench"))
        import search as search_bench

        search_bench.print_table(results["search"])


def print_cases_table(c: dict) -> None:
    load = c["load"]
    loaded = (
        f"loaded in {load['load_s']:.0f} s" if load.get("loaded") else f"{load['existing']} kept"
    )
    lines = ["", f"6. case desk: {c['cases']:,} cases in {c['center']} ({loaded})"]
    lines.append(f"   {'GET /api/v1/cases/?…':<44}{'p50':>9}  {'p95':>9}  rows")
    for label, f in c["list"].items():
        lines.append(f"   {label:<44}{f['p50_ms']:7.1f} ms {f['p95_ms']:7.1f} ms  {f['rows']}")
    i = c["intake"]
    lines.append(
        f"   intake POST /api/v1/cases/ (accept + notice PDF), {i['threads']} threads, gunicorn "
        f"2 sync workers: {i['per_s']:.1f} cases/s, p50 {i['p50_ms']} ms, p95 {i['p95_ms']} ms, "
        f"{i['created']} created, {i['errors']} errors"
    )
    print("\n".join(lines))
    if "pii" in c:
        import pii_overhead

        pii_overhead.print_table(c["pii"])


def print_platform_table(results: dict) -> None:
    m, p, s = results["machine"], results["provision"], results["series"]
    mig, h = results["migrate_schemas"], results["http"]
    early, late = p["clone_fallback_early"], p["clone_fallback_late"]
    ratio = p["clone_fallback_ratio_late_over_early"]
    fast = p["fast_path"]
    tf, tc = s["fast_path_trend"], s["refill_clone_trend"]
    dirty = " (dirty tree)" if m["git_dirty"] else ""
    fallback_rows = [
        row(f"clone fallback: pool empty, {c['centers_before']} centers, {label}",
            c[key]["median_s"], c[key]["max_s"])
        for c in (early, late)
        for key, label in (("bench_connection", "bench conn."), ("new_connection", "new conn."))
    ]  # fmt: skip
    lines = [
        "",
        f"City platform bench, {m['date']}: {m['nproc']} CPUs, load {m['loadavg_start']} -> "
        f"{m['loadavg_end']}, Python {m['python']}, PostgreSQL {m['postgres']}",
        f"commit {m['git_commit']}{dirty}; CENTER_SPARE_SCHEMAS={SPARES}",
        "",
        f"{'1. One center_create call':<61}{'median':>11}  {'max':>11}",
        row(f"fast path: spare pool warm (centers 1-{len(fast['samples_s'])})",
            fast["median_s"], fast["max_s"]),
        *fallback_rows,
        "   (bench conn. = the connection that made every center so far; new conn. = fresh)",
        "",
        f"2. {s['count']} centers in a row, pool refilled between them outside the timing "
        f"(all fast path: {s['all_fast_path']})",
        f"   fast path       first {tf['window']} median {ms(tf['first_median_s'])}, last "
        f"{tf['window']} median {ms(tf['last_median_s'])}, ratio {tf['ratio_last_over_first']:.2f}"
        f"  [{s['verdict']}]",
        f"   refill (clone)  first {tc['window']} median {ms(tc['first_median_s'])}, last "
        f"{tc['window']} median {ms(tc['last_median_s'])}, ratio {tc['ratio_last_over_first']:.2f}"
        "  (worker: new connection per task)",
        f"   clone fallback  {late['centers_before']} vs {early['centers_before']} centers: ratio "
        f"{ratio['new_connection']:.2f} on a new connection, "
        f"{ratio['bench_connection']:.2f} on the bench connection",
        "",
        f"3. migrate_schemas with nothing to apply, {mig['schemas_in_database']} schemas: "
        f"{mig['wall_s']:.1f} s (target < {mig['target_s']:.0f} s) "
        f"[{'PASS' if mig['wall_s'] < mig['target_s'] else 'FAIL'}]",
        "",
        f"4. {h['host']}, gunicorn {h['gunicorn']}, {h['tool']}, "
        f"{h['connections']} connections x {h['seconds']} s",
    ]  # fmt: skip
    for label in ("bare", "home"):
        f = h[label]
        lat = f["latency_ms"]
        lines.append(
            f"   {f['path']:<7} {f['req_per_s']:8.1f} req/s   p50 {lat['p50']:7.1f} ms   "
            f"p99 {lat['p99']:7.1f} ms   errors {sum(f['errors'].values())}"
        )
    c = results["catalog"]
    lines += [
        f"   home / bare = {h['ratio_home_over_bare']:.2f}",
        "",
        f"5. catalog: {c['matters']}-matter xlsx ({c['file_bytes'] // 1024} KiB): preview "
        f"{c['preview_s']:.1f} s, import and publish {c['import_s']:.1f} s "
        f"({c['import_per_matter_ms']:.1f} ms a matter), same file again "
        f"{c['reimport_unchanged_s']:.1f} s ({c['reimport_changed']} changed)",
        f"   adopt {c['adopt_templates']} templates into {c['center']} in one action: "
        f"{c['adopt_s']:.2f} s ({c['adopted']} adopted); again {c['adopt_again_s']:.2f} s",
        "",
        f"setup_platform {results['setup_platform_s']:.1f} s, "
        f"bench total {results['total_s']:.0f} s; raw numbers in {RESULTS_FILE.relative_to(ROOT)}",
    ]
    print("\n".join(lines))
    if results.get("profile"):
        seconds = results["profile"]["seconds"]
        print(f"\nWhere a fast-path provision spends its time ({seconds:.3f} s under cProfile):")
        print(results["profile"]["top15_cumulative"])


# --------------------------------------------------------------------------- phases


def provisioning(worker: Worker, results: dict) -> CenterSpec:
    """Figures 1 and 2: the series of centers and the clone-fallback samples.
    Returns the series center whose pages figure 4 loads."""
    probes = ProbeSpecs()
    specs = series_specs(CENTERS)
    log(f"provisioning {len(specs)} centers (pool of {SPARES}, refilled between provisions)")
    rows = run_series(specs, worker, probes, results)
    fast = [r["seconds"] for r in rows[:EARLY_AT]]
    fast_trend = trend(rows, "seconds")

    profile = None
    if FORCE_PROFILE or max(median(fast), fast_trend["last_median_s"]) > PROFILE_OVER_SECONDS:
        assert spare_count() > 0
        seconds, text = profile_provision(probes.take())
        profile = {"seconds": round(seconds, 4), "top15_cumulative": text}
        worker.refill()

    log(f"clone-fallback samples at {center_count()} centers")
    late = clone_fallback_samples(worker, probes, CLONE_SAMPLES)
    early = results.pop("clone_fallback_early")
    results["provision"] = {
        "fast_path": {
            **summary(fast),
            "centers_before": list(range(len(fast))),
            "note": "series centers 1-10; the first call also pays the process warm-up",
        },
        "clone_fallback_early": early,
        "clone_fallback_late": late,
        "clone_fallback_ratio_late_over_early": {
            key: round(late[key]["median_s"] / early[key]["median_s"], 3)
            for key in ("bench_connection", "new_connection")
        },
        "note": "bench_connection: the connection that made every center so far; "
        "new_connection: a connection opened for that one call (connecting not timed)",
    }
    results["series"] = {
        "count": len(rows),
        "fast_path_trend": fast_trend,
        "refill_clone_trend": trend(rows, "refill_s"),
        "verdict": "flat" if fast_trend["ratio_last_over_first"] <= FLAT_RATIO else "GROWS",
        "all_fast_path": all(r["path"] == "spare" for r in rows),
        "centers_total_after": center_count(),
        "per_center": rows,
    }
    results["profile"] = profile
    return specs[len(specs) // 2]


# --------------------------------------------------------------------------- main


def main() -> None:
    def stop(signum, _frame):
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGHUP, stop)

    loadavg_start = load_average()
    env = bench_environment()
    wrk = ensure_wrk()
    log(f"recreating database {BENCH_DB}; flushing Redis db {REDIS_DB}")
    database_recreate(env["DATABASE_URL"])
    redis_flush(env["REDIS_URL"])
    log("manage.py setup_platform (public, template, city, spare pool)")
    setup_s, _ = run_logged([str(PYTHON), "manage.py", "setup_platform"], env, "setup_platform.log")
    django_boot(env)
    machine = {**machine_info(wrk), "loadavg_start": loadavg_start}
    results: dict = {"machine": machine, "setup_platform_s": round(setup_s, 2)}
    results["config"] = {
        "database": BENCH_DB,
        "redis_db": REDIS_DB,
        "center_spare_schemas": SPARES,
        "centers": CENTERS,
        "clone_samples": CLONE_SAMPLES,
        "settings": "cityplatform.settings.dev, DJANGO_DEBUG=false, scrypt password hasher",
    }

    target = None
    if "provision" in PHASES:
        worker = Worker()
        try:
            target = provisioning(worker, results)
        finally:
            worker.shutdown()

    if "catalog" in PHASES and target is not None:
        log(f"catalog: import {CATALOG_MATTERS} matters, adopt {ADOPT_TEMPLATES} templates")
        results["catalog"] = catalog_bench(target)

    if "migrate" in PHASES:
        log("manage.py migrate_schemas (nothing to apply)")
        results["migrate_schemas"] = migrate_noop(env)

    if "dump" in PHASES:  # the whole-city backup (bench/dump.py)
        sys.path.insert(0, str(ROOT / "bench"))
        import dump as dump_bench

        results["dump"] = dump_bench.dump_bench(env["DATABASE_URL"], log)
        dump_bench.print_table(results["dump"])

    if "http" in PHASES and target is not None:
        log(f"HTTP load on {target.slug}.localhost")
        results["http"] = http_bench(env, target.slug, target.name, wrk)

    if "cases" in PHASES:
        results["cases"] = cases_phase(env)

    if "portal" in PHASES:
        results["portal"] = portal_phase(env, wrk)

    if "search" in PHASES:
        results["search"] = search_phase()

    if "supervision" in PHASES:  # 电子监察 over 300 centers (bench/supervision.py)
        sys.path.insert(0, str(ROOT / "bench"))
        import supervision as supervision_bench

        results["supervision"] = supervision_bench.supervision_bench(log)
        supervision_bench.print_table(results["supervision"])

    if "dashboard" in PHASES:  # the city dashboard over 300 centers × 365 days (bench/metrics.py)
        sys.path.insert(0, str(ROOT / "bench"))
        import metrics as metrics_bench

        results["dashboard"] = metrics_bench.metrics_bench(log)
        metrics_bench.print_table(results["dashboard"])

    machine["loadavg_end"] = load_average()
    started_at = os.environ.get("BENCH_STARTED_AT")
    results["total_s"] = round(
        time.time() - float(started_at) if started_at else time.perf_counter() - STARTED, 1
    )
    RESULTS_FILE.parent.mkdir(parents=True, exist_ok=True)
    RESULTS_FILE.write_text(json.dumps(results, ensure_ascii=False, indent=2) + "\n")
    print_table(results)


def portal_phase(env: dict[str, str], wrk: str | None) -> dict:
    """Figure 7: a service guide page against the bare view, cached and cold."""
    import statistics as stats

    from django.test import Client
    from django_tenants.utils import schema_context

    from catalog_cms.standards.selectors import templates_for_center_kind
    from centers.catalog.cache import catalog_changed
    from centers.catalog.models import LocalMatter
    from centers.catalog.services import catalog_adopt
    from demo import standards as standards_demo
    from tenants.models import Center
    from tenants.services import center_create

    slug = "bench-portal"
    if not Center.objects.filter(slug="shenbei").exists():
        center_create(
            kind="district", division_code="210113000000", name="沈北新区", slug="shenbei",
            actor="bench",
        )  # fmt: skip
    if not Center.objects.filter(slug=slug).exists():
        center_create(
            kind="township", division_code="210113107000", name="指南镇", slug=slug,
            parent_slug="shenbei", actor="bench",
        )  # fmt: skip
    standards_demo.seed_city()
    schema = slug.replace("-", "_")
    with schema_context(schema):
        catalog_adopt(templates=templates_for_center_kind("township"), actor="bench")
        code = LocalMatter.objects.order_by("code").values_list("code", flat=True).first()
    host = f"{slug}.localhost"
    path = f"/guides/{code}/"
    # Cold: the catalog version moves before every request, so each one renders the guide.
    client = Client(HTTP_HOST=host)
    cold = []
    for _ in range(40):
        with schema_context(schema):
            catalog_changed()
        started = time.perf_counter()
        response = client.get(path)
        cold.append(time.perf_counter() - started)
        assert response.status_code == 200, response.status_code
    port = free_port()
    proc = gunicorn_start(env, port)
    try:
        gunicorn_wait(proc, port, host)

        def load(target: str, seconds: int) -> dict:
            if wrk:
                return load_wrk(wrk, port, host, target, seconds)
            return load_python(port, host, target, seconds)

        for target in ("/livez", path):
            load(target, WARMUP_SECONDS)
        figures = {}
        for label, target in (("bare", "/livez"), ("guide_cached", path)):
            log(f"load: {target} on {host}")
            figures[label] = {"path": target, **load(target, LOAD_SECONDS)}
    finally:
        gunicorn_stop(proc)
    return {
        "host": host,
        "cold_in_process_ms": {
            "p50": round(stats.median(cold) * 1000, 1),
            "p95": round(sorted(cold)[int(0.95 * (len(cold) - 1))] * 1000, 1),
        },
        **figures,
        "ratio_guide_over_bare": round(
            figures["guide_cached"]["req_per_s"] / figures["bare"]["req_per_s"], 3
        ),
    }


def search_phase() -> dict:
    """Figure 8: the guide search at 5,000 matters in a center and over 300 centers
    (bench/search.py); last, as it adds index-only centers for its run and removes them."""
    sys.path.insert(0, str(ROOT / "bench"))
    import search as search_bench

    return search_bench.search_bench(log)


def cases_phase(env: dict[str, str]) -> dict:
    """Figure 6: a center with a million cases (bench/cases.py)."""
    sys.path.insert(0, str(ROOT / "bench"))
    import cases as case_bench

    from tenants.services import center_create

    slug = "bench-cases"
    from tenants.models import Center

    if not Center.objects.filter(slug="shenbei").exists():
        center_create(
            kind="district", division_code="210113000000", name="沈北新区", slug="shenbei",
            actor="bench",
        )  # fmt: skip
    if not Center.objects.filter(slug=slug).exists():
        center_create(
            kind="township", division_code="210113106000", name="压测镇", slug=slug,
            parent_slug="shenbei", actor="bench",
        )  # fmt: skip
    schema = slug.replace("-", "_")
    context = case_bench.setup_center(schema)
    log(f"cases: loading {case_bench.CASES} cases into {slug}")
    out: dict = {"center": slug, "cases": case_bench.CASES}
    out["load"] = case_bench.load_cases(schema, context)
    log("cases: list timings through the API (in-process)")
    out["list"] = case_bench.list_bench(schema, f"{slug}.localhost", context)
    log("cases: what the encrypted ID number costs (in-process, paired requests)")
    import pii_overhead

    out["pii"] = pii_overhead.overhead_bench(schema, f"{slug}.localhost", context)
    port = free_port()
    proc = gunicorn_start(env, port)
    try:
        gunicorn_wait(proc, port, f"{slug}.localhost")
        log(f"cases: intake through the API, {case_bench.INTAKE_THREADS} threads")
        out["intake"] = case_bench.intake_bench(port, f"{slug}.localhost", context)
    finally:
        gunicorn_stop(proc)
    return out


if __name__ == "__main__":
    main()
