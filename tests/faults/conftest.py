"""The fault tests' own world: a throwaway PostgreSQL cluster and a Redis on free ports in a
temporary folder, with gunicorn (the production config), a Celery worker and beat running
against them as real processes. The tests kill and restart these for real; the development
PostgreSQL and Redis, which other suites use at the same time, are never touched.

The database is a copy (pg_dump | pg_restore, about two seconds) of the migrated test database
that pytest-django builds on the main cluster, so no migration runs twice; the centers and
users the tests need are made by tests/faults/seed.py in a subprocess. Everything is stopped
and removed at the end, failed or not."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.db import connection

from tests.prerequisites import missing, require_command

ROOT = Path(__file__).resolve().parents[2]
VENV_BIN = Path(sys.executable).parent
DB_NAME = "cityfaults"
# Beat's heartbeat every 2 s: /healthz calls a schema stale after five intervals (10 s), so a
# dead worker shows there within the test's time.
HEARTBEAT_SECONDS = 2


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _services_env() -> dict:
    values = {}
    path = ROOT / "var" / "services.env"
    if path.exists():
        for line in path.read_text().splitlines():
            if "=" in line and not line.startswith("#"):
                key, value = line.split("=", 1)
                values[key] = value.strip("'")
    return values


def _pg_bin() -> Path:
    found = _services_env().get("PG_BIN") or os.environ.get("PG_BIN")
    if found and (Path(found) / "initdb").exists():
        return Path(found)
    candidates = sorted(Path("/usr/lib/postgresql").glob("*/bin"), key=lambda p: int(p.parent.name))
    for candidate in reversed(candidates):
        if (candidate / "initdb").exists():
            return candidate
    missing("no PostgreSQL server binaries (initdb) on this machine")


def _pg_os_user() -> str | None:
    """PostgreSQL refuses to run as root: as root, run it as the user scripts/services.sh
    runs the project's cluster as."""
    import pwd

    if os.geteuid() != 0:
        return None
    for user in (_services_env().get("PG_OS_USER"), "postgres", "cityservice-pg"):
        if user and user != "root":
            try:
                pwd.getpwnam(user)
            except KeyError:
                continue
            return user
    missing("running as root and no user to run PostgreSQL as")


class Stack:
    """The processes under test and the means to hurt them."""

    def __init__(self, tmp: Path):
        self.tmp = tmp
        self.pg_bin = _pg_bin()
        self.pg_user = _pg_os_user()
        self.pg_port = _free_port()
        self.redis_port = _free_port()
        self.web_port = _free_port()
        self.pg_data = tmp / "pg"
        self.procs: dict[str, subprocess.Popen] = {}
        self.commands: dict[str, tuple] = {}
        self.lock = threading.Lock()
        self.stopping = threading.Event()
        self.restarts: list[tuple[str, int]] = []  # (process, exit code) the supervisor saw
        self.worker_runs = 0
        # Not PYTEST_XDIST_WORKER: the stack has a Redis of its own, with no worker's offset.
        inherited = {k: v for k, v in os.environ.items() if k != "PYTEST_XDIST_WORKER"}
        self.env = {
            **inherited,
            "DATABASE_URL": f"postgres://city:city@127.0.0.1:{self.pg_port}/{DB_NAME}",
            "REDIS_URL": f"redis://127.0.0.1:{self.redis_port}/0",
            "TEST_REDIS_DB": "1",  # cache in 1, broker in 0 (settings.test)
            "DJANGO_SETTINGS_MODULE": "cityplatform.settings.test",
            "DJANGO_DEBUG": "false",
            "PYTHONPATH": f"platform{os.pathsep}.",
            "HEARTBEAT_INTERVAL_SECONDS": str(HEARTBEAT_SECONDS),
            "CELERY_TASK_ALWAYS_EAGER": "false",
            "LOG_LEVEL": "INFO",
        }
        self.broker_url = f"redis://127.0.0.1:{self.redis_port}/0"
        self.seed: dict = {}

    # --- PostgreSQL -------------------------------------------------------------------------

    def _as_pg(self, *args, **kwargs):
        command = [str(a) for a in args]
        if self.pg_user:
            command = ["runuser", "-u", self.pg_user, "--", *command]
        return subprocess.run(command, check=True, capture_output=True, cwd="/", **kwargs)

    def pg_init(self) -> None:
        if self.pg_user:
            shutil.chown(self.tmp, self.pg_user)
        self._as_pg(
            self.pg_bin / "initdb", "-D", self.pg_data, "-U", "postgres", "--auth=trust",
            "--locale=C.UTF-8", "--encoding=UTF8", "--no-sync",
        )  # fmt: skip
        options = (
            f"-p {self.pg_port} -k {self.tmp} -c listen_addresses=127.0.0.1 "
            # as scripts/services.sh: pg_dump of many schemas needs a large lock table
            "-c max_locks_per_transaction=512 -c fsync=off -c full_page_writes=off"
        )
        (self.pg_data / "faults.opts").write_text(options)
        self.pg_ctl("start")
        self.psql("postgres", "CREATE ROLE city LOGIN CREATEDB PASSWORD 'city'")
        self.psql("postgres", f"CREATE DATABASE {DB_NAME} OWNER city TEMPLATE template0")
        self.psql(DB_NAME, "CREATE EXTENSION IF NOT EXISTS pg_trgm")

    def pg_ctl(self, action: str, *extra: str) -> None:
        options = (self.pg_data / "faults.opts").read_text()
        log = self.tmp / "postgres.log"
        self._as_pg(
            self.pg_bin / "pg_ctl", "-D", self.pg_data, "-l", log, "-o", options, "-w", "-t",
            "30", "-s", action, *extra,
        )  # fmt: skip

    def psql(self, database: str, statement: str) -> None:
        subprocess.run(
            [self.pg_bin / "psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1",
             "-p", str(self.pg_port), "-U", "postgres", "-d", database, "-c", statement],
            check=True, capture_output=True,
        )  # fmt: skip

    def pg_copy_from(self, source: dict) -> None:
        """The migrated test database of the main cluster, copied in."""
        dump = self.tmp / "test.dump"
        env = {**os.environ, "PGPASSWORD": source["PASSWORD"]}
        with dump.open("wb") as out:
            subprocess.run(
                [self.pg_bin / "pg_dump", "-Fc", "-Z0", "-h", source["HOST"],
                 "-p", str(source["PORT"]), "-U", source["USER"], source["NAME"]],
                check=True, stdout=out, stderr=subprocess.PIPE, env=env,
            )  # fmt: skip
        # The extension is made by the superuser above; its comment is not city's to restore.
        listing = subprocess.run(
            [self.pg_bin / "pg_restore", "-l", dump], check=True, capture_output=True, text=True
        ).stdout
        items = self.tmp / "restore.list"
        items.write_text(
            "\n".join(line for line in listing.splitlines() if "COMMENT - EXTENSION" not in line)
        )
        subprocess.run(
            [self.pg_bin / "pg_restore", "-h", "127.0.0.1", "-p", str(self.pg_port), "-U",
             "city", "-d", DB_NAME, "--no-owner", "--no-acl", "-j", "4", "-L", items, dump],
            check=True, capture_output=True, env={**os.environ, "PGPASSWORD": "city"},
        )  # fmt: skip

    def sql(self, statement: str, params=None) -> list[tuple]:
        """A statement on the cluster under test, in its own connection (autocommit)."""
        import psycopg2

        conn = psycopg2.connect(self.dsn, connect_timeout=5)
        try:
            conn.autocommit = True
            with conn.cursor() as cursor:
                cursor.execute(statement, params)
                return cursor.fetchall() if cursor.description else []
        finally:
            conn.close()

    @property
    def dsn(self) -> str:
        return f"host=127.0.0.1 port={self.pg_port} dbname={DB_NAME} user=city password=city"

    def pg_restart(self) -> None:
        self.pg_ctl("restart", "-m", "fast")

    # --- Redis ------------------------------------------------------------------------------

    def redis_start(self) -> None:
        (self.tmp / "redis").mkdir(exist_ok=True)
        self._spawn(
            "redis",
            ["redis-server", "--port", str(self.redis_port), "--bind", "127.0.0.1",
             "--dir", str(self.tmp / "redis"), "--appendonly", "yes", "--appendfsync",
             "everysec", "--save", "", "--daemonize", "no"],
        )  # fmt: skip
        self._wait(lambda: self._redis_ping(), "redis did not start")

    def _redis_ping(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.redis_port), timeout=1) as sock:
                sock.sendall(b"PING\r\n")
                return sock.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def cache_flush(self) -> None:
        """Empty the cache's Redis database (the domain-to-center lookups with it)."""
        with socket.create_connection(("127.0.0.1", self.redis_port), timeout=2) as sock:
            sock.sendall(b"SELECT 1\r\nFLUSHDB\r\n")
            assert sock.recv(64).count(b"+OK") >= 1

    def redis_stop(self) -> None:
        """A clean shutdown, as `scripts/services.sh stop-redis` does (the AOF is kept)."""
        self._stop("redis", signal.SIGTERM)

    # --- the application's processes ---------------------------------------------------------

    def web_start(self) -> None:
        self._spawn(
            "web",
            [VENV_BIN / "gunicorn", "--config", ROOT / "deploy" / "gunicorn.conf.py"],
            GUNICORN_BIND=f"127.0.0.1:{self.web_port}",
            GUNICORN_WORKERS="4",
            GUNICORN_ACCESS_LOG=str(self.tmp / "access.log"),
            GUNICORN_ERROR_LOG=str(self.tmp / "web.log"),
        )

    def web_wait(self) -> None:
        self._wait(lambda: self.get("localhost", "/livez")[0] == 200, "gunicorn did not start", 60)

    def _worker_command(self) -> list:
        """A worker as deploy/bin/city-worker runs it (prefork, two processes)."""
        return [
            VENV_BIN / "celery", "-A", "cityplatform", "worker", "--concurrency", "2",
            "--loglevel", "INFO", "--hostname", f"faults{self.worker_runs}@localhost",
            "--without-mingle", "--without-gossip",
        ]  # fmt: skip

    def worker_start(self, wait: bool = True) -> None:
        self.worker_runs += 1
        self._spawn("worker", self._worker_command(), log=self.tmp / "worker.log")
        if wait:
            self.worker_wait()

    def worker_wait(self) -> None:
        hostname = f"faults{self.worker_runs}@localhost"
        self._wait(
            lambda: f"{hostname} ready." in self.worker_log(),
            "the Celery worker did not start",
            timeout=60,
        )

    def worker_log(self) -> str:
        path = self.tmp / "worker.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def worker_kill(self) -> None:
        """SIGKILL to the worker's whole process group, as systemd's KillMode does: the main
        process and its pool children die at once, acknowledging nothing."""
        self._stop("worker", signal.SIGKILL)

    def beat_start(self) -> None:
        self._spawn(
            "beat",
            [VENV_BIN / "celery", "-A", "cityplatform", "beat", "--loglevel", "INFO",
             "--schedule", self.tmp / "beat-schedule"],
            log=self.tmp / "beat.log",
        )  # fmt: skip

    def _spawn(self, name: str, command: list, log: Path | None = None, **env) -> None:
        out = (log or self.tmp / f"{name}.out").open("ab")
        with self.lock:
            self.procs[name] = subprocess.Popen(
                [str(c) for c in command], cwd=ROOT, env={**self.env, **env}, stdout=out,
                stderr=subprocess.STDOUT, start_new_session=True,
            )  # fmt: skip
            self.commands[name] = (command, log, env)
        out.close()

    def _stop(self, name: str, sig: int) -> None:
        with self.lock:  # taken from the supervisor first: a process we stop stays stopped
            proc = self.procs.pop(name, None)
        if proc is None or proc.poll() is not None:
            return
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            return
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)
        if sig == signal.SIGKILL:  # the pool children are in the same group; wait them out
            self._wait(lambda: not _group_alive(proc.pid), "the worker's pool outlived it")

    def supervise(self) -> None:
        """What deploy/systemd's units (Restart=on-failure, RestartSec=2) and the compose
        file (restart: unless-stopped) do for the worker and beat: a process that exits on its
        own with an error is started again two seconds later."""

        def loop():
            while not self.stopping.wait(0.5):
                for name in ("worker", "beat"):
                    with self.lock:
                        proc = self.procs.get(name)
                        if proc is None or proc.poll() in (None, 0):
                            continue
                        self.procs.pop(name)
                    self.restarts.append((name, proc.returncode))
                    if self.stopping.wait(2):
                        return
                    if name == "worker":
                        self.worker_runs += 1
                        command = self._worker_command()
                        self._spawn(name, command, log=self.tmp / "worker.log")
                    else:
                        self._spawn(name, *self.commands[name][:2])

        threading.Thread(target=loop, daemon=True).start()

    def alive(self, name: str) -> bool:
        proc = self.procs.get(name)
        return proc is not None and proc.poll() is None

    def stop_all(self) -> None:
        self.stopping.set()
        for name in ("beat", "worker", "web", "redis"):
            with contextlib.suppress(Exception):  # tear everything down whatever happens
                self._stop(name, signal.SIGKILL)
        if (self.pg_data / "postmaster.pid").exists():
            with contextlib.suppress(subprocess.CalledProcessError):
                self.pg_ctl("stop", "-m", "immediate")

    # --- talking to it ------------------------------------------------------------------------

    def request(self, method, host, path, body=None, headers=None, timeout=15):
        """(status, parsed JSON or bytes); status None when the connection failed."""
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(
            f"http://127.0.0.1:{self.web_port}{path}", data=data, method=method,
            headers={"Host": host, "Content-Type": "application/json", **(headers or {})},
        )  # fmt: skip
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                status, raw = response.status, response.read()
        except urllib.error.HTTPError as exc:
            status, raw = exc.code, exc.read()
        except OSError:
            return None, b""
        try:
            return status, json.loads(raw)
        except ValueError:
            return status, raw

    def get(self, host, path, **kwargs):
        return self.request("GET", host, path, **kwargs)

    def api(self, method, path, body=None, headers=None, timeout=15):
        township = self.seed["township"]["host"]
        headers = {"Authorization": f"Token {self.seed['token']}", **(headers or {})}
        return self.request(method, township, path, body, headers, timeout)

    def healthz(self, host: str | None = None) -> tuple:
        from django.conf import settings

        headers = {"X-Healthz-Token": settings.HEALTHZ_TOKEN}  # the checks, not just the status
        return self.get(
            host or self.seed["township"]["host"], "/healthz", headers=headers, timeout=10
        )

    def send_task(self, name: str, args=(), schema: str | None = None) -> str:
        """Send a task by name as beat (or a tenant) would; returns its id."""
        from celery import Celery

        # Not the current app: the rest of the suite keeps sending through its own broker.
        app = Celery(broker=self.broker_url, set_as_current=False)
        try:
            headers = {"_schema_name": schema} if schema else None
            return app.send_task(name, args=list(args), headers=headers).id
        finally:
            app.close()

    def task_done(self, *task_ids: str, timeout: float = 60) -> None:
        """Wait until the worker logged each task as finished."""
        self._wait(
            lambda: all(f"[{i}] succeeded" in self.worker_log() for i in task_ids),
            f"the worker did not run {task_ids}",
            timeout,
        )

    def _wait(self, condition, message: str, timeout: float = 30) -> None:
        wait_for(condition, message, timeout)


def wait_for(condition, message: str, timeout: float = 30, every: float = 0.2):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(every)
    pytest.fail(message)


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    # Zombies of a reaped group still answer signal 0; look for a live member.
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == pgid and fields[0] != "Z":
            return True
    return False


@pytest.fixture(scope="module")
def stack(django_db_setup, django_db_blocker):
    """The whole stack, up; torn down after the module whatever happened."""
    require_command("redis-server", "redis-server is not installed")
    with django_db_blocker.unblock():
        from tests.conftest import _require_test_database

        _require_test_database()
        source = dict(connection.settings_dict)
    tmp = Path(tempfile.mkdtemp(prefix="cs-faults-"))
    stack = Stack(tmp)
    try:
        stack.pg_init()
        stack.pg_copy_from(source)
        stack.redis_start()
        # The processes start (slowly: each imports Django) while the seed runs.
        stack.web_start()
        stack.worker_start(wait=False)
        stack.beat_start()
        seeded = subprocess.run(
            [sys.executable, "-m", "tests.faults.seed"], cwd=ROOT, env=stack.env,
            check=True, capture_output=True, text=True,
        )  # fmt: skip
        stack.seed = json.loads(seeded.stdout.strip().splitlines()[-1])
        stack.web_wait()
        stack.worker_wait()
        stack.supervise()
        yield stack
    except subprocess.CalledProcessError as exc:
        pytest.fail(f"{exc.cmd}: {exc.stderr!s:.2000}")
    finally:
        stack.stop_all()
        if os.environ.get("FAULTS_KEEP_TMP"):
            print(f"fault stack left in {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)
