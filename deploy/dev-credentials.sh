#!/usr/bin/env bash
# Creates local development credentials in DIR (default ./data/credentials),
# once: a random bearer token per principal (DIR/<name>.token, mode 600) and
# the principals file the services read (DIR/principals.textproto), which
# stores only the tokens' SHA-256. Re-running keeps existing credentials.
set -euo pipefail
DIR="${1:-data/credentials}"
mkdir -p "$DIR"
chmod 700 "$DIR"
PRINCIPALS="$DIR/principals.textproto"
[ -s "$PRINCIPALS" ] && exit 0

# name role [insee codes...]
SPECS=(
  "rectorat-dev ROLE_RECTORAT_SERVICE"
  "support-dev ROLE_SUPPORT_STAFF"
  "finance-dev ROLE_FINANCE"
  "internal-dev ROLE_INTERNAL_SERVICE"
  "portal-saint-ambroix-dev ROLE_COMMUNE_PORTAL 30227"
)
tmp="$PRINCIPALS.tmp"
: > "$tmp"
for spec in "${SPECS[@]}"; do
  read -r name role codes <<<"$spec"
  token=$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')
  (umask 077 && printf '%s\n' "$token" > "$DIR/$name.token")
  hash=$(printf '%s' "$token" | sha256sum | cut -d' ' -f1)
  {
    echo "principals {"
    echo "  name: \"$name\""
    echo "  role: $role"
    echo "  token_sha256: \"$hash\""
    for code in $codes; do echo "  insee_codes: \"$code\""; done
    echo "}"
  } >> "$tmp"
done
mv "$tmp" "$PRINCIPALS"
echo "created development credentials in $DIR"
