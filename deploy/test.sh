#!/usr/bin/env bash
# The test command: installs what is missing, builds, and runs every test
# (unit and integration) with CTest.
set -euo pipefail
cd "$(dirname "$0")/.."
./deploy/install-deps.sh
# buf (proto lint) from the npm registry, when npm is available.
if command -v npm >/dev/null && [ ! -x tools/node_modules/.bin/buf ]; then
  npm ci --prefix tools --no-audit --no-fund --loglevel=error || echo "warning: could not install buf; proto lint skipped" >&2
fi
./deploy/build.sh
BUILD_DIR="${ENT_BUILD_DIR:-build}"
ctest --test-dir "$BUILD_DIR" --output-on-failure -j 2 "$@"
