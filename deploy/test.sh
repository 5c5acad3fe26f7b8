#!/usr/bin/env bash
# The test command: installs what is missing, builds, and runs every test
# (unit and integration) with CTest.
set -euo pipefail
cd "$(dirname "$0")/.."
./deploy/install-deps.sh
# Node.js (the Node client test, buf): Debian's packages when the machine has none.
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO=sudo
  $SUDO apt-get install -y -qq --no-install-recommends nodejs npm || echo "warning: no Node.js; its tests are skipped" >&2
fi
# npm packages: buf (proto lint) and the gRPC client of the Node.js test.
if command -v npm >/dev/null; then
  [ -x tools/node_modules/.bin/buf ] || npm ci --prefix tools --no-audit --no-fund --loglevel=error \
    || echo "warning: could not install buf; proto lint skipped" >&2
  [ -d tests/node/node_modules/@grpc/grpc-js ] || npm ci --prefix tests/node --no-audit --no-fund --loglevel=error \
    || echo "warning: could not install @grpc/grpc-js; the Node.js client test is skipped" >&2
fi
./deploy/build.sh
BUILD_DIR="${ENT_BUILD_DIR:-build}"
ctest --test-dir "$BUILD_DIR" --output-on-failure -j 2 "$@"
