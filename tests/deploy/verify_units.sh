#!/usr/bin/env bash
# Checks the systemd units with `systemd-analyze verify`, pointing their
# ExecStart at the freshly built binaries (verify requires them to exist).
set -euo pipefail
SOURCE_DIR="$1"
BUILD_DIR="$2"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for unit in "$SOURCE_DIR"/deploy/systemd/*.service "$SOURCE_DIR"/deploy/systemd/*.timer; do
  sed -e "s|/opt/ent-conventions/bin/ent-convention-service|$BUILD_DIR/convention-service/ent-convention-service|" \
      -e "s|/opt/ent-conventions/bin/ent-billing-service|$BUILD_DIR/billing-service/ent-billing-service|" \
      -e "s|/opt/ent-conventions/bin/entctl|$BUILD_DIR/entctl/entctl|" \
      -e "s|/opt/ent-conventions/bin/ent-console|$BUILD_DIR/console/ent-console|" \
      "$unit" > "$tmp/$(basename "$unit")"
done
systemd-analyze verify --man=no "$tmp"/*.service "$tmp"/*.timer
echo "systemd units verified: $(ls "$tmp" | tr '\n' ' ')"
