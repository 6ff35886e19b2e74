#!/usr/bin/env bash
# The API description's own checks: the linter (tests/api/lint.sh) and the tests of the
# answer checker the integration tests and the newman run use.
set -euo pipefail
cd "$(dirname "$0")"
bash lint.sh
node --test openapi_contract.test.mjs
