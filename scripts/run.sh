#!/usr/bin/env bash
# `make run`: the whole product with demo data on http://localhost:8000/. Ctrl-C stops
# everything this script started (the database and Redis keep running; `make stop` stops them).
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/bootstrap.sh
scripts/services.sh start
# Settings read var/services.env themselves; it is not exported here so that later calls of
# services.sh still see the servers as their own.
PY=.venv/bin/python
export CELERY_TASK_ALWAYS_EAGER=false

$PY manage.py setup_platform -v 0
$PY manage.py seed_demo | tee var/demo-logins.txt

pids=()
cleanup() {
  trap - INT TERM EXIT
  echo "stopping web, worker and beat" >&2
  kill "${pids[@]}" 2>/dev/null || true
  wait 2>/dev/null || true
}
trap cleanup INT TERM EXIT

mkdir -p var/log var/celery
PYTHONPATH=platform .venv/bin/celery -A cityplatform worker --loglevel INFO --concurrency 2 \
  >var/log/worker.log 2>&1 &
pids+=($!)
PYTHONPATH=platform .venv/bin/celery -A cityplatform beat --loglevel INFO \
  --schedule "$PWD/var/celery/beat-schedule" >var/log/beat.log 2>&1 &
pids+=($!)
echo "worker and beat started (logs in var/log/)" >&2
$PY manage.py runserver 0.0.0.0:8000 &
pids+=($!)
wait -n "${pids[@]}"
