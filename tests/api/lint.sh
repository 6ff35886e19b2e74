#!/usr/bin/env bash
# Lints docs/openapi.json with Redocly's recommended rules (tests/api/redocly.yaml): zero
# errors and zero warnings. Offline: no telemetry, no update check.
set -euo pipefail
cd "$(dirname "$0")"
export REDOCLY_TELEMETRY=off REDOCLY_SUPPRESS_UPDATE_NOTICE=true
exec node_modules/.bin/redocly lint --config redocly.yaml ../../docs/openapi.json
