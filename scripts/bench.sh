#!/usr/bin/env bash
# `make bench`: installs what is missing, starts PostgreSQL and Redis if needed, then runs
# bench/run.py, which works in its own database (cityservice_bench, recreated every run) and
# its own Redis database (/13), never the development ones. Results: bench/results/latest.json.
set -euo pipefail
cd "$(dirname "$0")/.."

BENCH_STARTED_AT=$(date +%s.%N)
export BENCH_STARTED_AT

scripts/bootstrap.sh
scripts/services.sh start
set -a
# shellcheck disable=SC1091
. var/services.env
set +a
# run.py points DATABASE_URL/REDIS_URL at the bench database for itself and every process it
# starts, and stops the gunicorn it starts on exit, Ctrl-C or SIGTERM.
exec .venv/bin/python bench/run.py "$@"
