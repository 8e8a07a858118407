#!/usr/bin/env bash
# The OpenAPI document as the daemon serves it, checked from outside: `redocly lint` (npm
# @redocly/cli, recommended rules, tests/openapi/redocly.yaml) must find no errors, and a client
# generated from it (npm openapi-typescript) must type-check against tests/openapi/client.ts
# (npm typescript, --strict). The npm tools are developer tools: installed into BUILD/npm-tools at
# pinned versions, never a dependency of the daemon.
#   bash scripts/openapi_check.sh [BUILD_DIR]        (default: build)
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "${1:-$here/build}" && pwd)
tools="$build/npm-tools"
versions=("@redocly/cli@2.77.0" "openapi-typescript@7.13.0" "typescript@5.9.3")
stamp="$tools/.installed-$(echo "${versions[*]}" | sha256sum | cut -c1-12)"
if [[ ! -f "$stamp" ]]; then
  rm -rf "$tools" && mkdir -p "$tools"
  (cd "$tools" && echo '{"name":"tm-npm-tools","private":true}' > package.json &&
     npm install --no-audit --no-fund --loglevel=error "${versions[@]}" >/dev/null)
  touch "$stamp"
fi
bin="$tools/node_modules/.bin"

work=$(mktemp -d)
daemon_pid=
cleanup() { [[ -n "$daemon_pid" ]] && kill "$daemon_pid" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
TUNEMANTRA_DATABASE_URL="sqlite://$work/tm.db" TUNEMANTRA_HTTP_PORT=$port TUNEMANTRA_MEDIA_DIR="$work/media" \
  "$build/daemon/tunemantrad" >"$work/daemon.log" 2>&1 &
daemon_pid=$!
for _ in $(seq 100); do
  curl -sf "http://127.0.0.1:$port/api/openapi.json" -o "$work/openapi.json" && break
  sleep 0.1
done
[[ -s "$work/openapi.json" ]] || { echo "openapi_check: the daemon served no document"; cat "$work/daemon.log"; exit 1; }

echo "openapi_check: redocly lint ($("$bin/redocly" --version 2>/dev/null | tail -1))"
NO_UPDATE_NOTIFIER=1 "$bin/redocly" lint --config "$here/tests/openapi/redocly.yaml" --format=summary \
  "$work/openapi.json" 2>&1 | grep -v '[║╔╚]'
status=${PIPESTATUS[0]}
[[ $status -eq 0 ]] || { echo "openapi_check: redocly lint found errors"; exit 1; }

echo "openapi_check: openapi-typescript, then tsc --strict on tests/openapi/client.ts"
cp "$here/tests/openapi/client.ts" "$here/tests/openapi/tsconfig.json" "$work/"
"$bin/openapi-typescript" "$work/openapi.json" -o "$work/api.d.ts" >/dev/null 2>&1 ||
  { "$bin/openapi-typescript" "$work/openapi.json" -o "$work/api.d.ts"; exit 1; }
(cd "$work" && "$bin/tsc" -p tsconfig.json)
echo "openapi_check: passed"
