#!/usr/bin/env bash
# scripts/check-systemd.sh: the systemd units of deploy/systemd/ run for real, by systemd, on a
# Debian bookworm server in a container (systemd as PID 1, deploy/images/systemd/), installed
# the way deploy/README.md's "On servers with systemd" says: Debian's PostgreSQL 15 with
# deploy/postgresql.conf, Redis and nginx, /etc/cityservice/city.env, the release unit, two
# web nodes, the worker and beat, nginx's configuration from deploy/bin/city-nginx-conf.
#   scripts/check-systemd.sh [up]   build on the compose recipe's application image, start, check
#   scripts/check-systemd.sh down   remove the container
# Needs a Docker engine and the image cityservice-app, which scripts/check-compose.sh builds
# (CI runs this right after it). The checks, from inside the server: systemd-analyze verify of
# every unit; /healthz 200 through nginx (database, Redis, migrations and the worker's
# heartbeat, so web, worker and beat all run); a center made with create_center answers on its
# subdomain; each web node answers; port 80 redirects; hashed static files carry a year's
# cache; the worker killed with SIGKILL is restarted by systemd (Restart=on-failure); a web
# node reloaded with HUP (systemctl reload) keeps serving.
set -euo pipefail
cd "$(dirname "$0")/.."
NAME=cityservice-systemd
IMAGE=cityservice-systemd
APP_IMAGE=${CITY_APP_IMAGE:-cityservice-app}
STATE=var/systemd
mkdir -p "$STATE"

log() { printf 'check-systemd: %s\n' "$*" >&2; }
die() {
  printf 'check-systemd: FAILED: %s\n' "$*" >&2
  exit 1
}
# Run a shell script inside the server (as root).
inside() { docker exec -i "$NAME" bash -euo pipefail -s; }

up() {
  docker info >/dev/null 2>&1 || die "no Docker engine answers (scripts/check-compose.sh starts one)"
  docker image inspect "$APP_IMAGE" >/dev/null 2>&1 ||
    die "no image $APP_IMAGE: build it first (scripts/check-compose.sh)"
  local t0=$SECONDS
  docker build --build-arg "APP_IMAGE=$APP_IMAGE" -t "$IMAGE" -f deploy/images/systemd/Dockerfile \
    deploy/images/systemd >"$STATE/build.log" 2>&1 || die "docker build failed (var/systemd/build.log)"
  log "image built in $((SECONDS - t0)) s; booting systemd"
  docker rm -f "$NAME" >/dev/null 2>&1 || true
  # No privileges: systemd runs unprivileged with the host's cgroups read-only.
  docker run -d --name "$NAME" --hostname city-server --tmpfs /run --tmpfs /run/lock \
    -v /sys/fs/cgroup:/sys/fs/cgroup:ro "$IMAGE" >/dev/null
  inside <<'SH'
deadline=$((SECONDS + 60))
until state=$(systemctl is-system-running 2>/dev/null || true) && [[ $state == running ]]; do
  ((SECONDS < deadline)) || { systemctl --failed --no-pager; echo "systemd is $state" >&2; exit 1; }
  sleep 1
done
for unit in postgresql@15-main redis-server nginx; do
  until systemctl is-active -q "$unit"; do
    ((SECONDS < deadline)) || { systemctl status "$unit" --no-pager >&2; exit 1; }
    sleep 1
  done
done
SH
  log "systemd up with PostgreSQL, Redis and nginx; installing (deploy/README.md)"
  install_city
  log "installed and started in $((SECONDS - t0)) s in all"
  check
}

# What an operator does on a new server, in the README's order.
install_city() {
  inside <<'SH'
password=$(head -c 18 /dev/urandom | od -An -tx1 | tr -d ' \n')
runuser -u postgres -- psql -q -v ON_ERROR_STOP=1 -v password="$password" <<'SQL'
CREATE ROLE city LOGIN PASSWORD :'password';
CREATE DATABASE cityservice OWNER city;
\connect cityservice
CREATE EXTENSION IF NOT EXISTS pg_trgm;
SQL
install -d -m 700 /etc/cityservice/tls
openssl req -x509 -newkey rsa:2048 -nodes -sha256 -days 825 \
  -keyout /etc/cityservice/tls/privkey.pem -out /etc/cityservice/tls/fullchain.pem \
  -subj "/O=City platform (check-systemd)/CN=localhost" \
  -addext "subjectAltName=DNS:localhost,DNS:*.localhost" 2>/dev/null
install -m 600 -o cityservice /dev/null /etc/cityservice/city.env
cat >/etc/cityservice/city.env <<ENV
DJANGO_SETTINGS_MODULE=cityplatform.settings.production
DJANGO_SECRET_KEY=$(head -c 48 /dev/urandom | base64 | tr -d '\n/+=')
PII_ENCRYPTION_KEYS=$(head -c 48 /dev/urandom | base64 | tr -d '\n/+=')
PII_HASH_KEY=$(head -c 48 /dev/urandom | base64 | tr -d '\n/+=')
DATABASE_URL=postgres://city:$password@127.0.0.1:5432/cityservice
REDIS_URL=redis://127.0.0.1:6379/0
CITY_DOMAIN=localhost
DJANGO_ALLOWED_HOSTS=localhost,.localhost
CITY_URL_SCHEME=https
CITY_URL_PORT=443
NUM_PROXIES=1
DJANGO_STATIC_ROOT=/var/lib/cityservice/static
DJANGO_MEDIA_ROOT=/var/lib/cityservice/media
MEDIA_X_ACCEL_REDIRECT=/_protected_media/
DJANGO_PRIVATE_ROOT=/var/lib/cityservice/private
PRIVATE_X_ACCEL_REDIRECT=/_private_files/
DJANGO_FILE_UPLOAD_TEMP_DIR=/srv/cityservice/var/tmp
CELERY_BEAT_SCHEDULE=/srv/cityservice/var/celery/beat-schedule
CELERY_CONCURRENCY=2
GUNICORN_WORKERS=2
GUNICORN_BIND_HOST=127.0.0.1
WEB_UPSTREAMS="127.0.0.1:8000 127.0.0.1:8001"
TLS_CERT=/etc/cityservice/tls/fullchain.pem
TLS_KEY=/etc/cityservice/tls/privkey.pem
ENV
systemctl daemon-reload
# Every unit as shipped; systemd-analyze names what it finds wrong (and exits 1).
if ! systemd-analyze verify /etc/systemd/system/city-*.service \
  /etc/systemd/system/cityservice.target >/tmp/verify.log 2>&1; then
  cat /tmp/verify.log >&2
  exit 1
fi
systemctl start city-release.service
systemctl enable -q --now city-web@8000.service city-web@8001.service city-worker.service
systemctl enable -q --now city-beat.service
set -a; . /etc/cityservice/city.env; set +a
/srv/cityservice/deploy/bin/city-nginx-conf >/etc/nginx/conf.d/cityservice.conf
nginx -t -q
systemctl reload nginx
# A district and a township, as the city's administrators provision them.
cd /srv/cityservice
create() { runuser -u cityservice -- .venv/bin/python manage.py create_center "$@" >/dev/null; }
create --kind district --code 210113000000 --name 沈北新区 --slug shenbei
create --kind township --code 210113105000 --name 清水台镇 --parent shenbei --slug qingshuitai
SH
}

check() {
  inside <<'SH'
ok() { printf '  ok  %s\n' "$*"; }
get() { # get URL [curl options]: the status code through nginx, names resolved to this server
  local url=$1; shift
  curl -sk --max-time 20 -o /dev/null -w '%{http_code}' \
    --resolve localhost:443:127.0.0.1 --resolve qingshuitai.localhost:443:127.0.0.1 \
    --resolve localhost:80:127.0.0.1 "$@" "$url"
}
healthy() {
  local deadline=$((SECONDS + 120)) body
  until body=$(curl -sk --max-time 5 --resolve localhost:443:127.0.0.1 https://localhost/healthz) &&
    grep -q '^{"status": "ok"' <<<"$body"; do
    ((SECONDS < deadline)) || { echo "/healthz: $body" >&2; return 1; }
    sleep 2
  done
}
for unit in city-web@8000 city-web@8001 city-worker city-beat; do
  systemctl is-active -q "$unit" || { systemctl status "$unit" --no-pager >&2; exit 1; }
done
ok "units active: city-web@8000 city-web@8001 city-worker city-beat (city-release ran)"
healthy
ok "https://localhost/healthz ok through nginx (database, Redis, migrations, worker heartbeat)"
code=$(get https://qingshuitai.localhost/guides/)
[[ $code == 200 ]] || { echo "https://qingshuitai.localhost/guides/ answered $code" >&2; exit 1; }
ok "a center made with create_center answers on https://qingshuitai.localhost/"
for port in 8000 8001; do
  code=$(curl -s -o /dev/null -w '%{http_code}' -H 'Host: localhost' -H 'X-Forwarded-Proto: https' \
    "http://127.0.0.1:$port/healthz")
  [[ $code == 200 ]] || { echo "web node :$port answered $code" >&2; exit 1; }
done
ok "each web node (127.0.0.1:8000, :8001) answers"
location=$(curl -s -o /dev/null -w '%{redirect_url}' --resolve localhost:80:127.0.0.1 http://localhost/centers/)
[[ $location == https://localhost/centers/ ]] || { echo "port 80 redirected to '$location'" >&2; exit 1; }
ok "http://localhost/centers/ -> $location"
css=$(curl -sk --resolve localhost:443:127.0.0.1 https://localhost/ | grep -oE '/static/[^"]+\.[0-9a-f]{12}\.css' | head -1)
cache=$(curl -sk -D - -o /dev/null --resolve localhost:443:127.0.0.1 "https://localhost$css" | tr -d '\r' | grep -i '^cache-control:')
[[ $cache == 'cache-control: public, max-age=31536000, immutable' ]] ||
  { echo "$css: '$cache' (exactly one Cache-Control expected)" >&2; exit 1; }
ok "$css served by nginx: $cache"
before=$(systemctl show -P NRestarts city-worker)
kill -KILL "$(systemctl show -P MainPID city-worker)"
deadline=$((SECONDS + 60))
until [[ $(systemctl show -P NRestarts city-worker) -gt $before ]] && systemctl is-active -q city-worker; do
  ((SECONDS < deadline)) || { systemctl status city-worker --no-pager >&2; exit 1; }
  sleep 1
done
healthy
ok "city-worker killed (SIGKILL): systemd restarted it, /healthz ok again"
systemctl reload city-web@8000
sleep 2
code=$(curl -s -o /dev/null -w '%{http_code}' -H 'Host: localhost' -H 'X-Forwarded-Proto: https' http://127.0.0.1:8000/healthz)
[[ $code == 200 ]] || { echo "city-web@8000 after reload answered $code" >&2; exit 1; }
systemctl is-active -q city-web@8000
ok "systemctl reload city-web@8000 (HUP): new workers, still serving"
SH
  log "all checks passed; the server keeps running (scripts/check-systemd.sh down)"
}

case ${1:-up} in
up) up ;;
check) check ;;
down) docker rm -f "$NAME" >/dev/null 2>&1 || true ;;
*)
  sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//' >&2
  exit 2
  ;;
esac
