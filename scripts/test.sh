#!/usr/bin/env bash
# `make test`: installs what is missing, starts PostgreSQL and Redis if needed, runs pytest.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/bootstrap.sh
scripts/services.sh start
# Settings read var/services.env themselves; it is not exported here so that later calls of
# services.sh still see the servers as their own.
export DJANGO_SETTINGS_MODULE=cityplatform.settings.test
exec .venv/bin/pytest "$@"
