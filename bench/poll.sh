#!/usr/bin/env bash
# bench/poll: how cheaply clients can poll a job. wrk (64 connections, 2 threads) against
# GET /api/jobs/{id} on tunemantrad, with and without If-None-Match, next to wrk against the same
# JSON bytes served as a static file by nginx, and through nginx with the shipped site
# (systemd/nginx/tunemantra.conf), in the same run on the same machine. Prints a table.
# Target (issue 8): the daemon at least 50% of nginx's requests/s, p99 under 10 ms.
#
#   bash bench/poll.sh [seconds per run]      (default 10)
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
seconds=${1:-10}
source "$here/bench/lib.sh"
bench_build tunemantrad tmctl
work=$(bench_workdir poll)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  [[ -f "$work/nginx.pid" ]] && kill "$(cat "$work/nginx.pid")" 2>/dev/null || true
  [[ -f "$work/proxy.pid" ]] && kill "$(cat "$work/proxy.pid")" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# The daemon as in production, but: request logging at warn (nginx logs nothing either) and a rate
# limit far above what wrk sends (the default would answer most requests 429).
port=$(free_port)
cat >"$work/tunemantra.toml" <<TOML
[http]
host = "127.0.0.1"
port = $port
threads = ${TM_POLL_THREADS:-64}
[database]
url = "sqlite://$work/tm.db"
# One connection per HTTP thread: pollers never queue for a connection (see docs/performance.md).
pool_size = 64
[log]
level = "warn"
[rate_limit]
api_per_minute = 10000000
api_burst = 10000000
[media]
dir = "$work/media"
TOML
ctl() { "$here/build/tools/tmctl" --config "$work/tunemantra.toml" "$@"; }
ctl migrate >/dev/null
echo "bench-password-123" | ctl user create --admin --username bench --email bench@example.com >/dev/null
key=$(ctl keys create --user bench --scopes admin --output json | python3 -c 'import json,sys; print(json.load(sys.stdin)["key"])')
# A job that stays as it is (due in a year), as a client's job between two changes.
now_ms=$(date +%s%3N)
sqlite3 "$work/tm.db" "INSERT INTO jobs (account_id, kind, status, payload, priority, created_at, updated_at, scheduled_at)
  VALUES (NULL, 'sleep', 'scheduled', '{\"steps\":1}', 0, $now_ms, $now_ms, $((now_ms + 31536000000)));"
job=$(sqlite3 "$work/tm.db" "SELECT MAX(id) FROM jobs")
"$here/build/daemon/tunemantrad" --config "$work/tunemantra.toml" 2>"$work/daemon.log" &
pids+=($!)
for _ in $(seq 100); do curl -fs "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done
url="http://127.0.0.1:$port/api/jobs/$job"
mkdir -p "$work/www"
curl -fs -H "Authorization: Bearer $key" "$url" -o "$work/www/job.json" -D "$work/headers"
etag=$(awk 'tolower($1)=="etag:" {print $2}' "$work/headers" | tr -d '\r')

# nginx serving the same bytes, 2 workers (the machine's cores), no access log.
nport=$(free_port)
cat >"$work/nginx.conf" <<NGINX
worker_processes 2;
pid $work/nginx.pid;
error_log $work/nginx.err warn;
events { worker_connections 1024; }
http {
  access_log off;
  keepalive_requests 100000;
  server {
    listen 127.0.0.1:$nport;
    root $work/www;
    location / { default_type application/json; }
  }
}
NGINX
/usr/sbin/nginx -c "$work/nginx.conf" -p "$work"
for _ in $(seq 50); do curl -fs "http://127.0.0.1:$nport/job.json" >/dev/null && break; sleep 0.1; done

# The daemon behind the shipped site (systemd/nginx/tunemantra.conf), 2 workers: TLS off (the static
# row has none either) and its per-address request limit off (wrk is one address); everything else
# as shipped: upstream keep-alive, buffering, X-Forwarded-For.
pport=$(free_port)
bench_shipped_site "$work" "$port" "$pport" -e '/limit_req /d'

# wrk --latency: Requests/sec and the 99% line (converted to ms).
measure() {
  local out rps p50 p99
  out=$(wrk -t2 -c64 -d"${seconds}s" --latency "$@")
  [[ -n "${TM_POLL_RAW:-}" ]] && echo "$out" >&2
  rps=$(awk '/^Requests\/sec/ {print $2}' <<<"$out")
  ms() { awk -v q="$1" '$1==q {v=$2; if (v ~ /us$/) {sub(/us/,"",v); v/=1000} else if (v ~ /ms$/) {sub(/ms/,"",v)} else if (v ~ /s$/) {sub(/s/,"",v); v*=1000}; print v}' <<<"$out"; }
  p50=$(ms 50%)
  p99=$(ms 99%)
  non2xx=$(awk '/Non-2xx or 3xx responses/ {print $5}' <<<"$out")
  echo "$rps ${p50:-?} ${p99:-?} ${non2xx:-0}"
}
read -r n_rps n_p50 n_p99 n_bad < <(measure "http://127.0.0.1:$nport/job.json")
read -r g_rps g_p50 g_p99 g_bad < <(measure -H "Authorization: Bearer $key" "$url")
read -r c_rps c_p50 c_p99 c_bad < <(measure -H "Authorization: Bearer $key" -H "If-None-Match: $etag" "$url")
proxied="http://127.0.0.1:$pport/api/jobs/$job"
read -r pg_rps pg_p50 pg_p99 pg_bad < <(measure -H "Authorization: Bearer $key" "$proxied")
read -r pc_rps pc_p50 pc_p99 pc_bad < <(measure -H "Authorization: Bearer $key" -H "If-None-Match: $etag" "$proxied")

echo "poll: wrk -t2 -c64 -d${seconds}s, job $job ($(wc -c <"$work/www/job.json") bytes of JSON)"
echo "| target                                  | requests/s | p50 ms | p99 ms | non-2xx/3xx | vs nginx |"
echo "| --------------------------------------- | ---------- | ------ | ------ | ----------- | -------- |"
row() { printf "| %-39s | %10.0f | %6.2f | %6.2f | %11s | %7.0f%% |\n" "$1" "$2" "$3" "$4" "$5" "$(python3 -c "print(100*$2/$n_rps)")"; }
row "nginx, static file" "$n_rps" "$n_p50" "$n_p99" "$n_bad"
row "tunemantrad GET /api/jobs/{id}" "$g_rps" "$g_p50" "$g_p99" "$g_bad"
row "tunemantrad same, If-None-Match (304)" "$c_rps" "$c_p50" "$c_p99" "$c_bad"
row "behind nginx (shipped site) GET" "$pg_rps" "$pg_p50" "$pg_p99" "$pg_bad"
row "behind nginx (shipped site) 304" "$pc_rps" "$pc_p50" "$pc_p99" "$pc_bad"
