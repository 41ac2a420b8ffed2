#!/usr/bin/env bash
# `make test`: installs what is missing, starts PostgreSQL and Redis if needed, runs pytest.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/bootstrap.sh
scripts/services.sh start
set -a
# shellcheck disable=SC1091
. var/services.env
set +a
export DJANGO_SETTINGS_MODULE=cityplatform.settings.test
exec .venv/bin/pytest "$@"
