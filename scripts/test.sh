#!/usr/bin/env bash
# Builds everything and runs every test (the README's test command; CI runs it).
#   scripts/test.sh              warnings as errors, RelWithDebInfo without debug information
#                                (CWMP_DEBUG_INFO=full to keep it, for gdb), all tests
#   scripts/test.sh --sanitize   AddressSanitizer + UndefinedBehaviorSanitizer build with clang
#                                (build-asan/, line tables for stack traces), all tests
#   scripts/test.sh --small-agent  the agent built as a gateway ships it (build-small-agent/:
#                                wolfSSL, static C++ runtime; docs/cpe.md), with clang at -O0
#                                to build fast: the agent's tests and the TLS tests
# The default build is GCC (Debian's compiler, what users build with); the other two use clang:
# a second compiler's warnings and diagnostics, and they build in about half GCC's time.
# Needs nothing installed by hand: Debian packages come from scripts/install-deps.sh.
set -euo pipefail
cd "$(dirname "$0")/.."

mode="${1:-default}"
"$PWD/scripts/install-deps.sh" all

jobs="$(nproc 2>/dev/null || echo 2)"
case "$mode" in
  default)
    build_dir=build
    cmake_args=(-DCWMP_WERROR=ON -DCWMP_BUILD_TESTS=ON -DCWMP_BUILD_BENCH=ON
                -DCWMP_DEBUG_INFO="${CWMP_DEBUG_INFO:-none}")
    ;;
  --sanitize)
    build_dir=build-asan
    cmake_args=(-DCWMP_WERROR=ON -DCWMP_SANITIZE=ON -DCWMP_BUILD_TESTS=ON -DCWMP_BUILD_BENCH=OFF
                -DCMAKE_BUILD_TYPE=Debug -DCWMP_DEBUG_INFO=lines)
    export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1"
    export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
    ;;
  --small-agent)
    build_dir=build-small-agent
    cmake_args=(-DCWMP_WERROR=ON -DCMAKE_BUILD_TYPE=Debug -DCWMP_DEBUG_INFO=none
                -DCWMP_TLS=wolfssl -DCWMP_SMALL_LINK=ON -DCWMP_BUILD_TESTS=ON
                -DCWMP_BUILD_BENCH=OFF)
    ;;
  *)
    echo "usage: $0 [--sanitize|--small-agent]" >&2
    exit 2
    ;;
esac

compiler=()
if [[ "$mode" != default ]]; then
  compiler=(-DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++)
  # A build directory configured earlier with GCC is configured afresh.
  if [[ -f "$build_dir/CMakeCache.txt" ]] &&
     ! grep -q '^CMAKE_CXX_COMPILER:[A-Z]*=.*clang++$' "$build_dir/CMakeCache.txt"; then
    rm -rf "$build_dir"
  fi
fi
cmake -S . -B "$build_dir" -G Ninja ${compiler[@]+"${compiler[@]}"} "${cmake_args[@]}" >/dev/null
if [[ "$mode" == "--small-agent" ]]; then
  # Only what the agent is made of: the ACS is covered by the default build, and building it
  # again in this configuration would add minutes to CI. bench/cpe_footprint.sh measures the
  # same configuration optimised (MinSizeRel).
  test_binaries=(test_cpe_agent it_net)
  ninja -C "$build_dir" -j "$jobs" cwmp-cpe "${test_binaries[@]}"
  for t in "${test_binaries[@]}"; do
    echo "== $t"
    "$build_dir/bin/$t" --gtest_brief=1
  done
  "$build_dir/bin/cwmp-cpe" --help >/dev/null
  exit 0
fi
ninja -C "$build_dir" -j "$jobs"
ctest --test-dir "$build_dir" --output-on-failure -j "$jobs"
