#!/usr/bin/env bash
# bench/slowhttp: slowhttptest (Debian's) against the daemon as configured by default (64 workers),
# direct and behind the shipped nginx site: slow headers (-H), slow body (-B) and slow read (-X),
# each with N connections for S seconds, while /healthz is probed every 0.25 s. Prints a table:
# the most connections slowhttptest had open at once, how many of them the server closed, and how
# /healthz fared throughout.
#
#   bash bench/slowhttp.sh [connections] [seconds]      (defaults: 1000 x 30)
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
connections=${1:-1000}
seconds=${2:-30}
source "$here/bench/lib.sh"
command -v slowhttptest >/dev/null || { echo "slowhttp: apt-get install slowhttptest"; exit 1; }
bench_build tunemantrad
work=$(bench_workdir slowhttp)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  [[ -f "$work/proxy.pid" ]] && kill "$(cat "$work/proxy.pid")" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
ulimit -n 65536 2>/dev/null || true

port=$(free_port)
TUNEMANTRA_DATABASE_URL="sqlite://$work/tm.db" TUNEMANTRA_HTTP_PORT=$port TUNEMANTRA_MEDIA_DIR="$work/media" \
  TUNEMANTRA_HTTP_TRUSTED_PROXIES=127.0.0.1 TUNEMANTRA_HTTP_MAX_CONNECTIONS=20000 TUNEMANTRA_LOG_LEVEL=error \
  "$here/build/daemon/tunemantrad" 2>"$work/daemon.log" &
pids+=($!)
for _ in $(seq 100); do curl -fs "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done

# The shipped site, plain HTTP (slowhttptest speaks TLS too, but the daemon side is what is measured).
pport=$(free_port)
bench_shipped_site "$work" "$port" "$pport"

# Probes /healthz every 0.25 s from another address than the attack's (127.0.0.9: per-address
# limits are not what is measured) until $2 exists; prints "ok/total max_ms".
probe() {
  local url=$1 stop=$2 ok=0 total=0 max=0 t
  while [[ ! -f "$stop" ]]; do
    t=$(curl -s -o /dev/null -m 2 --interface 127.0.0.9 -w '%{http_code} %{time_total}' "$url" || echo "000 2")
    total=$((total + 1))
    [[ ${t%% *} == 200 ]] && ok=$((ok + 1))
    max=$(python3 -c "print(max($max, round(${t##* } * 1000)))")
    sleep 0.25
  done
  echo "$ok/$total $max"
}

echo "slowhttp: slowhttptest -c $connections -l $seconds (rate 200/s, follow-up every 5 s), /healthz probed every 0.25 s"
echo "| target       | attack            | peak open / closed by server | /healthz ok | worst /healthz ms |"
echo "| ------------ | ----------------- | ---------------------------- | ----------- | ----------------- |"
for target in ${TM_SLOWHTTP_TARGETS:-direct nginx}; do
  base="http://127.0.0.1:$port"
  [[ $target == nginx ]] && base="http://127.0.0.1:$pport"
  for mode in ${TM_SLOWHTTP_MODES:-H B X}; do
    case $mode in
      H) name="slow headers (-H)"; args=(-H -u "$base/healthz") ;;
      B) name="slow body (-B)"; args=(-B -u "$base/api/auth/login" -s 8192) ;;
      X) name="slow read (-X)"; args=(-X -u "$base/api/openapi.json" -k 4 -n 5 -w 10 -y 20 -z 32) ;;
    esac
    rm -f "$work/stop"
    probe "$base/healthz" "$work/stop" >"$work/probe" &
    ppid=$!
    slowhttptest -c "$connections" -r 200 -i 5 -l "$seconds" -p 3 -g -o "$work/out" "${args[@]}" >"$work/st.log" 2>&1 || true
    touch "$work/stop"
    wait "$ppid"
    held=$(awk -F, 'NR>1 {if ($4>m) m=$4; c=$2} END {printf "%d / %d", m, c}' "$work/out.csv" 2>/dev/null || echo "?")
    read -r ok worst <"$work/probe"
    printf "| %-12s | %-17s | %28s | %11s | %17s |\n" "$target" "$name" "$held" "$ok" "$worst"
  done
done
