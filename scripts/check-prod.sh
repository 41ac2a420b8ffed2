#!/usr/bin/env bash
# scripts/check-prod.sh: checks the running `make run-prod` stack from outside, through nginx,
# and exits non-zero at the first failure (make bench-prod runs it first). What it checks:
#   - /healthz on the city domain (only {"status": "ok"} to anonymous callers), every city and
#     center address of the demo on :8443 (run-prod must be started with SEED_DEMO=1)
#   - http://…:8080/ redirects to the same address on https://…:8443/
#   - a Host that is not the city's gets nginx's 404; an unknown center subdomain Django's 404
#   - a static file (hashed name) with a year's Cache-Control, HSTS on pages and static files
#   - media: a file written once (shared filesystem) is served on its owner's domain by every
#     web node through X-Accel-Redirect, and is a 404 on another center's domain
#   - a staff login through nginx stays valid on every web node (requests alternate nodes:
#     counted in each node's access log)
#   - the progress-lookup throttle counts per client address (NUM_PROXIES=1 behind nginx, a
#     client's own X-Forwarded-For ignored) in the Redis every node shares
#   - an upload larger than client_max_body_size is refused by nginx with 413 and its page;
#     one of 12 MB (over a scan's 10 MB, under the body limit) reaches Django
# CHECK_TARGET=compose checks the compose stack instead (scripts/check-compose.sh runs it):
# the web replicas are its nodes, read through `docker`. The throttle check is left out there:
# a client on this machine reaches nginx through docker-proxy, so nginx sees one address for
# every local client (clients from other machines keep their own, through Docker's NAT).
set -euo pipefail
cd "$(dirname "$0")/.."
PROD=$PWD/var/prod
TARGET=${CHECK_TARGET:-run-prod}
HTTPS_PORT=${PROD_HTTPS_PORT:-8443}
HTTP_PORT=${PROD_HTTP_PORT:-8080}
# HTTPS on 443 leaves the port out of addresses (as browsers, redirects and the demo do).
port_suffix=":$HTTPS_PORT"
[[ $HTTPS_PORT == 443 ]] && port_suffix=""
DOMAIN=localhost
PASSWORD=${DEMO_PASSWORD:-Demo-2026-center}
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

checks=0
ok() {
  checks=$((checks + 1))
  printf '  ok  %s\n' "$*"
}
fail() {
  printf '\ncheck-prod: FAILED: %s\n' "$*" >&2
  exit 1
}

# curl against this machine's nginx whatever the host name: HOST PORT [curl args...]
c() {
  local host=$1 port=$2
  shift 2
  curl -sS --max-time 20 --resolve "$host:$port:127.0.0.1" "$@"
}
code() { # HOST PATH -> HTTP status over https
  c "$1" "$HTTPS_PORT" -k -o /dev/null -w '%{http_code}' "https://$1$port_suffix$2"
}

# What differs between the two stacks: where the nodes, their access logs, the demo logins,
# the static manifest, the media directory and the rendered nginx configuration are.
nodes=()
if [[ $TARGET == compose ]]; then
  # The running containers of a service of the project, by compose's labels.
  containers() {
    docker ps -q --filter label=com.docker.compose.project=cityservice \
      --filter "label=com.docker.compose.service=$1" --filter status=running
  }
  for service in postgres redis worker beat nginx; do
    [[ -n $(containers "$service") ]] || fail "compose service $service is not running"
  done
  mapfile -t nodes < <(containers web)
  demo_logins=${COMPOSE_DEMO_LOGINS:-var/compose/demo-logins.txt}
  web_logs() { docker logs "$1" 2>/dev/null; }
  in_web() { docker exec -i "${nodes[0]}" "$@"; }
  static_manifest() { in_web cat /var/lib/cityservice/static/staticfiles.json; }
  # shellcheck disable=SC2016 # expanded by the container's shell
  media_put() { in_web sh -c 'mkdir -p "$(dirname "$1")" && cat >"$1"' _ "/var/lib/cityservice/media/$1"; }
  media_drop() { in_web rm -rf "/var/lib/cityservice/media/$1"; }
  # shellcheck disable=SC2016 # expanded by the container's shell
  private_put() { in_web sh -c 'mkdir -p "$(dirname "$1")" && cat >"$1"' _ "/var/lib/cityservice/private/$1"; }
  private_drop() { in_web rm -rf "/var/lib/cityservice/private/$1"; }
  nginx_conf() { docker exec "$(containers nginx | head -1)" cat /etc/nginx/conf.d/cityservice.conf; }
else
  [[ -f $PROD/run/nginx.pid ]] || fail "run-prod is not running (make run-prod)"
  scripts/run-prod.sh status >/dev/null || {
    scripts/run-prod.sh status >&2 || true
    fail "a run-prod process is down"
  }
  for f in "$PROD"/run/web-*.pid; do
    f=${f##*/}
    nodes+=("${f%.pid}")
  done
  demo_logins=$PROD/demo-logins.txt
  [[ -s $demo_logins ]] || fail "run-prod runs without the demo data, which these checks log in to: restart it with SEED_DEMO=1 make run-prod"
  web_logs() { cat "$PROD/log/$1-access.log" 2>/dev/null; }
  static_manifest() { cat "$PROD/static/staticfiles.json"; }
  media_put() { mkdir -p "$(dirname "var/media/$1")" && cat >"var/media/$1"; }
  media_drop() { rm -rf "var/media/$1"; }
  private_put() { mkdir -p "$(dirname "var/private/$1")" && cat >"var/private/$1"; }
  private_drop() { rm -rf "var/private/$1"; }
  nginx_conf() { cat "$PROD/nginx/city.conf"; }
fi
((${#nodes[@]} >= 1)) || fail "no web node is running"
echo "check-prod: ${TARGET}, ${#nodes[@]} web node(s): ${nodes[*]}"

# --- health and every demo address
body=$(c "$DOMAIN" "$HTTPS_PORT" -k "https://$DOMAIN$port_suffix/healthz") || fail "healthz: no answer"
[[ $body == '{"status": "ok"}' ]] || fail "healthz is not healthy, or tells anonymous callers more than that: $body"
ok "https://$DOMAIN$port_suffix/healthz 200, {\"status\": \"ok\"} and nothing more for anonymous callers"

mapfile -t hosts < <(grep -oE "https://[a-z0-9.-]*$DOMAIN$port_suffix/" "$demo_logins" |
  sed -E "s#https://([^:/]*)[:/].*#\1#" | sort -u)
((${#hosts[@]} >= 2)) || fail "no demo addresses in $demo_logins"
for host in "${hosts[@]}"; do
  [[ $(code "$host" /) == 200 ]] || fail "https://$host$port_suffix/ is not 200"
done
ok "${#hosts[@]} demo addresses answer 200 on :$HTTPS_PORT (${hosts[*]})"
CENTER=""
for host in "${hosts[@]}"; do [[ $host != "$DOMAIN" ]] && CENTER=$host && break; done
OTHER=""
for host in "${hosts[@]}"; do [[ $host != "$DOMAIN" && $host != "$CENTER" ]] && OTHER=$host && break; done
SLUG=${CENTER%%.*}

# --- redirect 8080 -> 8443
loc=$(c "$CENTER" "$HTTP_PORT" -o /dev/null -w '%{http_code} %{redirect_url}' \
  "http://$CENTER:$HTTP_PORT/guides/?q=1")
[[ $loc == "301 https://$CENTER$port_suffix/guides/?q=1" ]] || fail "$HTTP_PORT redirect: got '$loc'"
ok "http://$CENTER:$HTTP_PORT/guides/?q=1 -> 301 https://$CENTER$port_suffix/guides/?q=1"

# --- hosts that are not ours
[[ $(code other.example /) == 404 ]] || fail "Host other.example is not 404"
[[ $(code "no-such-center.$DOMAIN" /) == 404 ]] || fail "no-such-center.$DOMAIN is not 404"
ok "foreign Host 404 (nginx), unknown center subdomain 404 (Django)"

# --- security headers on a page
headers=$(c "$CENTER" "$HTTPS_PORT" -k -D - -o /dev/null "https://$CENTER$port_suffix/")
grep -qi '^strict-transport-security: max-age=31536000' <<<"$headers" || fail "no HSTS on /"
grep -qi '^x-frame-options: deny' <<<"$headers" || fail "no X-Frame-Options on /"
ok "HSTS and X-Frame-Options on a center's home page"

# --- static files: hashed name, a year's cache
static=$(static_manifest | python3 -c '
import json, sys
paths = json.load(sys.stdin)["paths"]
print(paths.get("portal/portal.css") or next(v for k, v in paths.items() if k.endswith(".css")))
') || fail "no staticfiles.json (collectstatic with ManifestStaticFilesStorage did not run)"
headers=$(c "$CENTER" "$HTTPS_PORT" -k -D - -o /dev/null "https://$CENTER$port_suffix/static/$static")
grep -q '^HTTP/[0-9.]* 200' <<<"$headers" || fail "/static/$static: $(head -1 <<<"$headers")"
grep -qi '^cache-control: public, max-age=31536000, immutable' <<<"$headers" ||
  fail "/static/$static has no year-long Cache-Control"
[[ $(grep -ci '^cache-control:' <<<"$headers") == 1 ]] ||
  fail "/static/$static has more than one Cache-Control header"
grep -qi '^strict-transport-security:' <<<"$headers" || fail "no HSTS on a static file"
ok "/static/$static 200, Cache-Control: public, max-age=31536000, immutable"

# --- media: written once, served by every node on its owner's domain only (a rendition: one
# of the kinds /media/ serves, tenants/media.py)
token=$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')
PROBE=$SLUG/images/check-prod-$token.txt
printf 'probe %s\n' "$token" | media_put "$PROBE" || fail "could not write a media file"
trap 'rm -rf "$WORK"; media_drop "$PROBE" || true; media_drop "$SLUG/cases/check-prod" || true; private_drop "$SLUG/cases/check-prod" || true' EXIT
count_lines() { # PATTERN -> "node:count ..." of each node's access log
  local n
  for n in "${nodes[@]}"; do
    printf '%s:%s ' "$n" "$(web_logs "$n" | grep -c -- "$1" || true)"
  done
}
every_node_served() { # BEFORE AFTER WHAT -> fail unless every node's count grew
  local b a
  for a in $2; do
    b=$(tr ' ' '\n' <<<"$1" | grep "^${a%%:*}:" || true)
    ((${a##*:} > ${b##*:})) || fail "web node ${a%%:*} served none of the $3"
  done
}
before_media=$(count_lines "/media/$PROBE")
for ((i = 0; i < 2 * ${#nodes[@]}; i++)); do
  got=$(c "$CENTER" "$HTTPS_PORT" -k "https://$CENTER$port_suffix/media/$PROBE")
  [[ $got == "probe $token" ]] || fail "media on its own domain: got '$got'"
done
sleep 0.5
every_node_served "$before_media" "$(count_lines "/media/$PROBE")" "media requests"
[[ $(code "$OTHER" "/media/$PROBE") == 404 ]] ||
  fail "$OTHER serves $SLUG's media"
[[ $(code "$CENTER" "/_protected_media/$PROBE") == 404 ]] ||
  fail "/_protected_media/ is reachable from outside"
ok "media served on $CENTER by every node (X-Accel-Redirect), 404 on $OTHER and at /_protected_media/"

# --- private files: no spelling of any address reaches one, for an anonymous caller on any
# domain (the file sits in the private folder and, as older versions kept scans, under media)
secret="private $token"
rel=$SLUG/cases/check-prod/scan-$token.pdf
printf '%s\n' "$secret" | private_put "$rel" || fail "could not write a private file"
printf '%s\n' "$secret" | media_put "$rel" || fail "could not write a media file"
tail=${rel#"$SLUG"/}
fuzz=(
  "/media/$rel" "/media/$SLUG//$tail" "//media/$rel" "/media/$SLUG/./$tail" "/media/./$rel"
  "/media/$SLUG/x/../$tail" "/media/$SLUG%2F$tail" "/media/$SLUG%2f$tail" "/media/$SLUG/%2e/$tail"
  "/media/$SLUG/%2e%2e/$SLUG/$tail" "/media/$SLUG%252F$tail" "/media/$SLUG%5C$tail"
  "/media/$SLUG\\$tail" "/media/$rel%00" "/media/$rel." "/media/$rel/" "/MEDIA/$rel"
  "/media/${rel^^}" "/_private_files/$rel" "/_private_files//$rel" "/_protected_media/$rel"
  "/_private_files/$SLUG/./$tail" "/static/../_private_files/$rel" "/media/../_private_files/$rel"
)
tried=0
for host in "$CENTER" "$OTHER" "$DOMAIN"; do
  for path in "${fuzz[@]}"; do
    out=$(c "$host" "$HTTPS_PORT" -k --path-as-is -w '\n%{http_code}' "https://$host$port_suffix$path") ||
      fail "$host$path: no answer"
    status=${out##*$'\n'}
    [[ $status != 200 && $out != *"$token"* ]] || fail "$host$path serves a private file ($status)"
    tried=$((tried + 1))
  done
done
ok "private files: $tried anonymous requests (${#fuzz[@]} spellings x 3 domains), none served"

# --- a staff login through nginx, valid on every node
jar=$WORK/cookies
login=https://$CENTER$port_suffix/admin/login/
page=$(c "$CENTER" "$HTTPS_PORT" -k -c "$jar" -b "$jar" "$login")
csrf=$(grep -oE 'name="csrfmiddlewaretoken" value="[^"]+"' <<<"$page" | head -1 | sed 's/.*value="//; s/"$//')
[[ -n $csrf ]] || fail "no CSRF token on $login"
grep -q $'\tcsrftoken\t' "$jar" || fail "no csrftoken cookie"
res=$(c "$CENTER" "$HTTPS_PORT" -k -c "$jar" -b "$jar" -o /dev/null -w '%{http_code} %{redirect_url}' \
  -H "Referer: $login" --data-urlencode "csrfmiddlewaretoken=$csrf" \
  --data-urlencode "username=admin" --data-urlencode "password=$PASSWORD" \
  --data-urlencode "next=/admin/" "$login")
[[ $res == 302* ]] || fail "login as admin on $CENTER: $res"
grep -qE $'^#HttpOnly_[^\t]*\t[A-Z]+\t/\tTRUE\t[0-9]+\tsessionid\t' "$jar" ||
  fail "the session cookie is not Secure and HttpOnly"
declare -A before
for n in "${nodes[@]}"; do
  before[$n]=$(web_logs "$n" | grep -c '"GET /admin/ ' || true)
done
rounds=$((4 * ${#nodes[@]}))
for ((i = 0; i < rounds; i++)); do
  got=$(c "$CENTER" "$HTTPS_PORT" -k -b "$jar" -o /dev/null -w '%{http_code}' "https://$CENTER$port_suffix/admin/")
  [[ $got == 200 ]] || fail "GET /admin/ with the session, request $((i + 1)): $got (session lost on a node?)"
done
sleep 0.5 # access log lines are written after the response
served=()
for n in "${nodes[@]}"; do
  now=$(web_logs "$n" | grep -c '"GET /admin/ ' || true)
  d=$((now - ${before[$n]:-0}))
  ((d > 0)) || fail "web node $n served none of the $rounds logged-in requests"
  served+=("$n:$d")
done
ok "admin login on $CENTER stays valid for $rounds requests across nodes (${served[*]})"

# --- the progress-lookup throttle behind nginx: keyed by the client's address as nginx saw it
# (NUM_PROXIES=1; a client's own X-Forwarded-For is ignored), counted in the shared Redis
# whichever node answers. A random loopback source address keeps real clients unthrottled.
# run-prod only: see the top of this file.
if [[ $TARGET == run-prod ]]; then
  src=127.$((RANDOM % 200 + 20)).$((RANDOM % 250 + 1)).$((RANDOM % 250 + 1))
  src2=${src%.*}.$(((${src##*.} % 250) + 2))
  pjar=$WORK/progress
  prog=https://$CENTER$port_suffix/progress/
  page=$(c "$CENTER" "$HTTPS_PORT" -k --interface "$src" -c "$pjar" -b "$pjar" "$prog")
  ptoken=$(grep -oE 'name="csrfmiddlewaretoken" value="[^"]+"' <<<"$page" | head -1 | sed 's/.*value="//; s/"$//')
  [[ -n $ptoken ]] || fail "no CSRF token on $prog"
  lookup() { # SOURCE-ADDRESS SPOOFED-XFF -> status of an empty lookup (counts as one)
    c "$CENTER" "$HTTPS_PORT" -k --interface "$1" -b "$pjar" -o /dev/null -w '%{http_code}' \
      -H "Referer: $prog" -H "X-Forwarded-For: $2" --data-urlencode "csrfmiddlewaretoken=$ptoken" \
      --data-urlencode "receipt=" "$prog"
  }
  before_progress=$(count_lines '"POST /progress/ ')
  for ((i = 1; i <= 10; i++)); do
    got=$(lookup "$src" "10.9.8.$i")
    [[ $got == 200 ]] || fail "lookup $i from $src: $got (throttled too early?)"
  done
  got=$(lookup "$src" "10.9.9.9")
  [[ $got == 429 ]] || fail "the 11th lookup from $src within a minute got $got, not 429"
  got=$(lookup "$src2" "$src")
  [[ $got == 200 ]] || fail "a lookup from another address ($src2) got $got: throttled per proxy?"
  sleep 0.5
  every_node_served "$before_progress" "$(count_lines '"POST /progress/ ')" "throttled lookups"
  ok "progress throttle: 10 lookups from $src over every node, the 11th 429; spoofed X-Forwarded-For ignored; $src2 still 200"
fi

# --- oversized upload: nginx refuses with 413 and its page, before any node sees it
max=$(nginx_conf | grep -oE 'client_max_body_size [0-9]+m' | head -1 | grep -oE '[0-9]+')
big=$WORK/big.bin
truncate -s "$((max + 1))M" "$big"
out=$(c "$CENTER" "$HTTPS_PORT" -k -o "$WORK/413.html" -w '%{http_code}' -b "$jar" \
  -H "Referer: https://$CENTER$port_suffix/admin/cases/" -F "file=@$big;type=application/pdf" \
  "https://$CENTER$port_suffix/admin/cases/new/" 2>/dev/null || true)
[[ $out == 413 ]] || fail "a $((max + 1)) MB upload got '$out', not 413"
grep -q '上传的内容太大' "$WORK/413.html" || fail "the 413 answer is not deploy/nginx/errors/413.html"
ok "a $((max + 1)) MB upload is refused by nginx with 413 and the Chinese error page"
truncate -s 12M "$WORK/scan.pdf"
out=$(c "$CENTER" "$HTTPS_PORT" -k -o /dev/null -w '%{http_code}' -b "$jar" \
  -H "Referer: https://$CENTER$port_suffix/admin/cases/new/" -F "file=@$WORK/scan.pdf" \
  "https://$CENTER$port_suffix/admin/cases/new/")
[[ $out == 403 ]] || fail "a 12 MB upload without a CSRF token got '$out', not Django's 403"
ok "a 12 MB upload under the limit reaches Django (403 there: no CSRF token)"

echo "check-prod: all $checks checks passed"
