#!/usr/bin/env bash
# The test command: installs what is missing, builds, and runs every test
# (unit and integration) with CTest.
set -euo pipefail
cd "$(dirname "$0")/.."
./deploy/install-deps.sh
./deploy/build.sh
BUILD_DIR="${ENT_BUILD_DIR:-build}"
ctest --test-dir "$BUILD_DIR" --output-on-failure -j 2 "$@"
