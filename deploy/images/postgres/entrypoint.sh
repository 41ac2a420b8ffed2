#!/bin/sh
# The compose PostgreSQL: on the first start (an empty $PGDATA volume) create the cluster,
# the application's role and database (POSTGRES_USER, POSTGRES_DB, POSTGRES_PASSWORD) and
# pg_trgm; on every start run the server in the foreground with deploy/postgresql.conf.
set -eu
: "${POSTGRES_PASSWORD:?set POSTGRES_PASSWORD}"
POSTGRES_USER=${POSTGRES_USER:-city}
POSTGRES_DB=${POSTGRES_DB:-cityservice}
if [ ! -s "$PGDATA/PG_VERSION" ]; then
  initdb --pgdata="$PGDATA" --username=postgres --encoding=UTF8 --locale=C.UTF-8 \
    --auth-local=peer --auth-host=scram-sha-256 >/dev/null
  {
    echo "listen_addresses = '*'"
    echo "include '/etc/postgresql/cityservice.conf'"
  } >>"$PGDATA/postgresql.conf"
  # Only the compose network reaches this port; every connection over it needs the password.
  echo "host all all all scram-sha-256" >>"$PGDATA/pg_hba.conf"
  pg_ctl --pgdata="$PGDATA" --options="-c listen_addresses=''" --wait --silent start
  psql --quiet -v ON_ERROR_STOP=1 --username=postgres --dbname=postgres \
    -v user="$POSTGRES_USER" -v db="$POSTGRES_DB" -v password="$POSTGRES_PASSWORD" <<'SQL'
CREATE ROLE :"user" LOGIN PASSWORD :'password';
CREATE DATABASE :"db" OWNER :"user";
\connect :"db"
CREATE EXTENSION IF NOT EXISTS pg_trgm;
SQL
  pg_ctl --pgdata="$PGDATA" --mode=fast --wait --silent stop
  echo "city-postgres: created the cluster, role $POSTGRES_USER and database $POSTGRES_DB"
fi
exec postgres -D "$PGDATA"
