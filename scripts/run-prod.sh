#!/usr/bin/env bash
# `make run-prod`: the production recipe of deploy/ on this machine, in the background.
#
#   scripts/run-prod.sh start    (make run-prod)  start, or restart with the current knobs
#   scripts/run-prod.sh stop     (make stop-prod) stop what start started (pid files in var/prod)
#   scripts/run-prod.sh status   which of its processes run; exit 0 iff all of them do
#
# nginx (Debian's package) on https://localhost:8443/ and every https://<slug>.localhost:8443/,
# with http://…:8080/ redirecting there; WEB_NODES gunicorn instances (deploy/bin/city-web,
# ports 8101, 8102, …) behind its one upstream; a Celery worker and beat (deploy/bin/city-worker,
# city-beat); settings cityplatform.settings.production; the same PostgreSQL, Redis and media
# as `make run`. Secrets (DJANGO_SECRET_KEY, PII_ENCRYPTION_KEYS, PII_HASH_KEY) and the
# self-signed wildcard certificate are made in var/prod/ at the first start and reused.
# Logs: var/prod/log/.
#
# Knobs: WEB_NODES (1), PROD_HTTPS_PORT (8443), PROD_HTTP_PORT (8080), PROD_WEB_PORT (8101,
# first node), GUNICORN_WORKERS (2 x CPUs + 1 per node), PROD_MAX_BODY (100m), TLS_CERT and
# TLS_KEY (a real certificate for localhost and *.localhost instead of the self-signed one),
# SEED_DEMO=1 (load the demo data: seed_demo --allow-production; only when asked, since the
# production settings are meant for real data).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
PROD=$ROOT/var/prod

WEB_NODES=${WEB_NODES:-1}
HTTPS_PORT=${PROD_HTTPS_PORT:-8443}
HTTP_PORT=${PROD_HTTP_PORT:-8080}
WEB_PORT=${PROD_WEB_PORT:-8101}
MAX_BODY=${PROD_MAX_BODY:-100m}
CITY_DOMAIN=localhost

log() { printf 'run-prod: %s\n' "$*" >&2; }
die() {
  printf 'run-prod: ERROR: %s\n' "$*" >&2
  exit 1
}

[[ $WEB_NODES =~ ^[1-9][0-9]?$ ]] || die "WEB_NODES must be a number from 1 to 99 (got '$WEB_NODES')"

# ------------------------------------------------------------------ processes and pid files

pid_of() { # NAME -> pid, if its pid file names a live process
  local file=$PROD/run/$1.pid pid stat
  [[ -f $file ]] || return 1
  pid=$(<"$file")
  [[ $pid =~ ^[0-9]+$ ]] || return 1
  stat=$(cat "/proc/$pid/stat" 2>/dev/null) || return 1
  stat=${stat##*) }
  [[ ${stat:0:1} != Z ]] || return 1
  printf '%s' "$pid"
}

names() { # every process name with a pid file
  local f
  for f in "$PROD"/run/*.pid; do
    [[ -e $f ]] || continue
    f=${f##*/}
    printf '%s\n' "${f%.pid}"
  done
}

stop_one() {
  local name=$1 pid signal=TERM
  [[ $name == nginx ]] && signal=QUIT # graceful: finish the requests in flight
  if pid=$(pid_of "$name"); then
    kill "-$signal" "$pid" 2>/dev/null || true
    local deadline=$((SECONDS + 30))
    while [[ -e /proc/$pid ]] && pid_of "$name" >/dev/null; do
      if ((SECONDS >= deadline)); then
        log "$name (pid $pid) did not stop within 30 s; SIGKILL"
        kill -KILL "$pid" 2>/dev/null || true
        break
      fi
      sleep 0.2
    done
    log "stopped $name (pid $pid)"
  fi
  rm -f "$PROD/run/$name.pid"
}

stop_all() {
  local name
  # nginx first (no new requests), then the web nodes, then beat, then the worker.
  [[ -f $PROD/run/nginx.pid ]] && stop_one nginx
  while read -r name; do
    [[ $name == web-* ]] && stop_one "$name"
  done < <(names)
  [[ -f $PROD/run/beat.pid ]] && stop_one beat
  [[ -f $PROD/run/worker.pid ]] && stop_one worker
  return 0
}

status() {
  local name pid ok=0 any=0
  while read -r name; do
    any=1
    if pid=$(pid_of "$name"); then
      printf '%-10s up    pid %s\n' "$name" "$pid"
    else
      printf '%-10s DOWN\n' "$name"
      ok=1
    fi
  done < <(names)
  ((any)) || {
    echo "run-prod: nothing started (make run-prod)"
    return 1
  }
  return "$ok"
}

# Start COMMAND in its own session in the background; its pid (the exec'd daemon) in NAME.pid.
spawn() {
  local name=$1
  shift
  setsid "$@" >>"$PROD/log/$name.log" 2>&1 </dev/null &
  echo $! >"$PROD/run/$name.pid"
}

# ------------------------------------------------------------------ first-start material

ensure_nginx() {
  command -v nginx >/dev/null 2>&1 && return 0
  if ((EUID != 0)) || ! command -v apt-get >/dev/null 2>&1; then
    die "nginx is not installed: install Debian's package (sudo apt-get install nginx)"
  fi
  log "installing nginx with apt-get (one-time)"
  local policy=/usr/sbin/policy-rc.d made=0 rc=0
  # Keep the package's own service from starting on port 80; we run our own nginx.
  if [[ ! -e $policy ]]; then
    printf '#!/bin/sh\nexit 101\n' >"$policy"
    chmod 755 "$policy"
    made=1
  fi
  {
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx ||
      { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx; }
  } >"$PROD/log/nginx-install.log" 2>&1 || rc=$?
  ((made)) && rm -f "$policy"
  if ((rc != 0)) || ! command -v nginx >/dev/null 2>&1; then
    die "apt-get install nginx failed (log: var/prod/log/nginx-install.log)"
  fi
}

ensure_secrets() {
  local file=$PROD/secrets.env key
  if [[ ! -s $file ]]; then
    log "generating var/prod/secrets.env (kept for later starts)"
    (
      umask 077
      printf 'DJANGO_SECRET_KEY=%s\n' \
        "$(.venv/bin/python -c 'import secrets; print(secrets.token_urlsafe(64))')" >"$file"
    )
  fi
  # The keys of the encrypted ID numbers and their lookup hashes (cityplatform/pii.py), added
  # to a secrets.env of an earlier start; never replaced, or stored ID numbers are lost.
  for key in PII_ENCRYPTION_KEYS PII_HASH_KEY; do
    grep -q "^$key=." "$file" && continue
    log "adding $key to var/prod/secrets.env"
    (
      umask 077
      printf '%s=%s\n' "$key" "$(.venv/bin/python -c 'import secrets; print(secrets.token_urlsafe(48))')" >>"$file"
    )
  done
}

ensure_certificate() {
  if [[ -n ${TLS_CERT:-} || -n ${TLS_KEY:-} ]]; then
    [[ -r ${TLS_CERT:-} && -r ${TLS_KEY:-} ]] || die "TLS_CERT and TLS_KEY must both name readable files"
    CERT=$TLS_CERT
    KEY=$TLS_KEY
    return
  fi
  CERT=$PROD/tls/wildcard.crt
  KEY=$PROD/tls/wildcard.key
  [[ -s $CERT && -s $KEY ]] && return
  log "making a self-signed certificate for $CITY_DOMAIN and *.$CITY_DOMAIN (var/prod/tls/)"
  mkdir -p "$PROD/tls"
  (
    umask 077
    openssl req -x509 -newkey rsa:2048 -nodes -sha256 -days 825 \
      -keyout "$KEY" -out "$CERT" -subj "/O=City platform (make run-prod)/CN=$CITY_DOMAIN" \
      -addext "subjectAltName=DNS:$CITY_DOMAIN,DNS:*.$CITY_DOMAIN" \
      -addext "basicConstraints=critical,CA:FALSE" \
      -addext "extendedKeyUsage=serverAuth" 2>"$PROD/log/openssl.log"
  ) || die "openssl failed (var/prod/log/openssl.log)"
  chmod 644 "$CERT"
}

# var/prod/city.env: the environment of every process, in the format of systemd's
# EnvironmentFile (deploy/README.md), rewritten on every start.
write_env() {
  local db redis
  db=$(grep -E '^DATABASE_URL=' var/services.env | tail -n1 | cut -d= -f2-)
  redis=$(grep -E '^REDIS_URL=' var/services.env | tail -n1 | cut -d= -f2-)
  [[ -n $db && -n $redis ]] || die "var/services.env has no DATABASE_URL/REDIS_URL"
  {
    echo "# Written by scripts/run-prod.sh on every start; see deploy/README.md for each key."
    echo "DJANGO_SETTINGS_MODULE=cityplatform.settings.production"
    cat "$PROD/secrets.env"
    echo "DATABASE_URL=$db"
    echo "REDIS_URL=$redis"
    echo "CITY_DOMAIN=$CITY_DOMAIN"
    echo "DJANGO_ALLOWED_HOSTS=$CITY_DOMAIN,.$CITY_DOMAIN"
    echo "CITY_URL_SCHEME=https"
    echo "CITY_URL_PORT=$HTTPS_PORT"
    echo "NUM_PROXIES=1"
    echo "DJANGO_STATIC_ROOT=$PROD/static"
    echo "DJANGO_MEDIA_ROOT=$ROOT/var/media"
    echo "MEDIA_X_ACCEL_REDIRECT=/_protected_media/"
    echo "DJANGO_PRIVATE_ROOT=$ROOT/var/private"
    echo "PRIVATE_X_ACCEL_REDIRECT=/_private_files/"
    echo "DJANGO_FILE_UPLOAD_TEMP_DIR=$PROD/tmp"
    echo "CELERY_TASK_ALWAYS_EAGER=false"
    echo "CELERY_HOSTNAME=prod-worker@%h"
    echo "CELERY_BEAT_SCHEDULE=$PROD/celery/beat-schedule"
    echo "GUNICORN_WORKERS=${GUNICORN_WORKERS:-$(($(nproc) * 2 + 1))}"
  } >"$PROD/city.env.new"
  chmod 600 "$PROD/city.env.new"
  mv -f "$PROD/city.env.new" "$PROD/city.env"
}

render_nginx() {
  local upstreams="" i
  for ((i = 0; i < WEB_NODES; i++)); do upstreams+="127.0.0.1:$((WEB_PORT + i)) "; done
  # The recipe's renderer and template (deploy/bin/city-nginx-conf), as on a server.
  CITY_DOMAIN=$CITY_DOMAIN WEB_UPSTREAMS=$upstreams TLS_CERT=$CERT TLS_KEY=$KEY \
    HTTP_PORT=$HTTP_PORT HTTPS_PORT=$HTTPS_PORT MAX_BODY=$MAX_BODY \
    deploy/bin/city-nginx-conf >"$PROD/nginx/city.conf"
  # shellcheck disable=SC2016 # envsubst's list of variables, literally
  PROD_DIR=$PROD envsubst '${PROD_DIR}' <deploy/nginx/local.conf.template >"$PROD/nginx/nginx.conf"
  nginx -t -q -c "$PROD/nginx/nginx.conf" -p "$PROD/nginx/" ||
    die "nginx -t refused var/prod/nginx/nginx.conf"
}

wait_https() {
  local deadline=$((SECONDS + 90)) url=https://$CITY_DOMAIN:$HTTPS_PORT/healthz code
  until code=$(curl -sk -o /dev/null -w '%{http_code}' --max-time 5 "$url") && [[ $code == 200 ]]; do
    if ((SECONDS >= deadline)); then
      status || true
      die "$url did not answer 200 within 90 s (last: $code); logs in var/prod/log/"
    fi
    sleep 0.5
  done
}

start() {
  scripts/bootstrap.sh
  scripts/services.sh start
  mkdir -p "$PROD"/{run,log,nginx,static,tmp,celery}
  ensure_nginx
  command -v envsubst >/dev/null 2>&1 || die "envsubst is missing (apt-get install gettext-base)"
  if names | grep -q .; then
    log "stopping the running stack first"
    stop_all
  fi
  # One beat per installation: `make run` on the same database would run every periodic task
  # a second time.
  if pgrep -f "celery -A cityplatform beat .*--schedule $ROOT/var/celery/beat-schedule" >/dev/null; then
    log "WARNING: the beat of \`make run\` is running on the same database; periodic tasks will run twice until it stops"
  fi
  ensure_secrets
  ensure_certificate
  write_env
  set -a
  # shellcheck disable=SC1091
  . "$PROD/city.env"
  set +a

  log "release step: migrate, collectstatic, check --deploy (deploy/bin/city-release)"
  deploy/bin/city-release
  rm -f "$PROD/demo-logins.txt"
  if [[ ${SEED_DEMO:-0} == 1 ]]; then
    log "loading the demo data (SEED_DEMO=1: seed_demo --allow-production)"
    .venv/bin/python manage.py seed_demo --allow-production >"$PROD/demo-logins.txt"
  fi

  local i port
  for ((i = 0; i < WEB_NODES; i++)); do
    port=$((WEB_PORT + i))
    GUNICORN_ACCESS_LOG=$PROD/log/web-$port-access.log GUNICORN_PROC_NAME=city-web-$port \
      spawn "web-$port" deploy/bin/city-web "127.0.0.1:$port"
  done
  spawn worker deploy/bin/city-worker
  spawn beat deploy/bin/city-beat
  render_nginx
  nginx -c "$PROD/nginx/nginx.conf" -p "$PROD/nginx/" 2>>"$PROD/log/nginx-error.log" ||
    die "nginx did not start (var/prod/log/nginx-error.log)"
  local deadline=$((SECONDS + 10))
  until [[ -s $PROD/run/nginx.pid ]]; do
    ((SECONDS < deadline)) || die "nginx wrote no pid file"
    sleep 0.1
  done
  wait_https

  echo
  if [[ -s $PROD/demo-logins.txt ]]; then cat "$PROD/demo-logins.txt"; fi
  cat <<EOF

Production stack on this machine (cityplatform.settings.production):
  https://$CITY_DOMAIN:$HTTPS_PORT/ and https://<slug>.$CITY_DOMAIN:$HTTPS_PORT/  (http://…:$HTTP_PORT/ redirects)
  web nodes: $WEB_NODES ($(for ((i = 0; i < WEB_NODES; i++)); do printf '127.0.0.1:%s ' $((WEB_PORT + i)); done)), worker and beat
  certificate: $CERT (self-signed unless TLS_CERT was given: curl -k, or trust it)
  logs: var/prod/log/   stop: make stop-prod   check: scripts/check-prod.sh
EOF
}

case ${1:-start} in
start) start ;;
stop)
  mkdir -p "$PROD/run"
  stop_all
  ;;
status) status ;;
*)
  sed -n '2,7p' "$0" | sed 's/^# \{0,1\}//' >&2
  exit 2
  ;;
esac
