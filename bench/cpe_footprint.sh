#!/usr/bin/env bash
# The CPE agent's footprint (issue 4 §8): binary size, resident memory and idle CPU of
# cwmp-cpe with the built-in TR-181 model, connected to a local cwmp-acs.
#
#   bench/cpe_footprint.sh [IDLE_SECONDS]        (default 30)
#
# Builds cwmp-cpe and cwmp-acs in build-footprint/ (MinSizeRel, what a gateway would ship;
# BUILD_DIR=... to measure another build), starts the ACS on loopback, starts the agent,
# waits for its bootstrap session, then samples it for IDLE_SECONDS while nothing happens:
#   - binary: size on disk as built and stripped (`strip -o`, the shipped size);
#   - RSS and peak RSS (VmRSS, VmHWM from /proc/<pid>/status), anonymous and file-backed,
#     PSS, and the largest mappings;
#   - threads;
#   - CPU time used over the idle window (utime+stime from /proc/<pid>/stat) as a share of
#     one core, and the context switches of all its threads (how often it woke up).
# Prints one line per figure and a summary line.
set -euo pipefail
cd "$(dirname "$0")/.."

idle_seconds="${1:-30}"
build_dir="${BUILD_DIR:-build-footprint}"
if [[ -z "${BUILD_DIR:-}" ]]; then
  cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=MinSizeRel -DCWMP_BUILD_TESTS=OFF \
    -DCWMP_BUILD_BENCH=OFF >/dev/null
  ninja -C "$build_dir" cwmp-cpe cwmp-acs >/dev/null
fi
cpe_bin="$build_dir/bin/cwmp-cpe"
acs_bin="$build_dir/bin/cwmp-acs"

work="$(mktemp -d)"
acs_pid=""
cpe_pid=""
cleanup() {
  [[ -n "$cpe_pid" ]] && kill "$cpe_pid" 2>/dev/null || true
  [[ -n "$acs_pid" ]] && kill "$acs_pid" 2>/dev/null || true
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

"$acs_bin" --data-dir "$work/acs" --cwmp-listen 127.0.0.1:0 --nbi-listen 127.0.0.1:0 \
  --files-listen "" --cpe-username bench --cpe-password bench-secret 2>"$work/acs.log" &
acs_pid=$!
for _ in $(seq 100); do
  grep -q "NBI listening" "$work/acs.log" 2>/dev/null && break
  sleep 0.1
done
cwmp_port="$(grep -o 'CWMP listening on [^ ]* (port [0-9]*' "$work/acs.log" | grep -o '[0-9]*$')"

"$cpe_bin" --acs-url "http://127.0.0.1:$cwmp_port/" --acs-username bench \
  --acs-password bench-secret --state-dir "$work/cpe" --cr-listen 127.0.0.1:0 \
  --serial FOOTPRINT 2>"$work/cpe.log" &
cpe_pid=$!
for _ in $(seq 100); do
  grep -q "session 1 done" "$work/cpe.log" 2>/dev/null && break
  sleep 0.1
done
grep -q "session 1 done" "$work/cpe.log" || {
  echo "the agent did not complete its first session:" >&2
  cat "$work/cpe.log" >&2
  exit 1
}
sleep 1  # let the first session's allocations settle

status() { awk -v k="$1:" '$1 == k { print $2 }' "/proc/$cpe_pid/status"; }
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$cpe_pid/stat"; }
switches() {
  cat /proc/"$cpe_pid"/task/*/status |
    awk '/^(voluntary|nonvoluntary)_ctxt_switches:/ { n += $2 } END { print n }'
}

ticks_before="$(cpu_ticks)"
switches_before="$(switches)"
sleep "$idle_seconds"
ticks_after="$(cpu_ticks)"
switches_after="$(switches)"

hz="$(getconf CLK_TCK)"
binary_bytes="$(stat -c %s "$cpe_bin")"
strip -o "$work/cwmp-cpe.stripped" "$cpe_bin"
stripped_bytes="$(stat -c %s "$work/cwmp-cpe.stripped")"
rss_kib="$(status VmRSS)"
hwm_kib="$(status VmHWM)"
anon_kib="$(status RssAnon)"
file_kib="$(status RssFile)"
threads="$(status Threads)"
# PSS: each shared page divided by the processes mapping it (on a gateway, libc and
# libcrypto are shared with other daemons; on an idle test machine mostly not).
pss_kib="$(awk '$1 == "Pss:" { print $2 }' "/proc/$cpe_pid/smaps_rollup")"
# The largest file-backed mappings: what the RSS is made of.
top_mappings="$(awk '/^[0-9a-f]+-[0-9a-f]+ / { name = $6 } /^Rss:/ { if (name != "") rss[name] += $2 }
  END { for (n in rss) printf "%d %s\n", rss[n], n }' "/proc/$cpe_pid/smaps" | sort -rn | head -6 |
  awk '{ sub(".*/", "", $2); printf "%s%s %d KiB", sep, $2, $1; sep = ", " }')"
cpu_ms=$(((ticks_after - ticks_before) * 1000 / hz))
wakeups=$((switches_after - switches_before))
cpu_percent="$(awk -v ms="$cpu_ms" -v s="$idle_seconds" 'BEGIN { printf "%.3f", ms / (s * 10) }')"

echo "build                 $build_dir ($(grep -m1 '^CMAKE_BUILD_TYPE' "$build_dir/CMakeCache.txt" | cut -d= -f2))"
echo "binary                $((binary_bytes / 1024)) KiB as built, $((stripped_bytes / 1024)) KiB stripped"
echo "rss (idle)            ${rss_kib} KiB (anonymous ${anon_kib} KiB, file-backed ${file_kib} KiB)"
echo "peak rss              ${hwm_kib} KiB"
echo "pss                   ${pss_kib} KiB"
echo "largest mappings      ${top_mappings}"
echo "threads               ${threads}"
echo "idle cpu              ${cpu_ms} ms over ${idle_seconds} s = ${cpu_percent}% of a core"
echo "context switches      ${wakeups} over ${idle_seconds} s (all threads)"
echo "footprint: stripped_kib=$((stripped_bytes / 1024)) rss_kib=${rss_kib} anon_kib=${anon_kib} pss_kib=${pss_kib} peak_rss_kib=${hwm_kib} idle_cpu_ms=${cpu_ms} idle_s=${idle_seconds} switches=${wakeups}"
