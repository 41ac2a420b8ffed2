#!/usr/bin/env bash
# `make test`: installs what is missing (as root, the Debian packages the tests need too),
# starts PostgreSQL and Redis if needed, runs pytest in parallel.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/system-packages.sh test
scripts/bootstrap.sh
scripts/services.sh start
# Settings read var/services.env themselves; it is not exported here so that later calls of
# services.sh still see the servers as their own.
export DJANGO_SETTINGS_MODULE=cityplatform.settings.test
# One pytest-xdist worker per core, at most 4: each has its own test database and two Redis
# databases (settings/test.py); the tests of a module-scoped fixture, and the fault tests, stay
# on one worker (--dist loadgroup, tests/conftest.py). TEST_WORKERS=0 runs in one process;
# ARGS come last and win (ARGS="-n 0", a path, -x).
cores=$(nproc 2>/dev/null || echo 1)
workers=${TEST_WORKERS:-$((cores > 4 ? 4 : cores))}
[ "$workers" = 1 ] && workers=0
exec .venv/bin/pytest -n "$workers" --dist loadgroup "$@"
