#!/usr/bin/env bash
# Installs the Debian 12 packages needed to build, test and benchmark the suite.
# Idempotent: packages already present are skipped; apt is only touched when something is missing.
# Usage: scripts/install-deps.sh [build|run|all]   (default: all)
#   build  compilers and libraries
#   run    build + the tools scripts/run.sh uses (curl, jq)
#   all    run + test, fuzzing and benchmark tools
set -euo pipefail

profile="${1:-all}"

build_pkgs=(
  build-essential cmake ninja-build pkg-config git
  libboost1.81-dev libboost-json1.81-dev libboost-url1.81-dev
  libpugixml-dev libssl-dev libsqlite3-dev libpq-dev zlib1g-dev
  libspdlog-dev libfmt-dev
)
run_pkgs=(curl jq)
test_pkgs=(
  libgtest-dev libgmock-dev libbenchmark-dev
  libxml2-utils clang libclang-rt-14-dev clang-format openssl
  gnuplot-nox libwolfssl-dev
)

pkgs=("${build_pkgs[@]}")
if [ "$profile" != "build" ]; then pkgs+=("${run_pkgs[@]}"); fi
if [ "$profile" = "all" ] || [ "$profile" = "test" ]; then pkgs+=("${test_pkgs[@]}"); fi

missing=()
for p in "${pkgs[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
echo "install-deps: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
