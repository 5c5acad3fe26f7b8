#!/usr/bin/env bash
# Runs every fuzz target longer than the test suite does, coverage-guided
# (libFuzzer, clang, ASan + UBSan), growing the corpus kept in fuzz/corpus/:
#   ./deploy/fuzz.sh [SECONDS per target, default 60] [TARGET...]
# A finding stops its target and leaves the input in build-fuzz/fuzz/crash-*;
# replay it with build-fuzz/fuzz/<target>_fuzzer <file>.
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_EACH="${1:-60}"
shift || true
./deploy/install-deps.sh
BUILD_DIR="${ENT_FUZZ_BUILD_DIR:-build-fuzz}"
CC=clang CXX=clang++ cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DENT_SANITIZE=address >/dev/null
TARGETS=("$@")
if [ ${#TARGETS[@]} -eq 0 ]; then
  TARGETS=($(ls fuzz/corpus))
fi
cmake --build "$BUILD_DIR" -j "$(nproc)" --target $(printf '%s_fuzzer ' "${TARGETS[@]}")
export ASAN_OPTIONS="${ASAN_OPTIONS:-abort_on_error=1:detect_leaks=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
status=0
for t in "${TARGETS[@]}"; do
  echo "== $t ($SECONDS_EACH s)"
  # New interesting inputs are added to the corpus in the repository.
  "$BUILD_DIR/fuzz/${t}_fuzzer" -max_total_time="$SECONDS_EACH" -timeout=10 -rss_limit_mb=2048 \
    -max_len=4096 -print_final_stats=1 -artifact_prefix="$BUILD_DIR/fuzz/crash-$t-" \
    "fuzz/corpus/$t" 2>&1 | grep -E "^(#[0-9]+.*(DONE|pulse)|stat::number_of_executed_units|==.*ERROR|SUMMARY|.*invariant broken)" || true
  [ "${PIPESTATUS[0]}" -eq 0 ] || status=1
done
# Keep the corpus small: one input per coverage feature.
for t in "${TARGETS[@]}"; do
  tmp="$(mktemp -d)"
  "$BUILD_DIR/fuzz/${t}_fuzzer" -merge=1 "$tmp" "fuzz/corpus/$t" >/dev/null 2>&1 && \
    rm -rf "fuzz/corpus/$t" && mv "$tmp" "fuzz/corpus/$t" || rm -rf "$tmp"
done
exit $status
