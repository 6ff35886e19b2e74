#!/usr/bin/env bash
# Installs the JavaScript test clients (socket.io-client, ws) pinned by
# tests/e2e/package-lock.json. Skips npm when the installed tree already matches
# the lock file, so repeated `make test` runs stay offline and fast.
set -euo pipefail
cd "$(dirname "$0")/../tests/e2e"
stamp=node_modules/.talkline-lock
if [[ -f "$stamp" ]] && cmp -s package-lock.json "$stamp"; then
  exit 0
fi
npm ci --no-audit --no-fund --loglevel=error
cp package-lock.json "$stamp"
