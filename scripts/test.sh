#!/usr/bin/env bash
# Runs every test layer against an already built tree: unit (ctest), integration
# (Node's test runner against the real binary), protocol tests against
# examples/protocol-echo, end-to-end chat with socket.io-client, the cluster test
# (PostgreSQL, Redis, 3 nodes, nginx), the monitoring files (promtool on the alert
# rules and their unit tests, the Grafana dashboard), a short fuzz smoke run, and a
# bench smoke run against TalkLine and the socket.io peer.
set -uo pipefail
build_dir=$(realpath "${1:-build}")
cd "$(dirname "$0")/.."

failed=()
step() {
  local name=$1
  shift
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
step protocol env PROTOCOL_ECHO_BIN="$build_dir/examples/protocol-echo" node --test tests/e2e/protocol/*.test.mjs
step e2e env TALKLINE_BIN="$build_dir/src/talkline" node --test tests/e2e/chat/*.test.mjs
step cluster env TALKLINE_BIN="$build_dir/src/talkline" node --test tests/e2e/cluster/*.test.mjs
step monitoring bash scripts/check-monitoring.sh
step fuzz-smoke bash scripts/fuzz.sh "${FUZZ_SMOKE_SECONDS:-5}"
step bench-smoke bash scripts/bench-smoke.sh "$build_dir"

total=8
echo
echo "test layers: $((total - ${#failed[@]})) passed, ${#failed[@]} failed"
if [[ ${#failed[@]} -gt 0 ]]; then
  echo "failed: ${failed[*]}"
  exit 1
fi
