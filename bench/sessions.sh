#!/usr/bin/env bash
# Full periodic CWMP sessions per second and latency percentiles at increasing device counts,
# against cwmp-acs (SQLite, durable, Digest on) and against bench_bare_acs (the same HTTP
# server code answering the same exchanges with no store and no session logic: the ceiling).
# Prints a table, keeps results.csv, table.md, machine.txt and sessions.png under
# bench/results/<date>-<host>/. See bench/README.md.
#
#   bench/sessions.sh [--devices "1000 2000 5000 10000"] [--seconds 10] [--warmup S]
#                     [--interval 1] [--out DIR] [--no-build]
#
# Environment: BUILD_DIR (default build-bench), ACS_THREADS, SIM_THREADS, BARE_THREADS,
# STORE_THREADS.
set -euo pipefail

REPO=$(cd "$(dirname "$0")/.." && pwd)
cd "$REPO"

DEVICE_COUNTS="1000 2000 5000 10000"
WINDOW=10       # measurement window per point, seconds
WARMUP=""       # seconds; default: 5 + 1 per 1,000 devices (the bootstrap wave)
INTERVAL=1      # PeriodicInformInterval: each device offers one session per INTERVAL
OUT=""
BUILD=1
BUILD_DIR=${BUILD_DIR:-build-bench}  # relative to the repository, or absolute
[[ $BUILD_DIR == /* ]] || BUILD_DIR="$REPO/$BUILD_DIR"
# The thread split on a 2-core machine shared by the server and the simulator (both busy).
# The simulator costs more CPU per session than either server (a whole agent: data-model
# reads, XML encode/decode, the Digest client, a new connection each time), so it gets the
# most: 2 io threads (its default, one per core), which also run the agents' data-model calls.
# The server under test gets 1 event-loop thread: the bare server uses under half a core at
# its peak here and 2 loop threads changed nothing measurable for either server. cwmp-acs
# keeps its default 8 store threads: they mostly wait for fsync, and several of them let
# concurrent Inform commits share one (group commit).
ACS_THREADS=${ACS_THREADS:-1}
BARE_THREADS=${BARE_THREADS:-$ACS_THREADS}
SIM_THREADS=${SIM_THREADS:-2}
STORE_THREADS=${STORE_THREADS:-8}
USERNAME=bench
PASSWORD=bench-password

usage() {
  sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'
  exit "${1:-0}"
}

while [[ $# -gt 0 ]]; do
  case "$1" in
    --devices) DEVICE_COUNTS="$2"; shift 2 ;;
    --seconds) WINDOW="$2"; shift 2 ;;
    --warmup) WARMUP="$2"; shift 2 ;;
    --interval) INTERVAL="$2"; shift 2 ;;
    --out) OUT="$2"; shift 2 ;;
    --no-build) BUILD=0; shift ;;
    -h|--help) usage 0 ;;
    *) echo "sessions.sh: unknown option $1" >&2; usage 2 ;;
  esac
done
[[ -n "$OUT" ]] || OUT="bench/results/$(date +%F)-$(hostname -s)"
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)

# Everything started here is stopped on exit, whatever the exit.
PIDS=()
WORK=$(mktemp -d "${TMPDIR:-/var/tmp}/cwmp-sessions.XXXXXX")
cleanup() {
  local pid
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

if [[ $BUILD -eq 1 ]]; then
  echo "== building (Release) in $BUILD_DIR"
  cmake -S "$REPO" -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=Release \
    -DCWMP_BUILD_BENCH=ON >"$WORK/cmake.log" 2>&1 || { cat "$WORK/cmake.log"; exit 1; }
  ninja -C "$BUILD_DIR" cwmp-acs cwmp-sim bench_bare_acs
fi
BIN="$BUILD_DIR/bin"
for b in cwmp-acs cwmp-sim bench_bare_acs; do
  [[ -x "$BIN/$b" ]] || { echo "sessions.sh: $BIN/$b missing (build it or drop --no-build)" >&2; exit 1; }
done

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

wait_for_port() {  # PORT PID
  local i
  for i in $(seq 1 200); do
    if ! kill -0 "$2" 2>/dev/null; then return 1; fi
    if (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; then return 0; fi
    sleep 0.05
  done
  return 1
}

cpu_ticks() {  # PID -> utime + stime of the whole process (all threads), clock ticks
  awk '{ print $14 + $15 }' "/proc/$1/stat" 2>/dev/null || echo 0
}
HZ=$(getconf CLK_TCK)

SERVER_PID=""
start_server() {  # KIND PORT DEVICES
  local kind=$1 port=$2 devices=$3
  if [[ $kind == acs ]]; then
    local data="$WORK/acs-data-$devices"
    rm -rf "$data"
    mkdir -p "$data"
    # A session cap at the fleet size: every device may hold its one session, so what is
    # measured is the throughput, not the overload protection (503s would send devices into
    # the spec back-off of several seconds). Logging at warn: info logs a line per session.
    "$BIN/cwmp-acs" --data-dir "$data" --cwmp-listen "127.0.0.1:$port" --nbi-listen "" \
      --files-listen "" --cpe-username "$USERNAME" --cpe-password "$PASSWORD" \
      --threads "$ACS_THREADS" --store-threads "$STORE_THREADS" \
      --max-sessions "$devices" --log-level warn >"$WORK/server-$kind-$devices.log" 2>&1 &
  else
    "$BIN/bench_bare_acs" --listen "127.0.0.1:$port" --threads "$BARE_THREADS" \
      --username "$USERNAME" --password "$PASSWORD" >"$WORK/server-$kind-$devices.log" 2>&1 &
  fi
  SERVER_PID=$!
  PIDS+=("$SERVER_PID")
  if ! wait_for_port "$port" "$SERVER_PID"; then
    echo "sessions.sh: $kind did not start:" >&2
    cat "$WORK/server-$kind-$devices.log" >&2
    exit 1
  fi
}

stop_server() {
  kill "$SERVER_PID" 2>/dev/null || true
  wait "$SERVER_PID" 2>/dev/null || true
}

json_field() {  # FILE PYTHON-EXPRESSION-ON-r
  python3 -c "import json,sys; r=json.load(open(sys.argv[1])); print($2)" "$1"
}

# One point: KIND DEVICES -> appends a CSV line.
measure() {
  local kind=$1 devices=$2
  local warmup=${WARMUP:-$((5 + devices / 1000))}
  local port report
  port=$(free_port)
  report="$WORK/report-$kind-$devices.json"
  start_server "$kind" "$port" "$devices"
  "$BIN/cwmp-sim" --acs-url "http://127.0.0.1:$port/" --acs-username "$USERNAME" \
    --acs-password "$PASSWORD" --devices "$devices" --scenario steady \
    --periodic-interval "$INTERVAL" --threads "$SIM_THREADS" --warmup "${warmup}s" \
    --duration "$((warmup + WINDOW))s" --report "$report" >"$WORK/sim-$kind-$devices.log" 2>&1 &
  local sim=$!
  PIDS+=("$sim")
  # CPU of both processes over the measurement window (sampled just inside it).
  sleep "$warmup"
  local s0 m0 t0 s1 m1 t1
  local load1
  load1=$(cut -d' ' -f1 /proc/loadavg)
  s0=$(cpu_ticks "$SERVER_PID"); m0=$(cpu_ticks "$sim"); t0=$(date +%s.%N)
  sleep "$(python3 -c "print(max(1.0, $WINDOW - 0.5))")"
  s1=$(cpu_ticks "$SERVER_PID"); m1=$(cpu_ticks "$sim"); t1=$(date +%s.%N)
  if ! wait "$sim"; then
    echo "sessions.sh: cwmp-sim failed against $kind with $devices devices:" >&2
    tail -5 "$WORK/sim-$kind-$devices.log" >&2
    stop_server
    exit 1
  fi
  stop_server
  local cpu
  cpu=$(python3 -c "e=$t1-$t0; print('%.0f,%.0f' % (100*($s1-$s0)/$HZ/e, 100*($m1-$m0)/$HZ/e))")
  local row
  row=$(json_field "$report" "','.join(str(x) for x in [
    '%.0f' % r['measured']['sessionsOkPerSecond'], '%.1f' % r['measured']['latencyP50Ms'],
    '%.1f' % r['measured']['latencyP90Ms'], '%.1f' % r['measured']['latencyP99Ms'],
    r['measured']['sessionsOk'], r['measured']['sessionsFailed'],
    ' '.join(f'{k}={v}' for k, v in r['measured']['failures'].items() if v) or '-',
    r['bootstrapped'], '%.1f' % r['measured']['seconds']])")
  echo "$kind,$devices,$row,$cpu,$load1" >>"$WORK/points.csv"
  printf '  %-4s %6d devices: %s (server cpu %%, sim cpu %%: %s; load %s)\n' "$kind" "$devices" \
    "$row" "$cpu" "$load1"
}

WARMUP_TEXT="5 s + 1 s per 1000 devices"
[[ -z "$WARMUP" ]] || WARMUP_TEXT="${WARMUP}s"
LOAD_BEFORE=$(uptime | sed 's/^ *//')
echo "== measuring: devices [$DEVICE_COUNTS], periodic interval ${INTERVAL}s, window ${WINDOW}s"
echo "   threads: server $ACS_THREADS (acs store $STORE_THREADS), sim io $SIM_THREADS"
echo "   (columns: sessions/s, p50, p90, p99 ms, ok, failed, failure kinds, bootstrapped, window s)"
: >"$WORK/points.csv"
for n in $DEVICE_COUNTS; do
  measure acs "$n"
  measure bare "$n"
done

# results.csv: one line per device count, the two servers side by side.
python3 - "$WORK/points.csv" "$OUT" <<'EOF'
import csv, sys
rows = {}
fields = ["sps", "p50", "p90", "p99", "ok", "failed", "failure_kinds", "bootstrapped", "window",
          "server_cpu", "sim_cpu", "load1"]
for line in csv.reader(open(sys.argv[1])):
    kind, devices = line[0], int(line[1])
    rows.setdefault(devices, {})[kind] = dict(zip(fields, line[2:]))
out = sys.argv[2]
header = ["devices"] + [f"{k}_{f}" for k in ("acs", "bare") for f in fields] + ["acs_over_bare_pct"]
with open(f"{out}/results.csv", "w", newline="") as f:
    w = csv.writer(f)
    w.writerow(header)
    for d in sorted(rows):
        a, b = rows[d]["acs"], rows[d]["bare"]
        pct = 100.0 * float(a["sps"]) / float(b["sps"]) if float(b["sps"]) > 0 else 0.0
        w.writerow([d] + [a[x] for x in fields] + [b[x] for x in fields] + [f"{pct:.0f}"])
lines = ["| devices | acs sessions/s | p50 ms | p99 ms | bare sessions/s | p50 ms | p99 ms "
         "| acs/bare % | failed (acs/bare) | cpu % acs, sim | cpu % bare, sim | load (acs/bare) |",
         "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
for d in sorted(rows):
    a, b = rows[d]["acs"], rows[d]["bare"]
    pct = 100.0 * float(a["sps"]) / float(b["sps"]) if float(b["sps"]) > 0 else 0.0
    lines.append(f"| {d:,} | {int(a['sps']):,} | {a['p50']} | {a['p99']} | {int(b['sps']):,} "
                 f"| {b['p50']} | {b['p99']} | {pct:.0f} | {a['failed']}/{b['failed']} "
                 f"| {a['server_cpu']}, {a['sim_cpu']} | {b['server_cpu']}, {b['sim_cpu']} "
                 f"| {a['load1']}/{b['load1']} |")
open(f"{out}/table.md", "w").write("\n".join(lines) + "\n")
EOF

# machine.txt: what the figures were measured on.
{
  echo "date          $(date -Is)"
  echo "host          $(hostname -s)"
  echo "cpu           $(lscpu | sed -n 's/^Model name: *//p' | head -1), $(nproc) cores"
  echo "memory        $(free -m | awk '/^Mem:/ { print $2 " MiB total, " $7 " MiB available" }')"
  echo "kernel        $(uname -r)"
  echo "debian        $(cat /etc/debian_version 2>/dev/null || echo unknown)"
  echo "data dir      $WORK, removed after the run ($(df -hT "$WORK" | awk 'NR==2 { print $1 ", " $2 }'))"
  echo "compiler      $(c++ --version | head -1)"
  echo "build         ${BUILD_DIR#"$REPO"/}, $(sed -n 's/^CMAKE_BUILD_TYPE:[A-Z]*=//p' "$BUILD_DIR/CMakeCache.txt")"
  echo "git           $(git -C "$REPO" rev-parse --short HEAD)$(git -C "$REPO" diff --quiet HEAD 2>/dev/null || echo ' (with uncommitted changes)')"
  echo "load before   $LOAD_BEFORE"
  echo "load after    $(uptime | sed 's/^ *//')"
  echo "              (other work may share the machine: each point's 1-minute load average at"
  echo "              the start of its window is in results.csv, *_load1)"
  echo "threads       server event loop $ACS_THREADS, cwmp-acs store $STORE_THREADS, bare $BARE_THREADS, cwmp-sim io $SIM_THREADS"
  echo "run           devices [$DEVICE_COUNTS], periodic interval ${INTERVAL}s, window ${WINDOW}s, warm-up $WARMUP_TEXT"
} >"$OUT/machine.txt"

echo
cat "$OUT/table.md"
echo

if command -v gnuplot >/dev/null 2>&1; then
  if gnuplot -e "csv='$OUT/results.csv'; out='$OUT/sessions.png'" "$REPO/bench/plot_sessions.gp" \
    2>"$WORK/gnuplot.log"; then
    echo "plot: $OUT/sessions.png"
  else
    echo "note: gnuplot failed, no plot:"; cat "$WORK/gnuplot.log"
  fi
else
  echo "note: gnuplot is not installed (apt-get install gnuplot-nox): no plot, the CSV is there"
fi
echo "results: $OUT"
