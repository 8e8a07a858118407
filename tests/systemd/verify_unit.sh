#!/usr/bin/env bash
# Installs the build into a staging root (DESTDIR) and checks the installed unit there:
# `systemd-analyze verify` (which needs the ExecStart binary to exist, so it runs on the installed
# tree) must pass without a single complaint, and `systemd-analyze security --offline` must rate
# the hardening "OK" or better (exposure below 4.0); the score is printed.
set -euo pipefail
build=${1:?usage: verify_unit.sh BUILD_DIR}
root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT

DESTDIR="$root" cmake --install "$build" >/dev/null
unit=$(find "$root" -name tunemantrad.service -path '*systemd/system*' | head -n 1)
[[ -n "$unit" ]] || { echo "no tunemantrad.service was installed" >&2; exit 1; }
for f in sysusers.d/tunemantra.conf tmpfiles.d/tunemantra.conf; do
  [[ -n $(find "$root" -path "*/lib/$f") ]] || { echo "missing installed file: lib/$f" >&2; exit 1; }
done
config=$(sed -n 's/^ExecStart=.*--config \([^ ]*\).*/\1/p' "$unit")
[[ -f "$root$config" ]] || { echo "the unit's configuration $config is not installed" >&2; exit 1; }
exec_start=$(sed -n 's/^ExecStart=\([^ ]*\).*/\1/p' "$unit")
[[ -x "$root$exec_start" ]] || { echo "ExecStart binary $exec_start is not installed" >&2; exit 1; }

# The staging root needs the system's own targets and slices that the unit depends on.
mkdir -p "$root/lib/systemd/system"
cp -L /lib/systemd/system/*.target /lib/systemd/system/*.slice "$root/lib/systemd/system/" 2>/dev/null || true

out=$(systemd-analyze verify --root="$root" "$unit" 2>&1) || { echo "$out" >&2; exit 1; }
[[ -z "$out" ]] || { echo "systemd-analyze verify complained:" >&2; echo "$out" >&2; exit 1; }
echo "systemd-analyze verify: clean"

score_line=$(systemd-analyze security --offline=true --root="$root" "$unit" 2>/dev/null | grep "Overall exposure level")
echo "$score_line"
score=$(echo "$score_line" | sed -n 's/.*: \([0-9.]*\) .*/\1/p')
awk -v s="$score" 'BEGIN { exit !(s != "" && s < 4.0) }' || { echo "hardening score $score is worse than OK" >&2; exit 1; }

# The installed configuration is valid and points the SQLite file into the StateDirectory.
grep -q '^url = "sqlite:///var/lib/tunemantra/tunemantra.db"' "$root$config"
TUNEMANTRA_DATABASE_URL="sqlite://$root/check.db" "$root$exec_start" --config "$root$config" --migrate-only 2>/dev/null
echo "installed config loads"
