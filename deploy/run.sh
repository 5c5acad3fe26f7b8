#!/usr/bin/env bash
# The run command: installs what is missing, builds what it runs, starts
# billing-service and convention-service (embedded SQLite databases under
# ${ENT_DATA_DIR:-./data}) with local development credentials and a
# development OpenID provider (deploy/oidc-dev, on ${ENT_IDP_PORT:-9400}) to
# sign in with as the seed's people (entctl login, or the web console
# ent-console on ${ENT_CONSOLE_LISTEN:-127.0.0.1:8080}), loads the
# Saint-Ambroix 2021-2022 convention from the seed document (and, on the real
# clock, its renewal for the school year in progress), and keeps both running
# until Ctrl-C. A second start reuses the data.
#
#   ./deploy/run.sh                  real time: the 2021 convention (long expired) and its renewal
#                                    for the current school year, in force, with pending deadlines
#   ./deploy/run.sh --demo           simulated time from 3 November 2021, 18:00 (data in ./data-demo):
#                                    walk the timeline with `entctl clock advance`; a restart resumes
#                                    the clock where it stopped
#   ./deploy/run.sh --demo --reset   the demo from the start again (deletes ./data-demo)
set -euo pipefail
cd "$(dirname "$0")/.."
DEMO=0
RESET=0
for arg in "$@"; do
  case "$arg" in
    --demo) DEMO=1 ;;
    --reset) RESET=1 ;;
    *) echo "usage: $0 [--demo [--reset]]" >&2; exit 2 ;;
  esac
done
if [ -z "${ENT_SKIP_BUILD:-}" ]; then  # the run-command test sets it: the build is already there
  ./deploy/install-deps.sh
  if [ ! -x "${ENT_BUILD_DIR:-build}/convention-service/ent-convention-service" ]; then
    echo "first build: the two services, entctl and the seed loader (several minutes on 2 cores;"
    echo "later runs rebuild only what changed)..."
  fi
  ./deploy/build.sh ent-convention-service ent-billing-service entctl ent-demo-seed ent-console
  # The development identity provider runs on Node.js (oidc-provider from npm).
  if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
    SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO=sudo
    $SUDO apt-get install -y -qq --no-install-recommends nodejs npm >/dev/null \
      || echo "warning: no Node.js: the services run without the development identity provider" >&2
  fi
  if command -v npm >/dev/null && [ ! -f deploy/oidc-dev/node_modules/oidc-provider/package.json ]; then
    npm ci --prefix deploy/oidc-dev --no-audit --no-fund --loglevel=error \
      || echo "warning: could not install oidc-provider: no development identity provider" >&2
  fi
  # The State's design system the console serves (pinned; its install scripts are not needed).
  if command -v npm >/dev/null && [ ! -f console/node_modules/@gouvfr/dsfr/dist/dsfr.min.css ]; then
    npm ci --prefix console --ignore-scripts --no-audit --no-fund --loglevel=error \
      || echo "warning: could not install @gouvfr/dsfr: the console runs unstyled" >&2
  fi
fi

BUILD_DIR="${ENT_BUILD_DIR:-build}"
if [ "$DEMO" = 1 ]; then
  DATA_DIR="${ENT_DATA_DIR:-$PWD/data-demo}"
  CLOCK_FLAG="--clock=simulated:2021-11-03T18:00:00+01:00"
  if [ "$RESET" = 1 ] && [ -d "$DATA_DIR" ]; then
    echo "--reset: deleting $DATA_DIR, the demo starts again on 3 November 2021"
    rm -rf "$DATA_DIR"
  fi
else
  DATA_DIR="${ENT_DATA_DIR:-$PWD/data}"
  CLOCK_FLAG="--clock=real"
fi
CONVENTION_LISTEN="${ENT_CONVENTION_LISTEN:-127.0.0.1:50051}"
BILLING_LISTEN="${ENT_BILLING_LISTEN:-127.0.0.1:50052}"
CONSOLE_LISTEN="${ENT_CONSOLE_LISTEN:-127.0.0.1:8080}"
CREDENTIALS="$DATA_DIR/credentials"
mkdir -p "$DATA_DIR/convention" "$DATA_DIR/billing" "$DATA_DIR/console"
rm -f "$DATA_DIR/convention/port" "$DATA_DIR/billing/port" "$DATA_DIR/console/port"
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

# The development identity provider, and the principals file that trusts it:
# the static development principals, then the provider's people and clients.
PRINCIPALS="$DATA_DIR/principals.textproto"
cp "$CREDENTIALS/principals.textproto" "$PRINCIPALS"
ISSUER=""
if command -v node >/dev/null && [ -f deploy/oidc-dev/node_modules/oidc-provider/package.json ]; then
  node deploy/oidc-dev/provider.mjs --port="${ENT_IDP_PORT:-9400}" > "$DATA_DIR/idp.out" 2>"$DATA_DIR/idp.log" &
  PIDS+=($!)
  for _ in $(seq 1 100); do
    ISSUER=$(sed -n 's/^{"issuer":"\([^"]*\)".*/\1/p' "$DATA_DIR/idp.out" 2>/dev/null | head -1)
    [ -n "$ISSUER" ] && break
    kill -0 "${PIDS[-1]}" 2>/dev/null || break
    sleep 0.1
  done
  [ -n "$ISSUER" ] || echo "warning: the development identity provider did not start; see $DATA_DIR/idp.log" >&2
fi
if [ -n "$ISSUER" ]; then
  sed "s|@ISSUER@|$ISSUER|" deploy/config/identity-provider.dev.textproto >> "$PRINCIPALS"
fi

"$BUILD_DIR/billing-service/ent-billing-service" --listen="$BILLING_LISTEN" \
  --data-dir="$DATA_DIR/billing" --port-file="$DATA_DIR/billing/port" "$CLOCK_FLAG" \
  --principals="$PRINCIPALS" 2>>"$DATA_DIR/billing/service.log" &
PIDS+=($!)
wait_port billing-service "$DATA_DIR/billing" "${PIDS[-1]}"
BILLING_HOST="${BILLING_LISTEN%:*}:$(cat "$DATA_DIR/billing/port")"

"$BUILD_DIR/convention-service/ent-convention-service" --listen="$CONVENTION_LISTEN" \
  --data-dir="$DATA_DIR/convention" --port-file="$DATA_DIR/convention/port" "$CLOCK_FLAG" \
  --principals="$PRINCIPALS" \
  --billing="$BILLING_HOST" --billing-token-file="$CREDENTIALS/internal-dev.token" \
  2>>"$DATA_DIR/convention/service.log" &
PIDS+=($!)
wait_port convention-service "$DATA_DIR/convention" "${PIDS[-1]}"
HOST="${CONVENTION_LISTEN%:*}"
PORT=$(cat "$DATA_DIR/convention/port")

echo "convention-service is serving on $HOST:$PORT (data: $DATA_DIR/convention/convention.db)"
echo "billing-service    is serving on $BILLING_HOST (data: $DATA_DIR/billing/billing.db)"
echo
SEED_FLAGS=()
[ "$DEMO" = 1 ] || SEED_FLAGS+=(--current-year)
ENT_TOKEN=$(cat "$CREDENTIALS/rectorat-dev.token") ENT_FINANCE_TOKEN=$(cat "$CREDENTIALS/finance-dev.token") \
  "$BUILD_DIR/demo/ent-demo-seed" "${SEED_FLAGS[@]}" "$HOST:$PORT" "$BILLING_HOST" | tee "$DATA_DIR/seed.log"
# The titre the seed billed, as numbered today: 2021-000001 on the demo's clock;
# on the real clock, the school year in progress' (e.g. 2026-000001).
TITRE=$(sed -n 's|^billed titres/\([0-9]*-[0-9]*\) .*|\1|p' "$DATA_DIR/seed.log" | tail -n 1)
[ -n "$TITRE" ] || { echo "run.sh: the seed billed no titre (see above)" >&2; exit 1; }
cat > "$DATA_DIR/entctl.conf" <<CONF
# entctl settings for this run (entctl --config $DATA_DIR/entctl.conf ...)
convention-endpoint = $HOST:$PORT
billing-endpoint = $BILLING_HOST
CONF
if [ -n "$ISSUER" ]; then
  cat >> "$DATA_DIR/entctl.conf" <<CONF
# entctl login signs in here (the development identity provider)
issuer = $ISSUER
scope = openid offline_access conventions
CONF
fi
ENTCTL="$BUILD_DIR/entctl/entctl --config $DATA_DIR/entctl.conf"
# The web console, signed in through the development identity provider.
CONSOLE_URL=""
if [ -n "$ISSUER" ]; then
  "$BUILD_DIR/console/ent-console" --listen="$CONSOLE_LISTEN" --port-file="$DATA_DIR/console/port" \
    --convention="$HOST:$PORT" --billing="$BILLING_HOST" --oidc-issuer="$ISSUER" \
    --dsfr-dir="$PWD/console/node_modules/@gouvfr/dsfr/dist" 2>>"$DATA_DIR/console/console.log" &
  PIDS+=($!)
  wait_port ent-console "$DATA_DIR/console" "${PIDS[-1]}"
  CONSOLE_URL="http://${CONSOLE_LISTEN%:*}:$(cat "$DATA_DIR/console/port")"
fi
cat <<TXT

Development credentials (bearer tokens in files; entctl takes --token-file):
  $CREDENTIALS/rectorat-dev.token              rectorat service (conventions)
  $CREDENTIALS/support-dev.token               support staff (read, disputes)
  $CREDENTIALS/finance-dev.token               finance (tariffs, titres, payments)
  $CREDENTIALS/portal-saint-ambroix-dev.token  commune portal for Saint-Ambroix (30227) only
  principals file: $PRINCIPALS (kill -HUP a service to reload it)
TXT
if [ -n "$CONSOLE_URL" ]; then
cat <<TXT

The web console: open $CONSOLE_URL in a browser and sign in as
  claire.martin / dev-support   support staff: deadlines, conventions, Article 8 disputes
  paul.durand   / dev-finance   finance: titres, payments, reductions
  lea.roux      / dev-commune   Saint-Ambroix's agent: her commune only
TXT
fi
if [ -n "$ISSUER" ]; then
cat <<TXT

Sign in as a person (development identity provider at $ISSUER, users in deploy/oidc-dev/users.json):
  $ENTCTL login          # open the address it prints; sign in as claire.martin / dev-support
  $ENTCTL whoami         # Claire Martin, support staff; her acts carry her name in the history
  other people: paul.durand / dev-finance (finance), lea.roux / dev-commune (Saint-Ambroix's agent)
TXT
fi
cat <<TXT

Try (support staff):
  alias entctl="$ENTCTL --token-file $CREDENTIALS/support-dev.token"
  entctl conventions list
  entctl convention show 30227-2021
  entctl convention events 30227-2021
  entctl deadlines
  entctl deadline --from 2022-03-31 --months 1
  entctl convention pdf 30227-2021 -o /tmp/convention.pdf            # the printed documents (PDF)
  entctl titre pdf $TITRE -o /tmp/titre.pdf
  entctl deadlines --ics -o /tmp/echeances.ics                       # for a calendar
TXT
if [ "$DEMO" = 1 ]; then
NOW=$($ENTCTL --token-file "$CREDENTIALS/support-dev.token" clock get 2>/dev/null || echo "?")
cat <<TXT

Live the timeline (simulated clock, now $NOW; it resumes where it stopped across restarts,
./deploy/run.sh --demo --reset starts again on 3 November 2021 18:00):
  F="$ENTCTL --token-file $CREDENTIALS/finance-dev.token"
  \$F titre show 2021-000001                                          # 2 schools x 50 € = 100,00 € TTC
  \$F payment record 2021-000001 --amount-cents 4000 --date 2021-11-03 --reference VIR-1
  entctl clock set 2022-03-31T10:00:00+02:00 --token-file $CREDENTIALS/rectorat-dev.token
  entctl dispute open conventions/30227-2021 --party commune --grievances "comptes non activés" \\
      --notice-ref "LRAR 1A 234" --sent 2022-03-31
  entctl deadlines                                                   # conciliation due 2022-05-02, and why
  entctl dispute letter 30227-2021/1 --kind notice -o /tmp/mise-en-demeure.pdf
  entctl clock advance 33d --token-file $CREDENTIALS/rectorat-dev.token   # the conciliation lapses
  entctl clock set 2022-05-11T10:00:00+02:00 --token-file $CREDENTIALS/rectorat-dev.token
  entctl dispute terminate conventions/30227-2021/disputes/1 --party commune --reasons "engagements non respectés" \\
      --letter-ref "LRAR 1A 235" --sent 2022-05-11
  entctl dispute letter 30227-2021/1 --kind termination -o /tmp/resiliation.pdf   # effective 27 mai 2022
  entctl clock advance 17d --token-file $CREDENTIALS/rectorat-dev.token   # TERMINATED from 2022-05-28 00:00
  entctl convention show conventions/30227-2021
  \$F statement 30227                                                  # the titre stays due
TXT
fi
if [ "$DEMO" = 1 ] && [ -n "$CONSOLE_URL" ]; then
cat <<TXT

The same dispute in the browser ($CONSOLE_URL, as claire.martin / dev-support; the banner moves the clock):
  1. Conventions → "saint ambroix" → Commune de Saint-Ambroix 2021-2022
  2. banner: new simulated date 31/03/2022 10:00 → "Avancer l'horloge"
  3. "Ouvrir un litige : mise en demeure": the commune, the grievances, LRAR 1A 234, sent 2022-03-31
     → "Vérifier avant de confirmer" shows "au plus tard le lundi 2 mai 2022" and why → confirm
  4. banner: 03/05/2022 00:00 → the dispute shows "Délai de conciliation expiré" (open pages update by themselves)
  5. banner: 11/05/2022 10:00 → "Envoyer la lettre de résiliation", sent 2022-05-11 → effective
     "vendredi 27 mai 2022 à 24 heures" → confirm, then "Lettre de résiliation (PDF)"
  6. as paul.durand / dev-finance: Titres de perception → 2021-000001 → record a payment of 40,00
TXT
fi
cat <<TXT

Any gRPC client can call both services: server reflection and health checking are on, the protos are in proto/.
Logs: $DATA_DIR/convention/service.log, $DATA_DIR/billing/service.log, $DATA_DIR/console/console.log
Press Ctrl-C to stop.
TXT
wait
