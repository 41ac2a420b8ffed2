#!/usr/bin/env bash
# The Debian packages the product and its tests need, in one list, installed when missing
# (only as root; otherwise nothing happens, and a test whose prerequisite is missing skips, or
# fails under CI=true: tests/prerequisites.py).
#
#   scripts/system-packages.sh run   what `make run` needs (scripts/bootstrap.sh calls it)
#   scripts/system-packages.sh test  that, and what the tests need (scripts/test.sh, .ci/run)
set -euo pipefail

what=${1:-run}
[ "$(id -u)" = 0 ] || exit 0

missing=()
has() { command -v "$1" >/dev/null 2>&1; }
installed() { dpkg -s "$@" >/dev/null 2>&1; }

# Catalogs: compiled from locale/*/LC_MESSAGES/django.po with gettext's msgfmt.
has msgfmt || missing+=(gettext)
# Printed notices (WeasyPrint) need pango and a CJK font, or Chinese prints as boxes, and
# HarfBuzz-Subset to embed only the glyphs a notice uses.
installed libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 ||
  missing+=(libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0)
installed fonts-arphic-uming fonts-wqy-microhei || missing+=(fonts-arphic-uming fonts-wqy-microhei)

if [ "$what" = test ]; then
  has make || missing+=(make)
  has redis-server || missing+=(redis-server)
  # The fault tests start their own cluster with initdb, the nginx template is rendered with
  # envsubst and its test certificate made with openssl.
  compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null || missing+=(postgresql)
  has envsubst || missing+=(gettext-base)
  has openssl || missing+=(openssl)
  # Browser tests drive Debian's chromium through Playwright: it cannot download a browser here.
  has chromium || missing+=(chromium)
  # The deploy recipe's nginx configuration is checked with `nginx -t`.
  has nginx || missing+=(nginx)
elif [ "$what" != run ]; then
  echo "usage: scripts/system-packages.sh run|test" >&2
  exit 2
fi

if [ ${#missing[@]} -gt 0 ]; then
  echo "system-packages: installing ${missing[*]}" >&2
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi
