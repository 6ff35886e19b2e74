#!/usr/bin/env bash
# Installs the Debian 12 packages TalkLine needs to build, run and test.
# Idempotent: packages already present are skipped, and apt is not touched
# at all when nothing is missing. Runs as root or through sudo.
set -euo pipefail

build_packages=(
  build-essential cmake ninja-build ccache pkg-config
  libboost-dev libssl-dev libargon2-dev libsqlite3-dev libpq-dev libhiredis-dev
  nlohmann-json3-dev libspdlog-dev libfmt-dev prometheus-cpp-dev libcli11-dev
  libvips-dev  # thumbnails of uploaded images
)
test_packages=(
  googletest libgtest-dev libgmock-dev libbenchmark-dev
  clang clang-format clang-tidy libclang-rt-14-dev
  redis-server postgresql nginx-light curl procps util-linux
  python3  # node-gyp builds the peer's better-sqlite3 from source
  chromium fonts-dejavu-core fonts-noto-color-emoji  # the web client's browser test (playwright-core drives it)
  dpkg-dev  # dpkg-shlibdeps: the Debian package's dependencies (make package, its test)
  prometheus  # promtool: checks deploy/prometheus (scripts/check-monitoring.sh)
)

wanted=("${build_packages[@]}")
if [[ "${1:-}" == "--test" ]]; then
  wanted+=("${test_packages[@]}")
fi
# npm installs the web client's pinned browser builds (make run) and Node.js drives the
# end-to-end and integration tests; any distribution's build of Node 18+ will do, so
# only install Debian's when none is present.
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  wanted+=(nodejs npm)
fi

missing=()
for pkg in "${wanted[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$pkg")
  fi
done

if [[ ${#missing[@]} -eq 0 ]]; then
  exit 0
fi

sudo_cmd=()
if [[ $(id -u) -ne 0 ]]; then
  sudo_cmd=(sudo)
fi

echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -qq
"${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
