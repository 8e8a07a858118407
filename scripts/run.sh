#!/usr/bin/env bash
# Installs what is missing, builds tunemantrad and starts it in the foreground on the embedded
# default: a SQLite file under ./var, the REST API on 127.0.0.1:8080. Ctrl-C stops it.
# Extra arguments go to tunemantrad (e.g. --config my.toml).
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-deps.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build --target tunemantrad tmctl
if [[ $# -eq 0 ]]; then
  set -- --config config/tunemantra.toml
fi
exec build/daemon/tunemantrad "$@"
