#!/usr/bin/env bash
# Format drift fails; clang-tidy findings are printed and fail too.
set -euo pipefail
build_dir=${1:-build}
cd "$(dirname "$0")/.."

mapfile -t sources < <(git ls-files '*.cpp' '*.hpp')
clang-format --dry-run --Werror "${sources[@]}"

# clang-tidy cannot read GCC's precompiled headers, so it gets its own compile database
# from a configure-only tree without them.
tidy_dir="$build_dir-tidy"
# Boost 1.74 looks for coroutines in <experimental/coroutine> under clang, which clang 14
# with libstdc++ 12 no longer has, and would hide every awaitable; C++20 <coroutine> works.
cmake -S . -B "$tidy_dir" -G Ninja -DCMAKE_DISABLE_PRECOMPILE_HEADERS=ON -DCMAKE_EXPORT_COMPILE_COMMANDS=ON \
  -DCMAKE_CXX_FLAGS="-DBOOST_ASIO_HAS_CO_AWAIT=1 -DBOOST_ASIO_HAS_STD_COROUTINE=1" >/dev/null

mapfile -t units < <(git ls-files 'src/*.cpp' | grep -v 'transport/asio/asio_impl.cpp')
report=$(mktemp)
trap 'rm -f "$report"' EXIT
# run-clang-tidy's own failure (missing tool, crash) must fail lint, not pass silently.
if ! run-clang-tidy -quiet -p "$tidy_dir" -j "$(nproc)" "${units[@]}" >"$report" 2>&1; then
  grep -E "warning:|error:" "$report" || tail -20 "$report"
  echo "lint: clang-tidy failed"
  exit 1
fi
if grep -E "warning:|error:" "$report"; then
  echo "lint: clang-tidy findings"
  exit 1
fi
echo "lint: clean"
