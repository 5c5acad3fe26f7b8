#!/usr/bin/env bash
# Configures and builds into ${ENT_BUILD_DIR:-build} with Ninja: everything,
# or only the targets given as arguments (run.sh builds what it runs).
# ENT_CMAKE_ARGS adds CMake arguments (e.g. the sanitizer builds of test.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR="${ENT_BUILD_DIR:-build}"
# shellcheck disable=SC2086
cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE="${CMAKE_BUILD_TYPE:-RelWithDebInfo}" \
  ${ENT_CMAKE_ARGS:-} >/dev/null
if [ $# -gt 0 ]; then
  cmake --build "$BUILD_DIR" -j "$(nproc)" --target "$@"
else
  cmake --build "$BUILD_DIR" -j "$(nproc)"
fi
