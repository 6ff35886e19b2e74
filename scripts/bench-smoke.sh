#!/usr/bin/env bash
# The bench layer of `make test`: every talkline-bench scenario for a few seconds at small
# sizes, against TalkLine and against the socket.io peer (in memory, and on SQLite for
# persist), the cross-node run against two TalkLine nodes (PostgreSQL, Redis bus) and two
# peer processes (Redis store and adapter), and the uploads of attachments against TalkLine
# alone (the peer has no uploads), through scripts/bench.sh --smoke. It asserts that each
# run exits 0 and that every correctness count (lost, duplicated, out of order, refused,
# unanswered, an upload answered wrongly, ...) is zero. It never asserts a speed.
#
#   scripts/bench-smoke.sh [BUILD_DIR]
set -uo pipefail
build_dir=$(realpath "${1:-build}")
cd "$(dirname "$0")/.." || exit 2
out=$(mktemp -d "${TMPDIR:-/tmp}/talkline-bench-smoke.XXXXXX")
trap 'rm -rf "$out"' EXIT

status=0
bash scripts/bench.sh --smoke --build-dir "$build_dir" --out "$out" --no-render >"$out/bench.log" 2>&1 || status=1
node bench/render-results.mjs --check "$out" || status=1
if [[ $status -ne 0 ]]; then
  echo "--- scripts/bench.sh --smoke output ---"
  cat "$out/bench.log"
fi
exit $status
