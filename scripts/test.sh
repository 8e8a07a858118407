#!/usr/bin/env bash
# Installs what is missing, builds everything with the tests, and runs every test through ctest
# (which also starts and stops the throwaway PostgreSQL cluster the tests use).
#   TM_SANITIZE=1 bash scripts/test.sh   builds into build-asan with AddressSanitizer + UBSan.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-deps.sh

build_dir=build
extra=()
if [[ "${TM_SANITIZE:-0}" == 1 ]]; then
  build_dir=build-asan
  extra+=(-DTM_SANITIZE=ON)
  export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
  export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
fi

cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DTM_BUILD_TESTS=ON "${extra[@]}" >/dev/null
cmake --build "$build_dir"
cd "$build_dir"
ctest --output-on-failure --timeout 900 -j"$(nproc)"
