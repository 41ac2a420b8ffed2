#!/bin/sh
# First start of the compose PostgreSQL (docker-entrypoint-initdb.d): include the platform's
# settings (deploy/postgresql.conf, mounted at /etc/postgresql/cityservice.conf) and pg_trgm.
set -e
printf "\ninclude '/etc/postgresql/cityservice.conf'\n" >>"$PGDATA/postgresql.conf"
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
  -c 'CREATE EXTENSION IF NOT EXISTS pg_trgm'
