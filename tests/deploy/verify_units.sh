#!/usr/bin/env bash
# Checks the systemd units with `systemd-analyze verify`, pointing their
# ExecStart at the freshly built binaries (verify requires them to exist).
set -euo pipefail
SOURCE_DIR="$1"
BUILD_DIR="$2"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for unit in "$SOURCE_DIR"/deploy/systemd/*.service; do
  name=$(basename "$unit" .service)   # ent-convention-service
  service=${name#ent-}                # convention-service
  sed "s|/opt/ent-conventions/bin|$BUILD_DIR/$service|" "$unit" > "$tmp/$(basename "$unit")"
done
systemd-analyze verify --man=no "$tmp"/*.service
echo "systemd units verified: $(ls "$tmp" | tr '\n' ' ')"
