#!/usr/bin/env bash
# Tests of the cwmpctl command-line tool (docs/cwmpctl.md).
# Usage: cwmpctl.sh BIN_DIR DATA_DIR. Exit 0 pass, 1 fail, 77 skip.
set -u

bin="${1:?usage: cwmpctl.sh BIN_DIR DATA_DIR}/cwmpctl"
data="${2:?usage: cwmpctl.sh BIN_DIR DATA_DIR}/cwmpctl"
if [[ ! -x "$bin" ]]; then
  echo "SKIP: $bin not built"
  exit 77
fi

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
failures=0

fail() {
  echo "FAIL: $*"
  failures=$((failures + 1))
}

# run NAME EXPECTED_STATUS CMD...: runs CMD with stdout/stderr in $tmp/out and $tmp/err.
run() {
  local name="$1" expected="$2"
  shift 2
  "$@" >"$tmp/out" 2>"$tmp/err"
  local status=$?
  if [[ $status -ne $expected ]]; then
    fail "$name: exit status $status, expected $expected"
    sed 's/^/  stderr: /' "$tmp/err" | head -5
    return 1
  fi
  return 0
}

# expect NAME FILE PATTERN: FILE has a line matching the extended regex PATTERN.
expect() {
  grep -Eq -- "$3" "$2" || { fail "$1: no line matching '$3' in $(basename "$2")"; sed 's/^/  | /' "$2" | head -20; }
}

# --- help and usage -----------------------------------------------------------
run "--help" 0 "$bin" --help && expect "--help" "$tmp/out" '^Usage: cwmpctl'
for command in decode encode methods template; do
  run "$command --help" 0 "$bin" "$command" --help && expect "$command --help" "$tmp/out" "^Usage: cwmpctl $command"
done
run "help encode" 0 "$bin" help encode && expect "help encode" "$tmp/out" '--xml-declaration'
run "no arguments" 2 "$bin"
run "unknown command" 2 "$bin" frobnicate && expect "unknown command" "$tmp/err" "unknown command 'frobnicate'"
run "unknown option" 2 "$bin" decode --frob "$data/inform.xml" && expect "unknown option" "$tmp/err" "unknown option '--frob'"
run "two files" 2 "$bin" decode "$data/inform.xml" "$data/fault.xml"
run "missing file" 2 "$bin" decode "$tmp/does-not-exist.xml" && expect "missing file" "$tmp/err" 'cannot open .*does-not-exist.xml'

run "methods" 0 "$bin" methods
for method in GetRPCMethods Inform InformResponse SetParameterValues ChangeDUState \
    AutonomousDUStateChangeCompleteResponse Fault; do
  expect "methods" "$tmp/out" "^$method\$"
done

# --- decode -------------------------------------------------------------------
if run "decode inform" 0 "$bin" decode "$data/inform.xml"; then
  cp "$tmp/out" "$tmp/inform.json"
  for pattern in '^  "version": "1.2",' '"namespace": "urn:dslforum-org:cwmp-1-2"' \
      '^    "id": "42"' '^  "method": "Inform",' '"oui": "00AABB"' '"serial_number": "SN0001"' \
      '"event_code": "0 BOOTSTRAP"' '"event_code": "1 BOOT"' '"max_envelopes": 1,' \
      '"current_time": "2024-01-01T00:00:00Z"' '"name": "Device.RootDataModelVersion"' \
      '"value": "2.17"' '"type": "string"'; do
    expect "decode inform" "$tmp/inform.json" "$pattern"
  done
  [[ -s "$tmp/err" ]] && fail "decode inform: unexpected stderr: $(cat "$tmp/err")"
fi
if run "decode stdin" 0 "$bin" decode - <"$data/inform.xml"; then
  cmp -s "$tmp/out" "$tmp/inform.json" || fail "decode from stdin differs from decode of the file"
fi
if run "decode --compact" 0 "$bin" decode --compact "$data/inform.xml"; then
  [[ $(wc -l <"$tmp/out") -eq 1 ]] || fail "decode --compact: not one line"
fi

# Tolerated deviations are warnings on stderr, not errors.
sed 's|<RetryCount>0</RetryCount>|<RetryCount></RetryCount>|' "$data/inform.xml" >"$tmp/lenient.xml"
if run "decode with warning" 0 "$bin" decode "$tmp/lenient.xml"; then
  expect "decode with warning" "$tmp/err" '^warning: .*lenient.xml: .*RetryCount'
  expect "decode with warning" "$tmp/out" '"retry_count": 0,'
fi

# decode | encode | decode is stable, with and without the encode options.
for sample in inform fault; do
  "$bin" decode "$data/$sample.xml" >"$tmp/first.json" || { fail "decode $sample"; continue; }
  for options in "" "--pretty" "--xml-declaration" "--pretty --xml-declaration"; do
    # shellcheck disable=SC2086  # options are words
    if ! "$bin" encode $options "$tmp/first.json" >"$tmp/re.xml" 2>"$tmp/err"; then
      fail "encode $options $sample: $(cat "$tmp/err")"
      continue
    fi
    "$bin" decode "$tmp/re.xml" >"$tmp/second.json" 2>"$tmp/err" || { fail "re-decode $sample"; continue; }
    diff -u "$tmp/first.json" "$tmp/second.json" >"$tmp/diff" ||
      { fail "decode|encode $options|decode of $sample is not stable"; head -20 "$tmp/diff"; }
  done
done
"$bin" encode --xml-declaration "$tmp/inform.json" | head -c 38 | grep -q '^<?xml version="1.0" encoding="UTF-8"?>' ||
  fail "encode --xml-declaration: no declaration"
"$bin" encode "$tmp/inform.json" | grep -q '<?xml' && fail "encode: a declaration without --xml-declaration"
[[ $("$bin" encode --pretty "$tmp/inform.json" | wc -l) -gt 10 ]] || fail "encode --pretty: not indented"

# The fault of a capture is visible in the JSON.
run "decode fault" 0 "$bin" decode "$data/fault.xml" && {
  expect "decode fault" "$tmp/out" '"method": "Fault"'
  expect "decode fault" "$tmp/out" '"code": 9003,'
  expect "decode fault" "$tmp/out" '"fault_code": 9008,'
}

# --- decode errors ------------------------------------------------------------
head -c 700 "$data/inform.xml" >"$tmp/truncated.xml"
run "malformed" 1 "$bin" decode "$tmp/truncated.xml" && {
  expect "malformed" "$tmp/err" "^error: .*truncated.xml:[0-9]+:[0-9]+: "
  expect "malformed" "$tmp/err" '^kind: malformed-xml$'
  expect "malformed" "$tmp/err" '^fault: 8003 Invalid arguments \(ACS\) / 9003 Invalid arguments \(CPE\)$'
  [[ -s "$tmp/out" ]] && fail "malformed: output on stdout"
}
sed 's/cwmp:Inform>/cwmp:Infrom>/g' "$data/inform.xml" >"$tmp/unknown.xml"
run "unknown method" 1 "$bin" decode "$tmp/unknown.xml" &&
  expect "unknown method" "$tmp/err" '^fault: 8000 .* \(ACS\) / 9000 .* \(CPE\)$'
run "empty input" 1 "$bin" decode - </dev/null && expect "empty input" "$tmp/err" '^error: <stdin>'

# --- encode errors ------------------------------------------------------------
sed 's/"retry_count"/"retry_cont"/' "$tmp/inform.json" >"$tmp/typo.json"
run "typo" 1 "$bin" encode "$tmp/typo.json" && {
  expect "typo" "$tmp/err" 'body\.retry_cont: unknown field \(did you mean "retry_count"\?\)'
  [[ -s "$tmp/out" ]] && fail "typo: output on stdout"
}
sed '0,/"type": "string"/s//"type": "integer"/' "$tmp/inform.json" >"$tmp/type.json"
run "bad type" 1 "$bin" encode "$tmp/type.json" &&
  expect "bad type" "$tmp/err" 'body\.parameter_list\[0\]\.type: expected one of string, int, '
sed '/"retry_count"/d' "$tmp/inform.json" >"$tmp/missing.json"
run "missing field" 1 "$bin" encode "$tmp/missing.json" &&
  expect "missing field" "$tmp/err" 'body\.retry_count: missing required field'
sed 's/"max_envelopes": 1,/"max_envelopes": 1,,/' "$tmp/inform.json" >"$tmp/syntax.json"
run "JSON syntax" 1 "$bin" encode "$tmp/syntax.json" &&
  expect "JSON syntax" "$tmp/err" '^error: .*syntax.json:[0-9]+:[0-9]+: invalid JSON'
echo '{"method": "Reboot", "body": {"command_key": ""}}' >"$tmp/reboot.json"
run "encode minimal" 0 "$bin" encode "$tmp/reboot.json" && expect "encode minimal" "$tmp/out" '<cwmp:Reboot>'
sed 's/"oui": "00AABB"/"oui": "00aabbcc"/' "$tmp/inform.json" >"$tmp/oui.json"
run "encoder error" 1 "$bin" encode "$tmp/oui.json" && expect "encoder error" "$tmp/err" '^error: .*oui.json: cannot encode: .*OUI'

# --- template -----------------------------------------------------------------
run "template" 0 "$bin" template SetParameterValues && {
  expect "template" "$tmp/out" '"parameter_list": \['
  expect "template" "$tmp/out" '"parameter_key": ""'
}
run "template unknown" 2 "$bin" template Infrom

# --- the vendor-style corpus: every capture decodes, and its JSON encodes back -----
corpus="${2}/corpus"
for f in "$corpus"/*.xml; do
  name="corpus $(basename "$f")"
  run "$name" 0 "$bin" decode "$f" || continue
  cp "$tmp/out" "$tmp/corpus.json"
  run "$name re-encode" 0 "$bin" encode "$tmp/corpus.json"
done

if [[ $failures -ne 0 ]]; then
  echo "$failures failure(s)"
  exit 1
fi
echo "PASS"
