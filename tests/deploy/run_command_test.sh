#!/usr/bin/env bash
# Starts the README's run command (demo mode, free ports, temporary data),
# queries it with entctl, stops it with Ctrl-C (SIGINT) and checks that both
# services are gone and that a second start reuses the data.
set -euo pipefail
SOURCE_DIR="$1"
BUILD_DIR="$2"
data=$(mktemp -d)
log=$(mktemp)  # outside the data, which --reset deletes
trap 'kill -INT "$pid" 2>/dev/null || true; rm -rf "$data" "$log"' EXIT

start() {  # extra run.sh arguments (the demo's unless ENT_RUN_REAL_CLOCK=1)
  local mode=(--demo)
  [ "${ENT_RUN_REAL_CLOCK:-0}" = 1 ] && mode=()
  ENT_SKIP_BUILD=1 ENT_BUILD_DIR="$BUILD_DIR" ENT_DATA_DIR="$data" \
    ENT_CONVENTION_LISTEN=127.0.0.1:0 ENT_BILLING_LISTEN=127.0.0.1:0 ENT_IDP_PORT=0 \
    ENT_CONSOLE_LISTEN=127.0.0.1:0 \
    setsid "$SOURCE_DIR/deploy/run.sh" "${mode[@]}" "$@" > "$log" 2>&1 &
  pid=$!
  for _ in $(seq 1 300); do
    grep -q "Press Ctrl-C" "$log" 2>/dev/null && return 0
    kill -0 "$pid" 2>/dev/null || { cat "$log"; echo "run.sh exited early"; exit 1; }
    sleep 0.1
  done
  cat "$log"; echo "run.sh did not come up"; exit 1
}

stop() {
  kill -INT -- "-$pid"   # Ctrl-C reaches the whole process group
  for _ in $(seq 1 300); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  if kill -0 "$pid" 2>/dev/null; then echo "run.sh did not stop on Ctrl-C"; exit 1; fi
  if pgrep -f "data-dir=$data" >/dev/null; then echo "a service outlived run.sh"; exit 1; fi
}

entctl() {
  "$BUILD_DIR/entctl/entctl" --config "$data/entctl.conf" \
    --token-file "$data/credentials/support-dev.token" "$@"
}

start
grep -q "loaded conventions/30227-2021" "$log" || { cat "$log"; echo "seed not loaded"; exit 1; }
entctl conventions list | grep -q "conventions/30227-2021" || { echo "entctl could not list"; exit 1; }
entctl convention show conventions/30227-2021 | grep -q "2021-11-03  in force" \
  || { echo "timeline missing"; exit 1; }
grep -q "now 2021-11-03 18:00:00 +01:00" "$log" || { cat "$log"; echo "demo clock not at its start"; exit 1; }
# The development identity provider runs, the services trust it, entctl knows where it is.
grep -q "Sign in as a person (development identity provider at http://127.0.0.1:" "$log" \
  || { cat "$log"; echo "no development identity provider"; exit 1; }
grep -q '^issuer = http://127.0.0.1:' "$data/entctl.conf" || { echo "entctl.conf has no issuer"; exit 1; }
grep -q 'identity_providers' "$data/principals.textproto" || { echo "the services do not trust it"; exit 1; }
entctl whoami | grep -q "^support-dev" || { echo "whoami did not name support-dev"; exit 1; }
# The web console answers at the address printed, with the DSFR it serves itself.
console_url=$(sed -n 's/^The web console: open \(http[^ ]*\) in a browser.*/\1/p' "$log")
[ -n "$console_url" ] || { cat "$log"; echo "no console address printed"; exit 1; }
curl -fsS "$console_url/" | grep -q "Conventions ENT-école" || { echo "the console did not answer"; exit 1; }
curl -fsS -o /dev/null "$console_url/dsfr/dsfr.min.css" || { echo "the console does not serve the DSFR"; exit 1; }
grep -q "The same dispute in the browser" "$log" || { echo "no browser walkthrough printed"; exit 1; }
"$BUILD_DIR/entctl/entctl" --config "$data/entctl.conf" --token-file "$data/credentials/rectorat-dev.token" \
  clock set 2022-03-31 > /dev/null
stop
start   # a second start reuses the data, and the clock resumes where it stopped
entctl convention events conventions/30227-2021 | grep -q "ACTIVATED" || { echo "data not reused"; exit 1; }
grep -q "now 2022-03-31 00:00:00 +02:00" "$log" || { cat "$log"; echo "demo clock did not resume"; exit 1; }
stop
start --reset   # the demo from the start again
grep -q "the demo starts again on 3 November 2021" "$log" || { cat "$log"; echo "no reset"; exit 1; }
grep -q "now 2021-11-03 18:00:00 +01:00" "$log" || { cat "$log"; echo "clock not reset"; exit 1; }

# The walkthrough exactly as run.sh printed it (the alias, then each command),
# run in order, every step succeeding, each with the output it promises.
walk="$(mktemp)"
{
  echo "shopt -s expand_aliases"
  grep -m1 '^  alias entctl=' "$log" | sed 's/^  //'
  awk '/^Live the timeline/ {on = 1; skip = 2} on && skip > 0 {skip--; next} on && /^$/ {exit} on' "$log" |
    sed 's/^  //'
} > "$walk"
grep -q "dispute terminate" "$walk" || { cat "$log"; echo "no walkthrough printed"; exit 1; }
out="$(cd "$SOURCE_DIR" && bash -e -o pipefail "$walk" 2>&1)" || { echo "$out"; echo "a walkthrough step failed"; exit 1; }
rm -f "$walk"
for expected in "titre de perception 2021-000001" "100,00 €" "conciliation due by 2022-05-02" \
                "timer(s) fired" "termination notice sent 2022-05-11" "now 2022-05-28 10:00:00 +02:00" \
                "TERMINATED" "superseded: it ended on 2022-05-27" "balance 60,00 €" \
                "wrote /tmp/mise-en-demeure.pdf: Mise en demeure" "wrote /tmp/resiliation.pdf: Lettre de résiliation"; do
  grep -qF "$expected" <<<"$out" || { echo "$out"; echo "the walkthrough did not show: $expected"; exit 1; }
done
stop

# On the real clock: every command of the "Try" block works as printed (the
# titre it names is the one the seed billed today, for the school year in
# progress).
rm -rf "$data"; mkdir -p "$data"
ENT_RUN_REAL_CLOCK=1 start
try="$(mktemp)"
{
  echo "shopt -s expand_aliases"
  awk '/^Try \(support staff\):/ {on = 1; next} on && /^$/ {exit} on' "$log" | sed 's/^  //'
} > "$try"
grep -q "entctl titre pdf" "$try" || { cat "$log"; echo "no titre command printed"; exit 1; }
titre=$(sed -n 's/^entctl titre pdf \([0-9-]*\) .*/\1/p' "$try")
[ "$titre" = "$(TZ=Europe/Paris date +%Y)-000001" ] || { cat "$log"; echo "real clock: titre $titre, not this year's first"; exit 1; }
out="$(cd "$SOURCE_DIR" && bash -e -o pipefail "$try" 2>&1)" || { echo "$out"; echo "a command printed on the real clock failed"; exit 1; }
rm -f "$try"
grep -qF "wrote /tmp/titre.pdf: Titre de perception" <<<"$out" || { echo "$out"; echo "no titre PDF on the real clock"; exit 1; }
grep -q "^  #[0-9]* *CREATED " "$log" || { cat "$log"; echo "the history does not use entctl's words"; exit 1; }
stop
trap 'rm -rf "$data" "$log"' EXIT
echo "run command: started, queried, stopped, restarted on the same data (clock resumed), reset, walked through; real clock: every printed command works"
