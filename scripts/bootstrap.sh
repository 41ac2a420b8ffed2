#!/usr/bin/env bash
# Creates .venv and installs the locked dependencies (again only when requirements.lock
# changed), then compiles the message catalogs. Safe to run any number of times.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-}
if [ -z "$PYTHON" ]; then
  for candidate in python3.11 python3; do
    if command -v "$candidate" >/dev/null 2>&1 &&
      "$candidate" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))'; then
      PYTHON=$candidate
      break
    fi
  done
fi
[ -n "$PYTHON" ] || { echo "bootstrap: Python 3.11 is required" >&2; exit 1; }

if [ ! -x .venv/bin/python ]; then
  echo "bootstrap: creating .venv with $PYTHON" >&2
  "$PYTHON" -m venv .venv
fi

stamp=.venv/.requirements.sha256
want=$(sha256sum requirements.lock | cut -d' ' -f1)
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  echo "bootstrap: installing requirements.lock" >&2
  .venv/bin/python -m pip install --quiet --disable-pip-version-check --upgrade pip 2>/dev/null
  .venv/bin/python -m pip install --quiet --disable-pip-version-check -r requirements.lock 2>&1 \
    | grep -v "is ignored: it is neither a file nor a directory" || true
  .venv/bin/python -c "import django, wagtail, django_tenants" # fail loudly if the install did not
  echo "$want" >"$stamp"
fi

# The Debian packages `make run` needs (gettext, pango, CJK fonts), when root and missing.
scripts/system-packages.sh run

# Catalogs: compiled from locale/*/LC_MESSAGES/django.po with gettext's msgfmt.
.venv/bin/python manage.py compilemessages --ignore=.venv --verbosity 0
