#!/usr/bin/env bash
# `make bench`: installs what is missing, starts PostgreSQL and Redis if needed, then runs
# bench/run.py, which works in its own database (BENCH_DATABASE, cityservice_bench, recreated
# every run) and its own Redis database (BENCH_REDIS_DB, 1), never the development ones.
# Results: bench/results/latest.json.
#
# BENCH_SMOKE=1 runs every phase at small sizes (CI: a change that breaks a benchmark fails
# there); each size is still an environment knob of its own and wins when set.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "${BENCH_SMOKE:-}" = 1 ]; then
  : "${BENCH_CENTERS:=20}" "${BENCH_CLONE_SAMPLES:=2}" "${BENCH_LOAD_SECONDS:=2}"
  : "${BENCH_WARMUP_SECONDS:=1}" "${BENCH_CATALOG_MATTERS:=200}" "${BENCH_ADOPT_TEMPLATES:=20}"
  : "${BENCH_CASES:=20000}" "${BENCH_LIST_SAMPLES:=5}" "${BENCH_INTAKE_SECONDS:=2}"
  : "${BENCH_PII_SAMPLES:=10}" "${BENCH_SEARCH_MATTERS:=300}" "${BENCH_SEARCH_CENTERS:=20}"
  : "${BENCH_SEARCH_PER_CENTER:=20}" "${BENCH_SEARCH_ROUNDS:=3}"
  : "${BENCH_SUPERVISION_CENTERS:=20}" "${BENCH_SUPERVISION_CASES:=2000}"
  : "${BENCH_METRICS_CENTERS:=20}" "${BENCH_METRICS_DAYS:=30}" "${BENCH_METRICS_ROUNDS:=3}"
  export BENCH_CENTERS BENCH_CLONE_SAMPLES BENCH_LOAD_SECONDS BENCH_WARMUP_SECONDS \
    BENCH_CATALOG_MATTERS BENCH_ADOPT_TEMPLATES BENCH_CASES BENCH_LIST_SAMPLES \
    BENCH_INTAKE_SECONDS BENCH_PII_SAMPLES BENCH_SEARCH_MATTERS BENCH_SEARCH_CENTERS \
    BENCH_SEARCH_PER_CENTER BENCH_SEARCH_ROUNDS BENCH_SUPERVISION_CENTERS \
    BENCH_SUPERVISION_CASES BENCH_METRICS_CENTERS BENCH_METRICS_DAYS BENCH_METRICS_ROUNDS
fi

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
