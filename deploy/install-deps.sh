#!/usr/bin/env bash
# Installs the Debian 12 packages needed to build, run and test the project.
# Does nothing when they are all present; otherwise needs root (or sudo).
set -euo pipefail

PACKAGES=(
  build-essential cmake ninja-build ccache pkg-config
  libgrpc++-dev protobuf-compiler-grpc libprotobuf-dev protobuf-compiler
  libabsl-dev libsqlite3-dev sqlite3 libssl-dev openssl nlohmann-json3-dev tzdata
  libjemalloc-dev libgtest-dev libgmock-dev libbenchmark-dev
  clang libclang-rt-14-dev llvm
  prometheus-cpp-dev prometheus
  libcairo2-dev libpango1.0-dev fonts-dejavu-core poppler-utils
  libpq-dev postgresql-15
  patroni etcd-server
  libcjose-dev libjansson-dev libcurl4-openssl-dev
  libcpp-httplib-dev libkainjow-mustache-dev chromium curl
)

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

echo "installing: ${missing[*]}"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "need root or sudo to apt-get install ${missing[*]}" >&2; exit 1; }
  SUDO=sudo
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
