#!/usr/bin/env bash
# Runs every test layer against an already built tree: unit (ctest), integration
# (Node's test runner against the real binary, every answer checked against
# docs/openapi.json), the API checks (the OpenAPI linter, the Postman collection run by
# newman against the real binary), protocol tests against
# examples/protocol-echo, end-to-end chat with socket.io-client, the web client in
# chromium (playwright-core), the cluster test
# (PostgreSQL, Redis, 3 nodes, nginx), the monitoring files (promtool on the alert
# rules and their unit tests, the Grafana dashboard), actionlint on .github/workflows, the Debian
# package (built and started from a throwaway root), a short fuzz smoke run, and a bench smoke run
# against TalkLine and the socket.io peer.
set -uo pipefail
build_dir=$(realpath "${1:-build}")
cd "$(dirname "$0")/.."

failed=()
total=0
step() {
  local name=$1
  shift
  total=$((total + 1))
  echo "==> $name"
  if ! "$@"; then
    failed+=("$name")
  fi
}

# Two at a time: the Redis and PostgreSQL suites mostly wait on their servers, and
# each binary starts its own on free ports.
step unit ctest --test-dir "$build_dir" --output-on-failure -L unit -j 2
# Files are named explicitly: how Node treats a directory argument differs by version.
step integration env TALKLINE_BIN="$build_dir/src/talkline" node --test tests/integration/*.test.mjs
step openapi bash tests/api/check.sh
step postman env TALKLINE_BIN="$build_dir/src/talkline" node tests/api/run-postman.mjs
step protocol env PROTOCOL_ECHO_BIN="$build_dir/examples/protocol-echo" node --test tests/e2e/protocol/*.test.mjs
step e2e env TALKLINE_BIN="$build_dir/src/talkline" node --test tests/e2e/chat/*.test.mjs
step browser env TALKLINE_BIN="$build_dir/src/talkline" node --test tests/browser/*.test.mjs
step cluster env TALKLINE_BIN="$build_dir/src/talkline" node --test tests/e2e/cluster/*.test.mjs
step monitoring bash scripts/check-monitoring.sh
step ci-lint node tests/ci-lint/lint-workflows.mjs
step package bash scripts/package-test.sh "$build_dir"
step fuzz-smoke bash scripts/fuzz.sh "${FUZZ_SMOKE_SECONDS:-5}"
step bench-smoke bash scripts/bench-smoke.sh "$build_dir"

echo
echo "test layers: $((total - ${#failed[@]})) passed, ${#failed[@]} failed"
if [[ ${#failed[@]} -gt 0 ]]; then
  echo "failed: ${failed[*]}"
  exit 1
fi
