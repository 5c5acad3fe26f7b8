#!/usr/bin/env bash
# The test command: installs what is missing, builds, and runs every test
# (unit, integration, and a short run of each fuzz target) with CTest.
#
#   ./deploy/test.sh                      GCC build in build/
#   ./deploy/test.sh --sanitize=address   clang, ASan + UBSan, in build-asan/ (fuzzers coverage-guided);
#                                         the browser test (label "browser") runs in the default suite
#                                         only, unless ENT_SANITIZE_BROWSER=1
#   ./deploy/test.sh --sanitize=thread    clang, TSan, in build-tsan/
# Other arguments go to ctest (e.g. -R hardening, -L unit).
set -euo pipefail
cd "$(dirname "$0")/.."
SANITIZE=""
CTEST_ARGS=()
for arg in "$@"; do
  case "$arg" in
    --sanitize=address|--sanitize=thread) SANITIZE="${arg#--sanitize=}" ;;
    --sanitize=*) echo "test.sh: --sanitize: expected address or thread" >&2; exit 2 ;;
    *) CTEST_ARGS+=("$arg") ;;
  esac
done
./deploy/install-deps.sh
# Node.js (the Node client test, buf): Debian's packages when the machine has none.
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO=sudo
  $SUDO apt-get install -y -qq --no-install-recommends nodejs npm || echo "warning: no Node.js; its tests are skipped" >&2
fi
# npm packages: buf (proto lint), the gRPC client of the Node.js test, the OpenID provider,
# the DSFR and the console's browser test.
if command -v npm >/dev/null; then
  [ -x tools/node_modules/.bin/buf ] || npm ci --prefix tools --no-audit --no-fund --loglevel=error \
    || echo "warning: could not install buf; proto lint skipped" >&2
  [ -d tests/node/node_modules/@grpc/grpc-js ] || npm ci --prefix tests/node --no-audit --no-fund --loglevel=error \
    || echo "warning: could not install @grpc/grpc-js; the Node.js client test is skipped" >&2
  # The development OpenID provider the identity tests sign in with (they fail without it).
  [ -f deploy/oidc-dev/node_modules/oidc-provider/package.json ] \
    || npm ci --prefix deploy/oidc-dev --no-audit --no-fund --loglevel=error
  # The console's design system (DSFR, pinned) and its browser test (playwright-core
  # driving Debian's chromium, axe-core): the browser test fails without them.
  [ -f console/node_modules/@gouvfr/dsfr/dist/dsfr.min.css ] \
    || npm ci --prefix console --ignore-scripts --no-audit --no-fund --loglevel=error
  [ -f tests/console/node_modules/playwright-core/package.json ] \
    || npm ci --prefix tests/console --no-audit --no-fund --loglevel=error
fi
if [ -n "$SANITIZE" ]; then
  export ENT_BUILD_DIR="${ENT_BUILD_DIR:-build-${SANITIZE/address/asan}}"
  ENT_BUILD_DIR="${ENT_BUILD_DIR/thread/tsan}"
  export CC=clang CXX=clang++
  export ENT_CMAKE_ARGS="-DENT_SANITIZE=$SANITIZE -DENT_WERROR=ON ${ENT_CMAKE_ARGS:-}"
  # Findings fail the test that hit them, with a symbolised stack.
  export ASAN_OPTIONS="${ASAN_OPTIONS:-abort_on_error=1:detect_leaks=1:strict_string_checks=1}"
  export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
  export TSAN_OPTIONS="${TSAN_OPTIONS:-halt_on_error=1:second_deadlock_stack=1:ignore_noninstrumented_modules=1:suppressions=$PWD/deploy/tsan.supp}"
  export LSAN_OPTIONS="${LSAN_OPTIONS:-suppressions=$PWD/deploy/lsan.supp}"
fi
./deploy/build.sh
BUILD_DIR="${ENT_BUILD_DIR:-build}"
# Under a sanitizer, the browser test (what Chromium sees of the console, the same whatever
# the compiler) is left to the default suite, to keep CI's two suites within its time budget.
if [ -n "$SANITIZE" ] && [ "${ENT_SANITIZE_BROWSER:-0}" != 1 ]; then CTEST_ARGS+=(-LE browser); fi
ctest --test-dir "$BUILD_DIR" --output-on-failure -j 2 "${CTEST_ARGS[@]}"
