#!/usr/bin/env bash
# How the ACS's cost grows with the data-model size and with the number of stored devices
# (issue 5 §2). Runs, against the in-process ACS (bench/README.md):
#
#   inform-10      sessions, 10-parameter Informs, 1,000 devices stored
#   inform-1000    sessions, 1,000-parameter Informs, 1,000 devices stored
#   store-100k     sessions, 10-parameter Informs, 100,000 devices stored
#   refresh-5000   one refreshObject of a 5,000-parameter data model (GetParameterNames,
#                  then GetParameterValues in batches of 256), median of REFRESH_REPEAT runs
#
# and prints one table: sessions/s, p50, p99 and the ACS's CPU per session (its own threads
# only: the client runs in the same process) for the session rows; wall time, ACS CPU,
# bytes and the store's share for the refresh.
#
#   bench/scaling.sh                      # builds Release in build-bench-scaling/
#   BUILD_DIR=build-rel bench/scaling.sh  # uses an existing build (Release, CWMP_BUILD_BENCH=ON)
#
# SESSION_SECONDS (default 5), CONCURRENCY (32), REFRESH_REPEAT (5), STORED_LARGE (100000).
# The raw lines of each run are kept in $LOG (default: a temporary file, printed at the end).
set -euo pipefail
cd "$(dirname "$0")/.."

seconds="${SESSION_SECONDS:-5}"
concurrency="${CONCURRENCY:-32}"
repeat="${REFRESH_REPEAT:-5}"
stored_large="${STORED_LARGE:-100000}"
build_dir="${BUILD_DIR:-build-bench-scaling}"
if [[ -z "${BUILD_DIR:-}" ]]; then
  cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=Release -DCWMP_BUILD_BENCH=ON \
    -DCWMP_BUILD_TESTS=OFF >/dev/null
  ninja -C "$build_dir" bench_acs_sessions bench_acs_refresh >/dev/null
fi
sessions_bin="$build_dir/bin/bench_acs_sessions"
refresh_bin="$build_dir/bin/bench_acs_refresh"
log="${LOG:-$(mktemp)}"

# field NAME LINE: the value of NAME=... in a key=value line.
field() { tr ' ' '\n' <<<"$2" | sed -n "s/^$1=//p"; }

rows=()
sessions_row() {  # label params stored
  local started=$SECONDS line
  line=$("$sessions_bin" --devices 1000 --concurrency "$concurrency" --seconds "$seconds" \
    --params "$2" --stored-devices "$3")
  echo "$1: $line (run $((SECONDS - started)) s)" >>"$log"
  rows+=("$(printf '| %s | %s | %s | %s | %s ms | %s ms | %s µs | %s s |' "$1" "$2" "$3" \
    "$(field sessions_per_s "$line")" "$(field p50_ms "$line")" "$(field p99_ms "$line")" \
    "$(field acs_cpu_us_per_session "$line")" "$(field prefill_s "$line")")")
}

sessions_row inform-10 10 1000
sessions_row inform-1000 1000 1000
sessions_row store-100k 10 "$stored_large"

started=$SECONDS
refresh=$("$refresh_bin" --params 5000 --repeat "$repeat")
echo "refresh-5000: $refresh (run $((SECONDS - started)) s)" >>"$log"

echo "| row | Inform params | stored devices | sessions/s | p50 | p99 | ACS CPU / session | prefill |"
echo "|---|---|---|---|---|---|---|---|"
printf '%s\n' "${rows[@]}"
echo
echo "| row | parameters | RPCs | wall (median of $repeat) | ACS CPU | of which store pool | CPE→ACS | ACS→CPE | store writes (replayed) |"
echo "|---|---|---|---|---|---|---|---|---|"
printf '| refresh-5000 | %s | %s | %s ms | %s ms | %s ms | %s KiB | %s KiB | %s ms |\n' \
  "$(field params "$refresh")" "$(field rpcs "$refresh")" "$(field wall_ms "$refresh")" \
  "$(field acs_cpu_ms "$refresh")" "$(field acs_pool_cpu_ms "$refresh")" \
  "$(($(field cpe_to_acs_bytes "$refresh") / 1024))" \
  "$(($(field acs_to_cpe_bytes "$refresh") / 1024))" "$(field store_write_ms "$refresh")"
echo
echo "raw lines: $log"
cat "$log"
