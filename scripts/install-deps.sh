#!/usr/bin/env bash
# Installs every Debian package TuneMantra needs to build, test and benchmark.
# Idempotent and quiet: it runs `apt-get update` once, and only when something is missing.
set -euo pipefail

PACKAGES=(
  build-essential cmake ninja-build ccache pkg-config git
  libcaf-dev libcpp-httplib-dev libsoci-dev libboost-dev libpq-dev libsqlite3-dev
  libtomlplusplus-dev nlohmann-json3-dev libgtest-dev libgmock-dev
  openssl libssl-dev libsystemd-dev libpugixml-dev libxml2-dev libxml2-utils libcli11-dev
  libsndfile1-dev libebur128-dev libpng-dev libjpeg62-turbo-dev
  iso-codes postgresql postgresql-client sqlite3 curl systemd python3 wrk nginx-light
  python3-protobuf python3-six
  libssh2-1-dev openssh-server openssh-sftp-server openssh-client
  nodejs slowhttptest
)

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

# npm (for developer tools only: scripts/openapi_check.sh): Debian packages it apart from nodejs,
# a nodejs from elsewhere (NodeSource) carries its own.
command -v npm >/dev/null 2>&1 || missing+=(npm)

if ((${#missing[@]} == 0)); then
  exit 0
fi

if [[ $(id -u) -ne 0 ]]; then
  echo "install-deps: missing packages: ${missing[*]} (run as root to install them)" >&2
  exit 1
fi

echo "install-deps: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
