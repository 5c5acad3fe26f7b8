#!/usr/bin/env bash
# The run command: installs what is missing, builds, starts billing-service and
# convention-service (embedded SQLite databases under ${ENT_DATA_DIR:-./data})
# with local development credentials, loads the Saint-Ambroix 2021-2022
# convention from the seed document, and keeps both running until Ctrl-C.
# A second start reuses the data.
set -euo pipefail
cd "$(dirname "$0")/.."
./deploy/install-deps.sh
./deploy/build.sh

BUILD_DIR="${ENT_BUILD_DIR:-build}"
DATA_DIR="${ENT_DATA_DIR:-$PWD/data}"
CONVENTION_LISTEN="${ENT_CONVENTION_LISTEN:-127.0.0.1:50051}"
BILLING_LISTEN="${ENT_BILLING_LISTEN:-127.0.0.1:50052}"
CREDENTIALS="$DATA_DIR/credentials"
mkdir -p "$DATA_DIR/convention" "$DATA_DIR/billing"
rm -f "$DATA_DIR/convention/port" "$DATA_DIR/billing/port"
./deploy/dev-credentials.sh "$CREDENTIALS"

PIDS=()
stop() {
  echo
  echo "stopping the services..."
  for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  echo "stopped; data kept in $DATA_DIR"
}
trap stop EXIT
trap 'exit 0' INT TERM

wait_port() {  # name dir pid
  for _ in $(seq 1 300); do
    [ -s "$2/port" ] && return 0
    kill -0 "$3" 2>/dev/null || { echo "$1 failed to start; see $2/service.log" >&2; exit 1; }
    sleep 0.1
  done
  echo "$1 did not start in time; see $2/service.log" >&2
  exit 1
}

"$BUILD_DIR/billing-service/ent-billing-service" --listen="$BILLING_LISTEN" \
  --data-dir="$DATA_DIR/billing" --port-file="$DATA_DIR/billing/port" \
  --principals="$CREDENTIALS/principals.textproto" 2>>"$DATA_DIR/billing/service.log" &
PIDS+=($!)
wait_port billing-service "$DATA_DIR/billing" "${PIDS[-1]}"
BILLING_HOST="${BILLING_LISTEN%:*}:$(cat "$DATA_DIR/billing/port")"

"$BUILD_DIR/convention-service/ent-convention-service" --listen="$CONVENTION_LISTEN" \
  --data-dir="$DATA_DIR/convention" --port-file="$DATA_DIR/convention/port" \
  --principals="$CREDENTIALS/principals.textproto" \
  --billing="$BILLING_HOST" --billing-token-file="$CREDENTIALS/internal-dev.token" \
  2>>"$DATA_DIR/convention/service.log" &
PIDS+=($!)
wait_port convention-service "$DATA_DIR/convention" "${PIDS[-1]}"
HOST="${CONVENTION_LISTEN%:*}"
PORT=$(cat "$DATA_DIR/convention/port")

echo "convention-service is serving on $HOST:$PORT (data: $DATA_DIR/convention/convention.db)"
echo "billing-service    is serving on $BILLING_HOST (data: $DATA_DIR/billing/billing.db)"
echo
ENT_TOKEN=$(cat "$CREDENTIALS/rectorat-dev.token") "$BUILD_DIR/demo/ent-demo-seed" "$HOST:$PORT"
cat <<TXT

Development credentials (bearer tokens; send "authorization: Bearer <token>"):
  $CREDENTIALS/rectorat-dev.token              rectorat service (conventions)
  $CREDENTIALS/support-dev.token               support staff (read, disputes)
  $CREDENTIALS/finance-dev.token               finance (tariffs, titres, payments)
  $CREDENTIALS/portal-saint-ambroix-dev.token  commune portal for Saint-Ambroix (30227) only
  principals file: $CREDENTIALS/principals.textproto (kill -HUP a service to reload it)

Look around:
  ENT_TOKEN=\$(cat $CREDENTIALS/rectorat-dev.token) $BUILD_DIR/demo/ent-demo-seed $HOST:$PORT   # replays the seed (idempotent), prints the convention
  sqlite3 $DATA_DIR/convention/convention.db 'SELECT sequence, convention_id, description FROM convention_events'
  sqlite3 $DATA_DIR/billing/billing.db 'SELECT convention, school_year FROM conventions'   # what billing was told
Any gRPC client can call both services: server reflection and health checking are on, the protos are in proto/.
Logs: $DATA_DIR/convention/service.log, $DATA_DIR/billing/service.log
Press Ctrl-C to stop.
TXT
wait
