#!/usr/bin/env bash
# Tests of the cwmp-acs program as operators run it (docs/acs.md): options, refusals at start,
# a CPE Inform over real HTTP with Digest (curl), the NBI, SIGTERM, and durability across a
# clean restart and a kill -9.
# Usage: cwmp_acs.sh BIN_DIR DATA_DIR. Exit 0 pass, 1 fail, 77 skip.
set -u

bin="${1:?usage: cwmp_acs.sh BIN_DIR DATA_DIR}/cwmp-acs"
repo="$(cd "$(dirname "$0")/../.." && pwd)"
if [[ ! -x "$bin" ]]; then
  echo "SKIP: $bin not built"
  exit 77
fi
if ! command -v curl >/dev/null; then
  echo "SKIP: curl not installed"
  exit 77
fi

tmp="$(mktemp -d)"
acs_pid=""
cleanup() {
  if [[ -n "$acs_pid" ]]; then kill -9 "$acs_pid" 2>/dev/null; fi
  rm -rf "$tmp"
}
trap cleanup EXIT
failures=0
fail() {
  echo "FAIL: $*"
  failures=$((failures + 1))
}

# --- options ------------------------------------------------------------------------------
"$bin" --help >"$tmp/help" || fail "--help exits non-zero"
for option in data-dir cwmp-listen nbi-listen files-listen db config log-level tls-cert tls-key \
  tls-client-ca cpe-auth nbi-token max-sessions; do
  grep -q -- "--$option" "$tmp/help" || fail "--help does not document --$option"
done
"$bin" --no-such-option >/dev/null 2>"$tmp/err"
[[ $? -eq 2 ]] || fail "an unknown option must exit 2"
grep -q "unknown option" "$tmp/err" || fail "an unknown option is named in the error"
"$bin" --data-dir "$tmp/x" --nbi-listen 0.0.0.0:0 --cwmp-listen "" --files-listen "" \
  >/dev/null 2>"$tmp/err"
[[ $? -eq 1 ]] || fail "an NBI beyond loopback without --nbi-token must refuse to start"
grep -q "nbi-token" "$tmp/err" || fail "the refusal names --nbi-token"
# Keys of a config file are read (here: an NBI beyond loopback, refused without a token).
printf '# comment\nnbi-listen = 0.0.0.0:0\ncwmp-listen = ""\nfiles-listen =\n' >"$tmp/good.conf"
"$bin" --config "$tmp/good.conf" --data-dir "$tmp/y" >/dev/null 2>"$tmp/err"
[[ $? -eq 1 ]] && grep -q "nbi-token" "$tmp/err" || fail "--config keys are not applied"
printf 'log-level = verbose\n' >"$tmp/bad.conf"
"$bin" --config "$tmp/bad.conf" >/dev/null 2>"$tmp/err"
[[ $? -eq 2 ]] || fail "a bad config value must exit 2"
grep -q "bad.conf:1" "$tmp/err" || fail "a bad config value names file:line"

# --- a running ACS -------------------------------------------------------------------------
data="$tmp/data"
starts=0
# Each start logs to its own file ($log): parsing a log holding earlier starts could pick a
# dead instance's port, which another process may have been given since.
start_acs() {  # extra options replace the plain listeners (e.g. TLS ones)
  local listeners=(--cwmp-listen 127.0.0.1:0 --files-listen 127.0.0.1:0)
  if [[ $# -gt 0 ]]; then listeners=(--cwmp-listen "" --files-listen "" "$@"); fi
  starts=$((starts + 1))
  log="$tmp/acs-$starts.log"
  # --cr-credentials keep: the scripted CPE (curl) answers the Inform and the empty POST only,
  # not the SetParameterValues of per-device credentials a bootstrap gets by default.
  "$bin" --data-dir "$data" --nbi-listen 127.0.0.1:0 "${listeners[@]}" \
    --cpe-username cpe --cpe-password secret --cr-credentials keep >"$log" 2>&1 &
  acs_pid=$!
  cwmp_port="" nbi_port=""
  for _ in $(seq 100); do
    nbi_port="$(grep -o 'NBI listening on [^ ]* (port [0-9]*' "$log" | tail -1 | grep -o '[0-9]*$')"
    if [[ -n "$nbi_port" ]] && curl -sf "http://127.0.0.1:$nbi_port/healthz" >/dev/null; then
      # The NBI is bound last: the other listeners' lines are in the log by now.
      cwmp_port="$(grep -o 'CWMP listening on [^ ]* (port [0-9]*' "$log" | tail -1 | grep -o '[0-9]*$')"
      files_port="$(grep -o 'files listening on [^ ]* (port [0-9]*' "$log" | tail -1 | grep -o '[0-9]*$')"
      # Every listener answers before the checks start (CWMP answers a GET with 405).
      local probe=(--cacert "${pki:-/dev/null}/ca.crt" --cert "${pki:-/dev/null}/client.crt"
        --key "${pki:-/dev/null}/client.key")
      local scheme=http
      if grep -q "CWMP listening on .*TLS" <(tail -4 "$log"); then scheme=https; else probe=(); fi
      for _ in $(seq 100); do
        code="$(curl -sS "${probe[@]}" -o /dev/null -w '%{http_code}' "$scheme://127.0.0.1:$cwmp_port/" 2>>"$tmp/curl.err")"
        if [[ "$code" == 405 ]]; then return 0; fi
        sleep 0.1
      done
      fail "the CWMP listener on port $cwmp_port does not answer (last: $code)"
      cat "$tmp/curl.err"
      return 0
    fi
    sleep 0.1
  done
  fail "cwmp-acs did not start"
  cat "$log"
  exit 1
}
stop_acs() {  # SIGTERM: must exit 0 after a clean shutdown
  kill -TERM "$acs_pid"
  wait "$acs_pid"
  local status=$?
  acs_pid=""
  [[ $status -eq 0 ]] || fail "SIGTERM: exit status $status"
}

start_acs
nbi="http://127.0.0.1:$nbi_port"
cwmp="http://127.0.0.1:$cwmp_port/"
inform="$repo/examples/inform-bootstrap.xml"
device="00AABB-HGW%2D5000-SN00001234"
# In URLs the id is percent-encoded once more (GenieACS does the same): '%' -> %25.
device_url="00AABB-HGW%252D5000-SN00001234"

code="$(curl -sS -o /dev/null -w '%{http_code}' -X POST --data-binary @"$inform" "$cwmp" 2>>"$tmp/curl.err")"
[[ "$code" == 401 ]] || fail "an Inform without credentials must get 401, got $code"
code="$(curl -s -o "$tmp/inform-response" -w '%{http_code}' --digest -u cpe:wrong \
  -H 'Content-Type: text/xml' --data-binary @"$inform" "$cwmp")"
[[ "$code" == 401 ]] || fail "a wrong password must get 401, got $code"
code="$(curl -s -o "$tmp/inform-response" -w '%{http_code}' --digest -u cpe:secret \
  -c "$tmp/cookies" -H 'Content-Type: text/xml' --data-binary @"$inform" "$cwmp")"
[[ "$code" == 200 ]] || fail "an Inform with Digest must get 200, got $code"
grep -q "InformResponse" "$tmp/inform-response" || fail "no InformResponse"
code="$(curl -s -o /dev/null -w '%{http_code}' -b "$tmp/cookies" -X POST --data-binary '' "$cwmp")"
[[ "$code" == 204 ]] || fail "the empty POST must end the session with 204, got $code"

curl -s "$nbi/devices/?query=%7B%22_deviceId._SerialNumber%22%3A%22SN00001234%22%7D" >"$tmp/devices"
grep -q '"_id":"00AABB-HGW%2D5000-SN00001234"' "$tmp/devices" ||
  fail "the device is not in the NBI: $(head -c 300 "$tmp/devices")"
code="$(curl -s -o "$tmp/task" -w '%{http_code}' -X POST "$nbi/devices/$device_url/tasks" \
  -d '{"name":"getParameterValues","parameterNames":["InternetGatewayDevice.DeviceInfo."]}')"
[[ "$code" == 202 ]] || fail "POST task must answer 202, got $code"
curl -s "$nbi/metrics" | grep -q 'cwmp_sessions_total{outcome="completed"} 1' ||
  fail "/metrics does not count the completed session"
grep -q "session started from 127.0.0.1" "$log" || fail "the session start is not logged"
grep -q "authentication failed from 127.0.0.1" "$log" || fail "the auth failure is not logged"
stop_acs
grep -q "stopped cleanly" "$log" || fail "no clean-shutdown line in the log"

# --- restart: the queued task is still there; then kill -9 and again -----------------------
start_acs
nbi="http://127.0.0.1:$nbi_port"
curl -s "$nbi/tasks/?query=%7B%22device%22%3A%22$device_url%22%7D" >"$tmp/tasks"
grep -q '"status":"queued"' "$tmp/tasks" || fail "after a restart the task is not queued: $(cat "$tmp/tasks")"
code="$(curl -s -o /dev/null -w '%{http_code}' -X POST "$nbi/devices/$device_url/tasks" \
  -d '{"name":"reboot"}')"
[[ "$code" == 202 ]] || fail "POST reboot must answer 202, got $code"
{
  kill -9 "$acs_pid"
  wait "$acs_pid"
} 2>/dev/null
acs_pid=""
start_acs
nbi="http://127.0.0.1:$nbi_port"
curl -s "$nbi/tasks/?query=%7B%22device%22%3A%22$device_url%22%7D" >"$tmp/tasks"
grep -q '"name":"reboot"' "$tmp/tasks" || fail "an acknowledged task is lost after kill -9: $(cat "$tmp/tasks")"
stop_acs

# --- TLS: CWMP and files over HTTPS, client certificates required, Basic only over TLS ---------
if command -v openssl >/dev/null; then
  pki="$tmp/pki"
  mkdir -p "$pki"
  ec=(-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes)
  printf 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n' >"$pki/server.ext"
  printf 'extendedKeyUsage=clientAuth\n' >"$pki/client.ext"
  {
    openssl req -x509 "${ec[@]}" -keyout "$pki/ca.key" -out "$pki/ca.crt" -days 2 -subj /CN=test-ca &&
      for leaf in server client; do
        openssl req "${ec[@]}" -keyout "$pki/$leaf.key" -out "$pki/$leaf.csr" -subj "/CN=$leaf" &&
          openssl x509 -req -in "$pki/$leaf.csr" -CA "$pki/ca.crt" -CAkey "$pki/ca.key" \
            -CAcreateserial -out "$pki/$leaf.crt" -days 2 -extfile "$pki/$leaf.ext" || exit 1
      done
  } >/dev/null 2>&1 || fail "openssl could not make the test certificates"
  start_acs --cwmp-tls-listen 127.0.0.1:0 --files-tls-listen 127.0.0.1:0 \
    --tls-cert "$pki/server.crt" --tls-key "$pki/server.key" \
    --tls-client-ca "$pki/ca.crt" --tls-require-client-cert --cpe-auth basic
  nbi="http://127.0.0.1:$nbi_port"
  tls=(--cacert "$pki/ca.crt" --cert "$pki/client.crt" --key "$pki/client.key")
  code="$(curl -s -o "$tmp/inform-response" -w '%{http_code}' "${tls[@]}" -u cpe:secret \
    -H 'Content-Type: text/xml' --data-binary @"$inform" "https://127.0.0.1:$cwmp_port/")"
  [[ "$code" == 200 ]] || fail "Inform over TLS with a client certificate and Basic: got $code"
  code="$(curl -s -o /dev/null -w '%{http_code}' --cacert "$pki/ca.crt" -u cpe:secret \
    --data-binary @"$inform" "https://127.0.0.1:$cwmp_port/")"
  [[ "$code" == 000 ]] || fail "TLS without a client certificate must fail the handshake, got $code"
  head -c 100000 /dev/urandom >"$tmp/fw.bin"
  code="$(curl -s -o /dev/null -w '%{http_code}' -T "$tmp/fw.bin" -H 'fileType: 1 Firmware Upgrade Image' \
    "$nbi/files/fw-1.bin")"
  [[ "$code" == 201 ]] || fail "PUT /files must answer 201, got $code"
  curl -s "${tls[@]}" -o "$tmp/fw.back" "https://127.0.0.1:$files_port/fw-1.bin"
  cmp -s "$tmp/fw.bin" "$tmp/fw.back" || fail "the file served over HTTPS differs"
  stop_acs
else
  echo "SKIP (TLS part): openssl not installed"
fi

if [[ $failures -ne 0 ]]; then
  echo "--- curl errors"
  cat "$tmp/curl.err" 2>/dev/null
  for f in "$tmp"/acs-*.log; do
    echo "--- $f"
    tail -20 "$f"
  done
  exit 1
fi
echo "cwmp_acs: all checks passed"
