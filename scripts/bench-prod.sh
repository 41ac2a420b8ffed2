#!/usr/bin/env bash
# `make bench-prod`: the production stack (`make run-prod`) measured through nginx with wrk.
# bench/prod.py (re)starts the stack for each WEB_NODES count in BENCH_PROD_NODES ("1 2"),
# runs scripts/check-prod.sh first (any failure stops the bench), then wrk; it writes
# bench/results/prod.json and stops the stack at the end (BENCH_PROD_KEEP=1 keeps it).
# Uses the development database and its demo data, read-only apart from sessions and logs.
set -euo pipefail
cd "$(dirname "$0")/.."
# check-prod and the measured pages need the demo data: run-prod loads it only when asked.
export SEED_DEMO=${SEED_DEMO:-1}

scripts/bootstrap.sh
if ! command -v wrk >/dev/null 2>&1; then
  if [[ $EUID -eq 0 ]] && command -v apt-get >/dev/null 2>&1; then
    echo "bench-prod: installing wrk with apt-get" >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null 2>&1 ||
      { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; }
  fi
  command -v wrk >/dev/null 2>&1 || { echo "bench-prod: wrk is required (apt-get install wrk)" >&2; exit 1; }
fi
exec .venv/bin/python bench/prod.py "$@"
