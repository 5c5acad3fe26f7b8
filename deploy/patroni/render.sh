#!/usr/bin/env bash
# Renders patroni.yml.in for one node: render.sh NAME KEY=VALUE... > node.yml
# Keys (defaults in brackets): RESTAPI (HOST:8008), PG_LISTEN (HOST:5432),
# ETCD_HOSTS (127.0.0.1:2379), DATA_DIR [/var/lib/postgresql/15/ent],
# SOCKET_DIR [/var/run/postgresql], CLIENTS [10.0.0.0/8], HBA_METHOD
# [scram-sha-256], REPLICATION_USER [replicator], SUPERUSER_PASSWORD,
# REPLICATION_PASSWORD, TTL [30], LOOP_WAIT [10], RETRY_TIMEOUT [10].
set -euo pipefail
[ $# -ge 1 ] || { echo "usage: render.sh NAME KEY=VALUE..." >&2; exit 2; }
declare -A v=(
  [NAME]="$1" [RESTAPI]="127.0.0.1:8008" [PG_LISTEN]="127.0.0.1:5432" [ETCD_HOSTS]="127.0.0.1:2379"
  [DATA_DIR]="/var/lib/postgresql/15/ent" [SOCKET_DIR]="/var/run/postgresql" [CLIENTS]="10.0.0.0/8"
  [HBA_METHOD]="scram-sha-256" [REPLICATION_USER]="replicator" [SUPERUSER_PASSWORD]=""
  [REPLICATION_PASSWORD]="" [TTL]="30" [LOOP_WAIT]="10" [RETRY_TIMEOUT]="10")
shift
for kv in "$@"; do
  key="${kv%%=*}"
  [ -n "${v[$key]+x}" ] || { echo "render.sh: unknown key $key" >&2; exit 2; }
  v[$key]="${kv#*=}"
done
if [ -z "${v[SUPERUSER_PASSWORD]}" ] || [ -z "${v[REPLICATION_PASSWORD]}" ]; then
  echo "render.sh: SUPERUSER_PASSWORD and REPLICATION_PASSWORD are required (initdb sets the first)" >&2
  exit 2
fi
text="$(cat "$(dirname "$0")/patroni.yml.in")"
for key in "${!v[@]}"; do text="${text//@${key}@/${v[$key]}}"; done
printf '%s\n' "$text"
