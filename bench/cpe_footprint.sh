#!/usr/bin/env bash
# The CPE agent's footprint (issue 4 §8): binary size, resident memory and idle CPU of
# cwmp-cpe with the built-in TR-181 model, connected to a local cwmp-acs.
#
#   bench/cpe_footprint.sh [IDLE_SECONDS]        (default 30)
#
# Builds cwmp-cpe and cwmp-acs in build-footprint/ the way a gateway would ship the agent:
# MinSizeRel, wolfSSL for TLS and crypto (-DCWMP_TLS=wolfssl), static Boost and C++ runtime
# and header-only logging (-DCWMP_SMALL_LINK=ON). TLS=openssl SMALL_LINK=OFF measure the
# default build instead (in build-footprint-openssl-OFF/); BUILD_DIR=... measures an existing
# build. Then it starts the ACS on loopback (HTTPS by default, SCHEME=http for plain HTTP),
# starts the agent,
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
tls="${TLS:-wolfssl}"
small_link="${SMALL_LINK:-ON}"
default_dir="build-footprint"
if [[ "$tls" != "wolfssl" || "$small_link" != "ON" ]]; then
  default_dir="build-footprint-$tls-$small_link"
fi
build_dir="${BUILD_DIR:-$default_dir}"
if [[ -z "${BUILD_DIR:-}" ]]; then
  cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=MinSizeRel -DCWMP_BUILD_TESTS=OFF \
    -DCWMP_BUILD_BENCH=OFF -DCWMP_TLS="$tls" -DCWMP_SMALL_LINK="$small_link" >/dev/null
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

# The session over HTTPS, as a deployed device runs it (SCHEME=http for plain HTTP): a
# throwaway P-256 certificate for localhost, which the agent verifies.
scheme="${SCHEME:-https}"
acs_tls=()
cpe_tls=()
if [[ "$scheme" == "https" ]]; then
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
    -keyout "$work/acs.key" -out "$work/acs.crt" -subj /CN=localhost \
    -addext "subjectAltName=DNS:localhost" 2>/dev/null
  acs_tls=(--cwmp-tls-listen 127.0.0.1:0 --tls-cert "$work/acs.crt" --tls-key "$work/acs.key")
  cpe_tls=(--tls-ca "$work/acs.crt")
fi

"$acs_bin" --data-dir "$work/acs" --cwmp-listen 127.0.0.1:0 --nbi-listen 127.0.0.1:0 \
  --files-listen "" --cpe-username bench --cpe-password bench-secret "${acs_tls[@]}" \
  2>"$work/acs.log" &
acs_pid=$!
for _ in $(seq 100); do
  grep -q "NBI listening" "$work/acs.log" 2>/dev/null && break
  sleep 0.1
done
if [[ "$scheme" == "https" ]]; then
  cwmp_port="$(grep -o 'CWMP listening on [^ ]* (port [0-9]*, TLS' "$work/acs.log" |
    grep -o 'port [0-9]*' | grep -o '[0-9]*')"
  acs_url="https://localhost:$cwmp_port/"
else
  cwmp_port="$(grep -o 'CWMP listening on [^ ]* (port [0-9]*)' "$work/acs.log" |
    grep -o 'port [0-9]*' | grep -o '[0-9]*')"
  acs_url="http://127.0.0.1:$cwmp_port/"
fi

"$cpe_bin" --acs-url "$acs_url" --acs-username bench "${cpe_tls[@]}" \
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

cache() { grep -m1 "^$1:" "$build_dir/CMakeCache.txt" | cut -d= -f2; }
echo "build                 $build_dir ($(cache CMAKE_BUILD_TYPE), TLS $(cache CWMP_TLS), small link $(cache CWMP_SMALL_LINK))"
echo "session               $acs_url"
echo "binary                $((binary_bytes / 1024)) KiB as built, $((stripped_bytes / 1024)) KiB stripped"
echo "rss (idle)            ${rss_kib} KiB (anonymous ${anon_kib} KiB, file-backed ${file_kib} KiB)"
echo "peak rss              ${hwm_kib} KiB"
echo "pss                   ${pss_kib} KiB"
echo "largest mappings      ${top_mappings}"
echo "threads               ${threads}"
echo "idle cpu              ${cpu_ms} ms over ${idle_seconds} s = ${cpu_percent}% of a core"
echo "context switches      ${wakeups} over ${idle_seconds} s (all threads)"
echo "footprint: stripped_kib=$((stripped_bytes / 1024)) rss_kib=${rss_kib} anon_kib=${anon_kib} pss_kib=${pss_kib} peak_rss_kib=${hwm_kib} idle_cpu_ms=${cpu_ms} idle_s=${idle_seconds} switches=${wakeups}"
