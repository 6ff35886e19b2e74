#!/usr/bin/env bash
# Format drift fails; clang-tidy findings are printed and fail too.
set -euo pipefail
build_dir=${1:-build}
cd "$(dirname "$0")/.."

mapfile -t sources < <(git ls-files '*.cpp' '*.hpp')
clang-format --dry-run --Werror "${sources[@]}"

mapfile -t units < <(git ls-files 'src/*.cpp' | grep -v 'transport/asio/asio_impl.cpp')
run-clang-tidy -quiet -p "$build_dir" -j "$(nproc)" "${units[@]}" 2>/dev/null | grep -E "warning:|error:" && exit 1
echo "lint: clean"
