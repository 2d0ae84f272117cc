#!/usr/bin/env bash
# Builds everything and runs the main job. Until the ACS exists (issue 3), the
# main job is cwmpctl on a sample message: decode a real-world-shaped Inform to
# JSON, then encode that JSON back to a schema-valid envelope.
set -euo pipefail
cd "$(dirname "$0")/.."

"$PWD/scripts/install-deps.sh" build
cmake -S . -B build -G Ninja -DCWMP_BUILD_TESTS=OFF -DCWMP_BUILD_BENCH=OFF >/dev/null
ninja -C build cwmpctl

sample=examples/inform-bootstrap.xml
echo "== cwmpctl decode $sample"
build/bin/cwmpctl decode "$sample" | tee build/inform.json
echo
echo "== cwmpctl encode --pretty (the JSON above, back to SOAP)"
build/bin/cwmpctl encode --pretty build/inform.json
