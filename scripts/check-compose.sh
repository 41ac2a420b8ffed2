#!/usr/bin/env bash
# scripts/check-compose.sh: run the compose recipe (deploy/compose.yaml) on this machine and
# check it from outside, the way scripts/check-prod.sh checks `make run-prod`.
#   scripts/check-compose.sh [up]   build every image, start the stack with two web replicas,
#                                   load the demo data, then run the checks (below)
#   scripts/check-compose.sh check  the checks again, on the running stack
#   scripts/check-compose.sh down   stop and remove the containers (volumes stay;
#                                   `down --volumes` drops the data too)
# As root on a machine with no Docker engine it installs Debian's docker.io, docker-compose and
# debootstrap and starts dockerd itself (log in var/compose/dockerd.log). Images come from
# Debian bookworm's packages on a base made with deploy/images/debian-base.sh, unless
# CITY_BASE_IMAGE names one; the machine's extra certificate authorities
# (/usr/local/share/ca-certificates) are copied into deploy/ca-certificates/ for pip.
# The stack answers on https://localhost/ and https://<slug>.localhost/ (ports 443 and 80,
# or COMPOSE_HTTPS_PORT and COMPOSE_HTTP_PORT), with a self-signed wildcard certificate.
# The checks: scripts/check-prod.sh's (CHECK_TARGET=compose), then a per-center backup
# restored under a new slug inside the stack, a whole-city pg_dump, and the worker killed and
# brought back by Docker's restart policy.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
STATE=$ROOT/var/compose
HTTPS_PORT=${COMPOSE_HTTPS_PORT:-443}
HTTP_PORT=${COMPOSE_HTTP_PORT:-80}
DOMAIN=localhost
mkdir -p "$STATE"

log() { printf 'check-compose: %s\n' "$*" >&2; }
die() {
  printf 'check-compose: FAILED: %s\n' "$*" >&2
  exit 1
}

if command -v docker-compose >/dev/null 2>&1; then
  COMPOSE=(docker-compose)
else
  COMPOSE=(docker compose)
fi
dc() {
  POSTGRES_PASSWORD=$(cat "$STATE/postgres-password" 2>/dev/null || true) \
    CITY_BASE_IMAGE=${CITY_BASE_IMAGE:-cityservice/debian:bookworm} \
    HTTPS_PUBLISH=$HTTPS_PORT HTTP_PUBLISH=$HTTP_PORT \
    "${COMPOSE[@]}" -p cityservice -f deploy/compose.yaml "$@"
}

ensure_engine() {
  if ! command -v dockerd >/dev/null 2>&1 || ! command -v debootstrap >/dev/null 2>&1 ||
    ! { command -v docker-compose >/dev/null 2>&1 || docker compose version >/dev/null 2>&1; }; then
    [[ $(id -u) == 0 ]] || die "needs a Docker engine, compose and debootstrap (or root to install them)"
    log "installing Debian's docker.io, docker-compose and debootstrap"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq docker.io docker-compose debootstrap >/dev/null
    COMPOSE=(docker-compose)
  fi
  docker info >/dev/null 2>&1 && return
  [[ $(id -u) == 0 ]] || die "no Docker engine answers (start dockerd)"
  log "starting dockerd (var/compose/dockerd.log)"
  setsid dockerd --storage-driver=overlay2 >"$STATE/dockerd.log" 2>&1 </dev/null &
  local deadline=$((SECONDS + 60))
  until docker info >/dev/null 2>&1; do
    ((SECONDS < deadline)) || die "dockerd did not start within 60 s (var/compose/dockerd.log)"
    sleep 0.5
  done
}

# deploy/city.env (the compose file's env_file), deploy/tls/ and the database password: made
# once for this machine's demo and reused; none of them is committed.
ensure_config() {
  if [[ ! -s $STATE/postgres-password ]]; then
    (umask 077 && head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$STATE/postgres-password")
  fi
  if [[ ! -s deploy/city.env ]]; then
    log "writing deploy/city.env for the demo on $DOMAIN"
    (
      umask 077
      cat >deploy/city.env <<EOF
# Written by scripts/check-compose.sh for the demo on this machine; see deploy/README.md.
DJANGO_SECRET_KEY=$(head -c 48 /dev/urandom | base64 | tr -d '\n/+=')
CITY_DOMAIN=$DOMAIN
DJANGO_ALLOWED_HOSTS=$DOMAIN,.$DOMAIN
CELERY_CONCURRENCY=2
GUNICORN_WORKERS=3
EOF
    )
  fi
  # The PII keys (required by the production settings), added to a city.env of an earlier run;
  # never replaced, or the ID numbers stored with them are lost.
  local key
  for key in PII_ENCRYPTION_KEYS PII_HASH_KEY; do
    grep -q "^$key=." deploy/city.env && continue
    log "adding $key to deploy/city.env"
    printf '%s=%s\n' "$key" "$(head -c 48 /dev/urandom | base64 | tr -d '\n/+=')" >>deploy/city.env
  done
  if [[ ! -s deploy/tls/fullchain.pem || ! -s deploy/tls/privkey.pem ]]; then
    log "making a self-signed certificate for $DOMAIN and *.$DOMAIN (deploy/tls/)"
    mkdir -p deploy/tls
    openssl req -x509 -newkey rsa:2048 -nodes -sha256 -days 825 \
      -keyout deploy/tls/privkey.pem -out deploy/tls/fullchain.pem \
      -subj "/O=City platform (check-compose)/CN=$DOMAIN" \
      -addext "subjectAltName=DNS:$DOMAIN,DNS:*.$DOMAIN" \
      -addext "basicConstraints=critical,CA:FALSE" -addext "extendedKeyUsage=serverAuth" 2>/dev/null
    # nginx's master reads it as root; the key stays unreadable to anyone else on the host.
    chmod 600 deploy/tls/privkey.pem
  fi
  local crt
  for crt in /usr/local/share/ca-certificates/*.crt; do
    [[ -e $crt ]] && cp -f "$crt" deploy/ca-certificates/
  done
}

wait_healthy() {
  local deadline=$((SECONDS + 180)) got=""
  until got=$(curl -sk --max-time 5 --resolve "$DOMAIN:$HTTPS_PORT:127.0.0.1" \
    -o /dev/null -w '%{http_code}' "https://$DOMAIN:$HTTPS_PORT/healthz") && [[ $got == 200 ]]; do
    ((SECONDS < deadline)) || {
      dc ps >&2
      die "https://$DOMAIN:$HTTPS_PORT/healthz did not answer 200 within 180 s (last: $got)"
    }
    sleep 1
  done
}

up() {
  ensure_engine
  ensure_config
  [[ -n ${CITY_BASE_IMAGE:-} ]] || deploy/images/debian-base.sh
  local t0=$SECONDS
  log "building the images (deploy/Dockerfile, deploy/images/*)"
  dc build >"$STATE/build.log" 2>&1 || die "docker build failed (var/compose/build.log)"
  log "built in $((SECONDS - t0)) s; starting with two web replicas"
  t0=$SECONDS
  dc up -d --scale web=2 >"$STATE/up.log" 2>&1 || die "compose up failed (var/compose/up.log)"
  wait_healthy
  log "healthy in $((SECONDS - t0)) s; loading the demo data (manage.py seed_demo --allow-production)"
  dc exec -T web .venv/bin/python manage.py seed_demo --allow-production \
    >"$STATE/demo-logins.txt" 2>"$STATE/seed.log" ||
    die "seed_demo failed (var/compose/seed.log)"
  log "demo data loaded in $((SECONDS - t0)) s in all"
  check
  cat "$STATE/demo-logins.txt"
}

# A center's schema and media written to one file in the stack and restored under a new slug,
# whose portal then answers through nginx on its own subdomain.
check_backup() {
  local slug code new=restored-$((RANDOM % 9000 + 1000)) home
  slug=$(grep -E '(街道|镇|乡)[^ ]*政务服务中心' "$STATE/demo-logins.txt" | head -1 |
    grep -oE "https://[a-z0-9-]+\.$DOMAIN" | head -1 | sed -E 's#https://([^.]*)\..*#\1#')
  [[ -n $slug ]] || die "no township or street center in var/compose/demo-logins.txt"
  code=$(dc exec -T web .venv/bin/python manage.py shell -v 0 -c \
    "from tenants.models import Center; print(Center.objects.get(slug='$slug').division_code)")
  dc exec -T web .venv/bin/python manage.py backup_center "$slug" "/srv/cityservice/var/tmp/$slug.backup" \
    >/dev/null || die "backup_center $slug failed"
  # A restore drill beside the original: its own slug, division code (same district) and name.
  dc exec -T web .venv/bin/python manage.py restore_center "/srv/cityservice/var/tmp/$slug.backup" \
    --slug "$new" --code "${code:0:6}$((RANDOM % 300 + 600))000" --name "恢复演练${new#restored-}" \
    >/dev/null || die "restore_center as $new failed"
  home=$(curl -sk --max-time 20 --resolve "$new.$DOMAIN:$HTTPS_PORT:127.0.0.1" -o /dev/null \
    -w '%{http_code}' "https://$new.$DOMAIN:$HTTPS_PORT/guides/")
  [[ $home == 200 ]] || die "the restored center https://$new.$DOMAIN/guides/ answers $home"
  printf '  ok  backup_center %s, restore_center --slug %s: https://%s.%s/guides/ 200\n' \
    "$slug" "$new" "$new" "$DOMAIN"
}

# The whole city dumped from inside the stack (docs/backup.md), under the recipe's PostgreSQL
# settings: the lock table raised for a dump of every schema in one transaction.
# shellcheck disable=SC2016 # $DATABASE_URL is the container's
check_city_dump() {
  local locks entries
  locks=$(dc exec -T web sh -c 'psql "$DATABASE_URL" -Atc "SHOW max_locks_per_transaction"' | tr -dc 0-9)
  [[ $locks == 512 ]] || die "max_locks_per_transaction is '$locks', not deploy/postgresql.conf's 512"
  dc exec -T web sh -c 'pg_dump -Fc --no-owner -d "$DATABASE_URL" -f var/tmp/city.dump' ||
    die "pg_dump of the whole city failed"
  entries=$(dc exec -T web sh -c 'pg_restore --list var/tmp/city.dump | grep -c "TABLE DATA"; rm -f var/tmp/city.dump' |
    tr -dc 0-9)
  ((entries > 100)) || die "the whole-city dump holds only '$entries' tables' data"
  printf '  ok  whole-city pg_dump inside the stack: %s tables, max_locks_per_transaction %s\n' \
    "$entries" "$locks"
}

# The worker's main process killed from outside (as the kernel's OOM killer would): Docker's
# restart policy starts it again and /healthz sees its heartbeat again.
check_worker_restart() {
  local id pid started deadline body
  id=$(dc ps -q worker | head -1)
  [[ -n $id ]] || die "no worker container"
  started=$(docker inspect -f '{{.RestartCount}}' "$id")
  pid=$(docker inspect -f '{{.State.Pid}}' "$id")
  kill -KILL "$pid"
  deadline=$((SECONDS + 120))
  until [[ $(docker inspect -f '{{.RestartCount}} {{.State.Running}}' "$id") == "$((started + 1)) true" ]]; do
    ((SECONDS < deadline)) || die "the killed worker was not restarted within 120 s"
    sleep 1
  done
  until body=$(curl -sk --max-time 5 --resolve "$DOMAIN:$HTTPS_PORT:127.0.0.1" \
    "https://$DOMAIN:$HTTPS_PORT/healthz") && grep -q '^{"status": "ok"' <<<"$body"; do
    ((SECONDS < deadline)) || die "/healthz did not recover after the worker restart: $body"
    sleep 2
  done
  printf '  ok  worker killed (SIGKILL to pid %s): restarted by Docker, /healthz ok again\n' "$pid"
}

check() {
  docker info >/dev/null 2>&1 || die "no Docker engine answers (scripts/check-compose.sh up)"
  CHECK_TARGET=compose PROD_HTTPS_PORT=$HTTPS_PORT PROD_HTTP_PORT=$HTTP_PORT \
    COMPOSE_DEMO_LOGINS=$STATE/demo-logins.txt scripts/check-prod.sh
  check_backup
  check_city_dump
  check_worker_restart
  log "all checks passed; the stack keeps running (scripts/check-compose.sh down)"
}

case ${1:-up} in
up) up ;;
check) check ;;
down)
  shift
  dc down "$@"
  ;;
*)
  sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//' >&2
  exit 2
  ;;
esac
