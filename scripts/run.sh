#!/usr/bin/env bash
# The README's first command: builds cwmp-acs and the cwmp-cpe agent, starts the ACS on its
# embedded SQLite store, has the agent bootstrap against it, then drives the device through the
# NBI with curl (the connection-request credentials the ACS gave it, values read through
# connection requests, a firmware upgrade), and stops both cleanly.
#
# Ports are the usual ones (CWMP 7547, NBI 7557, files 7567); override with CWMP_PORT,
# NBI_PORT, FILES_PORT when they are taken. The data stays in $DATA_DIR (default: a new
# temporary directory) so you can look at it afterwards.
set -euo pipefail
cd "$(dirname "$0")/.."

"$PWD/scripts/install-deps.sh" run
cmake -S . -B build -G Ninja -DCWMP_BUILD_TESTS=OFF -DCWMP_BUILD_BENCH=OFF >/dev/null
ninja -C build cwmp-acs cwmp-cpe

cwmp_port="${CWMP_PORT:-7547}"
nbi_port="${NBI_PORT:-7557}"
files_port="${FILES_PORT:-7567}"
data_dir="${DATA_DIR:-$(mktemp -d /tmp/cwmp-acs-demo.XXXXXX)}"
nbi="http://127.0.0.1:${nbi_port}"

echo "== starting cwmp-acs (data in $data_dir, log in $data_dir/acs.log)"
build/bin/cwmp-acs --data-dir "$data_dir" \
  --cwmp-listen "127.0.0.1:${cwmp_port}" --nbi-listen "127.0.0.1:${nbi_port}" \
  --files-listen "127.0.0.1:${files_port}" \
  --cpe-username demo --cpe-password demo-secret >"$data_dir/acs.log" 2>&1 &
acs=$!
cpe=""
cleanup() {
  if [ -n "$cpe" ]; then kill -TERM "$cpe" 2>/dev/null || true; fi
  kill -TERM "$acs" 2>/dev/null || true
  wait 2>/dev/null || true
}
trap cleanup EXIT
for _ in $(seq 100); do
  if curl -sf "$nbi/healthz" >/dev/null; then break; fi
  if ! kill -0 "$acs" 2>/dev/null; then cat "$data_dir/acs.log"; exit 1; fi
  sleep 0.1
done

echo "== a provisioning preset (PUT /presets/demo-bootstrap): on bootstrap and boot, periodic"
echo "   informs every 300 s and a Wi-Fi network named demo-home (docs/presets.md)"
curl -s -X PUT "$nbi/presets/demo-bootstrap" -d '{
  "events": ["0 BOOTSTRAP", "1 BOOT"],
  "parameters": {"Device.ManagementServer.PeriodicInformEnable": true,
                 "Device.ManagementServer.PeriodicInformInterval": 300},
  "objects": [{"path": "Device.WiFi.SSID.", "key": "SSID",
               "instances": [{"key": "demo-home", "parameters": {"Enable": true}}]}]}' | jq -c .
echo

echo "== the cwmp-cpe agent starts (state in $data_dir/cpe-state, log in $data_dir/cpe.log):"
echo "   Inform with 0 BOOTSTRAP, 1 BOOT, Digest authentication to the ACS"
build/bin/cwmp-cpe --acs-url "http://127.0.0.1:${cwmp_port}/" \
  --acs-username demo --acs-password demo-secret --serial DEMO0001 \
  --state-dir "$data_dir/cpe-state" --cr-listen 127.0.0.1:0 >"$data_dir/cpe.log" 2>&1 &
cpe=$!
device="00D09E-HomeGateway-DEMO0001"
for _ in $(seq 100); do
  if [ "$(curl -s -o /dev/null -w '%{http_code}' -I "$nbi/devices/?query=%7B%22_id%22%3A%22$device%22%7D")" = 200 ] &&
    [ "$(curl -s -I "$nbi/devices/?query=%7B%22_id%22%3A%22$device%22%7D" | tr -d '\r' | awk 'tolower($1)=="x-total-count:" {print $2}')" = 1 ]; then
    break
  fi
  sleep 0.1
done

# The bootstrap session ends once the preset holds: wait for the value it sets.
for _ in $(seq 100); do
  interval="$(curl -s "$nbi/devices/?query=%7B%22_id%22%3A%22$device%22%7D&projection=Device.ManagementServer.PeriodicInformInterval" |
    jq -r '.[0].Device.ManagementServer.PeriodicInformInterval._value // empty')"
  [ "$interval" = 300 ] && break
  sleep 0.1
done

echo
echo "== the device as the NBI shows it (GET /devices/?query=...&projection=...)"
curl -s "$nbi/devices/?query=%7B%22_id%22%3A%22$device%22%7D&projection=_id,_lastInform,_lastBootstrap,Device.DeviceInfo,Device.ManagementServer.ConnectionRequestURL" | jq .

echo
echo "== configured by the preset within that first session: periodic inform and the SSIDs"
curl -s "$nbi/devices/?query=%7B%22_id%22%3A%22$device%22%7D&projection=Device.ManagementServer.PeriodicInformInterval,Device.WiFi.SSID" |
  jq -c '.[0] | {PeriodicInformInterval: .Device.ManagementServer.PeriodicInformInterval._value,
                 SSIDs: [.Device.WiFi.SSID | to_entries[] | select(.value | type == "object") | .value.SSID._value]}'

echo
echo "== at its bootstrap the ACS gave the device connection-request credentials of its own"
echo "   (random, a SetParameterValues task queued ahead of any other; --cr-credentials keep"
echo "   turns it off): the task as the NBI shows it, password hidden here"
curl -s -G "$nbi/tasks/" --data-urlencode "query={\"device\": \"$device\"}" |
  jq '[.[] | select(.name == "setParameterValues")][0] |
      {_id, name, status, username: .parameterValues[0][1], password: "(hidden)"}'

echo
echo "== read values; the connection request authenticates with those credentials (Digest)"
curl -s -D "$data_dir/task-headers.txt" -X POST \
  "$nbi/devices/$device/tasks?connection_request&timeout=10000" \
  -d '{"name":"getParameterValues","parameterNames":["Device.DeviceInfo.UpTime","Device.DeviceInfo.SoftwareVersion"]}' |
  jq '{_id, name, status, result}'
tr -d '\r' <"$data_dir/task-headers.txt" | grep -iE '^(HTTP/|X-Connection-Request)'

echo
echo "== a firmware upgrade: the image goes to the ACS's file service, a download task sends it"
printf '#cwmp-firmware\nversion=2.0.0\n\n%s\n' "demo image payload" >"$data_dir/gw-2.0.0.bin"
curl -s -T "$data_dir/gw-2.0.0.bin" -H 'fileType: 1 Firmware Upgrade Image' -H 'version: 2.0.0' \
  "$nbi/files/gw-2.0.0.bin" >/dev/null
task="$(curl -s -X POST "$nbi/devices/$device/tasks?connection_request&timeout=10000" \
  -d '{"name":"download","file":"gw-2.0.0.bin"}' | jq -r ._id)"
echo "   task $task: the agent downloads, installs, reboots and reports TransferComplete"
# The DownloadResponse makes the task done; its TransferComplete (after the reboot) adds
# result.transferComplete.
for _ in $(seq 200); do
  state="$(curl -s "$nbi/tasks/$task" | jq -r 'if .result.transferComplete then "complete" else .status end')"
  if [ "$state" = complete ] || [ "$state" = fault ]; then break; fi
  sleep 0.1
done
curl -s "$nbi/tasks/$task" | jq '{_id, name, status, result}'
curl -s "$nbi/devices/?query=%7B%22_id%22%3A%22$device%22%7D&projection=Device.DeviceInfo.SoftwareVersion" | jq -c '.[0]'

echo
echo "== a few metrics (GET /metrics)"
curl -s "$nbi/metrics" | grep -E '^cwmp_(sessions_total|informs_total|connection_requests_total|devices)' || true

echo
echo "== stopping the agent and the ACS (SIGTERM) — the agent's log, then the ACS's:"
kill -TERM "$cpe" 2>/dev/null || true
wait "$cpe" || true
cpe=""
cat "$data_dir/cpe.log"
kill -TERM "$acs"
wait "$acs" || true
cat "$data_dir/acs.log"
