#!/usr/bin/env bash
# The run command: installs what is missing, builds, starts convention-service
# on an embedded SQLite database under ${ENT_DATA_DIR:-./data}, loads the
# Saint-Ambroix 2021-2022 convention from the seed document, and keeps the
# service running until Ctrl-C. A second start reuses the data.
set -euo pipefail
cd "$(dirname "$0")/.."
./deploy/install-deps.sh
./deploy/build.sh

BUILD_DIR="${ENT_BUILD_DIR:-build}"
DATA_DIR="${ENT_DATA_DIR:-$PWD/data}"
LISTEN="${ENT_CONVENTION_LISTEN:-127.0.0.1:50051}"
CREDENTIALS="$DATA_DIR/credentials"
mkdir -p "$DATA_DIR/convention"
rm -f "$DATA_DIR/convention/port"
./deploy/dev-credentials.sh "$CREDENTIALS"

"$BUILD_DIR/convention-service/ent-convention-service" --listen="$LISTEN" \
  --data-dir="$DATA_DIR/convention" --port-file="$DATA_DIR/convention/port" \
  --principals="$CREDENTIALS/principals.textproto" \
  2>>"$DATA_DIR/convention/service.log" &
SERVICE_PID=$!
stop() {
  echo
  echo "stopping convention-service (pid $SERVICE_PID)..."
  kill -TERM "$SERVICE_PID" 2>/dev/null || true
  wait "$SERVICE_PID" 2>/dev/null || true
  echo "stopped; data kept in $DATA_DIR"
}
trap stop EXIT
trap 'exit 0' INT TERM

for _ in $(seq 1 300); do
  [ -s "$DATA_DIR/convention/port" ] && break
  kill -0 "$SERVICE_PID" 2>/dev/null || { echo "convention-service failed to start; see $DATA_DIR/convention/service.log" >&2; exit 1; }
  sleep 0.1
done
PORT=$(cat "$DATA_DIR/convention/port")
HOST="${LISTEN%:*}"

echo "convention-service is serving on $HOST:$PORT (data: $DATA_DIR/convention/convention.db)"
echo
ENT_TOKEN=$(cat "$CREDENTIALS/rectorat-dev.token") "$BUILD_DIR/demo/ent-demo-seed" "$HOST:$PORT"
cat <<TXT

Development credentials (bearer tokens; send "authorization: Bearer <token>"):
  $CREDENTIALS/rectorat-dev.token              rectorat service (everything on conventions)
  $CREDENTIALS/support-dev.token               support staff (read)
  $CREDENTIALS/finance-dev.token               finance (read)
  $CREDENTIALS/portal-saint-ambroix-dev.token  commune portal for Saint-Ambroix (30227) only
  principals file: $CREDENTIALS/principals.textproto (kill -HUP the service to reload it)

Look around:
  ENT_TOKEN=\$(cat $CREDENTIALS/rectorat-dev.token) $BUILD_DIR/demo/ent-demo-seed $HOST:$PORT   # replays the seed (idempotent), prints the convention
  sqlite3 $DATA_DIR/convention/convention.db 'SELECT id, state, body FROM conventions'
  sqlite3 $DATA_DIR/convention/convention.db 'SELECT sequence, convention_id, description FROM convention_events'
Any gRPC client can call $HOST:$PORT: server reflection and health checking are on, the protos are in proto/.
Call log: $DATA_DIR/convention/service.log
Press Ctrl-C to stop.
TXT
wait "$SERVICE_PID"
