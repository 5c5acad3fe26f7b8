#!/usr/bin/env bash
# Configures and builds everything into ${ENT_BUILD_DIR:-build} with Ninja.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR="${ENT_BUILD_DIR:-build}"
cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE="${CMAKE_BUILD_TYPE:-RelWithDebInfo}" >/dev/null
cmake --build "$BUILD_DIR" -j "$(nproc)"
