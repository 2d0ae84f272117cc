#!/usr/bin/env bash
# Tests of the cwmp-cpe program as a device runs it (docs/cpe.md): options, a bootstrap
# against a real cwmp-acs, the ACS URL handed over in a file and re-read on SIGHUP, a reboot
# asked for through the NBI (the process re-executes itself and reports M Reboot), SIGTERM.
# Usage: cwmp_cpe.sh BIN_DIR DATA_DIR. Exit 0 pass, 1 fail, 77 skip.
set -u

bin_dir="${1:?usage: cwmp_cpe.sh BIN_DIR DATA_DIR}"
cpe="$bin_dir/cwmp-cpe"
acs="$bin_dir/cwmp-acs"
for b in "$cpe" "$acs"; do
  if [[ ! -x "$b" ]]; then
    echo "SKIP: $b not built"
    exit 77
  fi
done
if ! command -v curl >/dev/null; then
  echo "SKIP: curl not installed"
  exit 77
fi

tmp="$(mktemp -d)"
acs_pid=""
cpe_pid=""
cleanup() {
  [[ -n "$cpe_pid" ]] && kill -9 "$cpe_pid" 2>/dev/null
  [[ -n "$acs_pid" ]] && kill -9 "$acs_pid" 2>/dev/null
  rm -rf "$tmp"
}
trap cleanup EXIT
failures=0
fail() {
  echo "FAIL: $*"
  failures=$((failures + 1))
}
# Waits up to 10 s for a line matching $2 in file $1.
wait_for_line() {
  for _ in $(seq 100); do
    grep -q -- "$2" "$1" 2>/dev/null && return 0
    sleep 0.1
  done
  return 1
}

# --- options ------------------------------------------------------------------------------
"$cpe" --help >"$tmp/help" || fail "--help exits non-zero"
for option in acs-url acs-url-file acs-url-command model state-dir cr-listen cr-username \
  cr-password acs-username acs-password serial oui product-class tls-ca tls-cert tls-key \
  config log-level install-command reboot-command; do
  grep -q -- "--$option" "$tmp/help" || fail "--help does not document --$option"
done
"$cpe" --no-such-option >/dev/null 2>"$tmp/err"
[[ $? -eq 2 ]] || fail "an unknown option must exit 2"
grep -q "unknown option" "$tmp/err" || fail "an unknown option is named in the error"
printf '# comment\ncwmp-version = 2.0\n' >"$tmp/bad.conf"
"$cpe" --config "$tmp/bad.conf" >/dev/null 2>"$tmp/err"
[[ $? -eq 2 ]] || fail "a bad config value must exit 2"
grep -q "bad.conf:2" "$tmp/err" || fail "a bad config value names file:line"
"$cpe" --model "$tmp/missing.json" --state-dir "$tmp/s0" --cr-listen "" >/dev/null 2>"$tmp/err"
[[ $? -eq 1 ]] || fail "a missing model file must exit 1"
grep -q "missing.json" "$tmp/err" || fail "a missing model file is named"

# --- the ACS -----------------------------------------------------------------------------
"$acs" --data-dir "$tmp/acs" --cwmp-listen 127.0.0.1:0 --nbi-listen 127.0.0.1:0 \
  --files-listen "" --cpe-username cpe --cpe-password secret >"$tmp/acs.log" 2>&1 &
acs_pid=$!
wait_for_line "$tmp/acs.log" "NBI listening" || {
  cat "$tmp/acs.log"
  exit 1
}
port_of() { grep -o "$1 listening on [^ ]* (port [0-9]*" "$tmp/acs.log" | grep -o '[0-9]*$'; }
cwmp_port="$(port_of CWMP)"
nbi="http://127.0.0.1:$(port_of NBI)"

# --- the agent: bootstrap with the URL from a file ---------------------------------------
echo "http://127.0.0.1:$cwmp_port/" >"$tmp/acs-url"
log="$tmp/cpe.log"
"$cpe" --acs-url-file "$tmp/acs-url" --acs-username cpe --acs-password secret \
  --state-dir "$tmp/state" --cr-listen 127.0.0.1:0 --serial TOOL-1 >"$log" 2>&1 &
cpe_pid=$!
wait_for_line "$log" "session 1 done \[0 BOOTSTRAP, 1 BOOT" || fail "no bootstrap session"
device="00D09E-HomeGateway-TOOL%2D1"
device_url="00D09E-HomeGateway-TOOL%252D1"
curl -sf "$nbi/devices/$device_url" >"$tmp/device" || fail "the ACS does not know $device"
grep -q '"_lastBootstrap"' "$tmp/device" || fail "no _lastBootstrap in the device document"
[[ "$(stat -c %a "$tmp/state")" == 700 ]] || fail "the state directory must be private (0700)"

# --- SIGHUP: a new URL from the file bootstraps -------------------------------------------
echo "http://localhost:$cwmp_port/" >"$tmp/acs-url"
kill -HUP "$cpe_pid"
wait_for_line "$log" "ACS URL http://localhost:$cwmp_port/" || fail "SIGHUP did not re-read the file"
wait_for_line "$log" "session 2 done \[0 BOOTSTRAP" || fail "a new ACS URL must bootstrap"

# --- a reboot through the NBI: the process re-executes itself ------------------------------
code="$(curl -s -o "$tmp/task" -w '%{http_code}' -X POST \
  "$nbi/devices/$device_url/tasks?connection_request&timeout=5000" \
  -d '{"name":"reboot","commandKey":"tool-reboot"}')"
[[ "$code" == 200 ]] || fail "the reboot task: HTTP $code $(cat "$tmp/task")"
wait_for_line "$log" "rebooting (re-executing)" || fail "no re-execution"
wait_for_line "$log" "session 1 done \[1 BOOT, M Reboot" || fail "no M Reboot after the reboot"
kill -0 "$cpe_pid" 2>/dev/null || fail "the re-executed agent must keep its process id"

# --- SIGTERM ------------------------------------------------------------------------------
kill -TERM "$cpe_pid"
wait "$cpe_pid"
status=$?
cpe_pid=""
[[ $status -eq 0 ]] || fail "SIGTERM: exit status $status"

if [[ $failures -gt 0 ]]; then
  echo "--- agent log"
  cat "$log"
  exit 1
fi
echo "PASS"
