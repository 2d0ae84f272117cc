#!/usr/bin/env bash
# Builds the libFuzzer target fuzz_decode in build-fuzz (clang, ASan, UBSan) and
# runs it for a fixed time on a COPY of the seed corpus tests/data/corpus, so
# the repository is never written to. Exits non-zero when a crash, leak,
# timeout or sanitizer report was found; the reproducer is left in
# build-fuzz/fuzz-artifacts/.
#
# Usage: scripts/fuzz.sh [SECONDS]      (default 60)
#        JOBS=4 scripts/fuzz.sh 600     (parallel workers sharing the copy)
set -euo pipefail

seconds="${1:-60}"
if ! [[ "$seconds" =~ ^[0-9]+$ ]] || [[ "$seconds" -eq 0 ]]; then
  echo "usage: $0 [SECONDS]   (a positive number of seconds, default 60)" >&2
  exit 2
fi
jobs="${JOBS:-1}"

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="$root/build-fuzz"

for tool in clang clang++ cmake ninja; do
  command -v "$tool" >/dev/null || { echo "fuzz.sh: $tool not found" >&2; exit 2; }
done

# A build dir configured earlier with another compiler would silently ignore CC/CXX.
if [[ -f "$build/CMakeCache.txt" ]] &&
   ! grep -q '^CMAKE_CXX_COMPILER:[A-Z]*=.*clang++' "$build/CMakeCache.txt"; then
  echo "fuzz.sh: $build was configured without clang++; remove it first" >&2
  exit 2
fi

CC=clang CXX=clang++ cmake -S "$root" -B "$build" -G Ninja \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCWMP_FUZZ=ON -DCWMP_BUILD_TESTS=OFF -DCWMP_BUILD_BENCH=OFF \
  -DCMAKE_CXX_FLAGS='-fsanitize=fuzzer-no-link,address,undefined' >/dev/null
ninja -C "$build" fuzz_decode

work="$(mktemp -d "${TMPDIR:-/tmp}/cwmp-fuzz.XXXXXX")"
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/corpus" "$build/fuzz-artifacts"
cp "$root"/tests/data/corpus/*.xml "$work/corpus/"

# UBSan reports must stop the run, not scroll by.
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1:${UBSAN_OPTIONS:-}"
export ASAN_OPTIONS="detect_leaks=1:${ASAN_OPTIONS:-}"

args=(
  -max_total_time="$seconds"
  -max_len=65536
  -timeout=10
  -rss_limit_mb=2048
  -dict="$root/fuzz/cwmp.dict"
  -artifact_prefix="$build/fuzz-artifacts/"
  -print_final_stats=1
)
if [[ "$jobs" -gt 1 ]]; then
  args+=(-jobs="$jobs" -workers="$jobs")
fi

set +e
(cd "$work" && "$build/bin/fuzz_decode" "${args[@]}" "$work/corpus")
rc=$?
set -e

if [[ $rc -ne 0 ]]; then
  echo "fuzz.sh: fuzz_decode found a problem (exit $rc); reproducers:" >&2
  ls -1 "$build/fuzz-artifacts" >&2 || true
  echo "replay one with: $build/bin/fuzz_decode <file>" >&2
  exit "$rc"
fi
echo "fuzz.sh: no crash in ${seconds}s"
