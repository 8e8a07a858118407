#!/usr/bin/env bash
# The shipped nginx site (systemd/nginx/tunemantra.conf) in front of the real daemon: nginx -t
# accepts it, HTTPS through it reaches the daemon, the daemon logs the client's own address (from
# X-Forwarded-For, trusted from 127.0.0.1 only), and nginx refuses a JSON body over its limit.
#   bash tests/systemd/nginx_site_test.sh BUILD_DIR
set -euo pipefail
here=$(cd "$(dirname "$0")/../.." && pwd)
build=$(cd "${1:-$here/build}" && pwd)
command -v nginx >/dev/null || { echo "nginx_site_test: nginx is not installed (scripts/install-deps.sh)"; exit 1; }
work=$(mktemp -d)
chmod 755 "$work"
daemon_pid=
cleanup() {
  [[ -f "$work/nginx.pid" ]] && nginx -p "$work" -c "$work/nginx.conf" -s stop 2>/dev/null || true
  [[ -n "$daemon_pid" ]] && kill "$daemon_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
dport=$(free_port); hport=$(free_port); sport=$(free_port)

openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=localhost -keyout "$work/privkey.pem" \
  -out "$work/fullchain.pem" 2>/dev/null
# The site as shipped, with this run's ports and certificate; IPv6 listeners dropped (not every CI has ::1).
sed -e "s|127.0.0.1:8080|127.0.0.1:$dport|" -e "s|listen 80;|listen 127.0.0.1:$hport;|" \
    -e "s|listen 443 ssl http2;|listen 127.0.0.1:$sport ssl http2;|" -e '/listen \[::\]/d' \
    -e "s|/etc/ssl/tunemantra/|$work/|" "$here/systemd/nginx/tunemantra.conf" > "$work/site.conf"
mkdir -p "$work/tmp" && chmod 777 "$work/tmp"
cat > "$work/nginx.conf" <<CONF
pid $work/nginx.pid;
error_log $work/error.log warn;
worker_processes 1;
events { worker_connections 256; }
http {
  access_log off;
  client_body_temp_path $work/tmp/body;
  proxy_temp_path $work/tmp/proxy;
  fastcgi_temp_path $work/tmp/fastcgi;
  uwsgi_temp_path $work/tmp/uwsgi;
  scgi_temp_path $work/tmp/scgi;
  include $work/site.conf;
}
CONF
nginx -t -q -p "$work" -c "$work/nginx.conf"
echo "nginx_site_test: nginx -t accepts the site"

TUNEMANTRA_DATABASE_URL="sqlite://$work/tm.db" TUNEMANTRA_HTTP_PORT=$dport TUNEMANTRA_MEDIA_DIR="$work/media" \
  TUNEMANTRA_HTTP_TRUSTED_PROXIES=127.0.0.1 "$build/daemon/tunemantrad" >"$work/daemon.log" 2>&1 &
daemon_pid=$!
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$dport/healthz" >/dev/null && break; sleep 0.1; done
nginx -p "$work" -c "$work/nginx.conf"

fail() { echo "nginx_site_test: $*"; tail -5 "$work/error.log" 2>/dev/null; exit 1; }
code=$(curl -sk -o /dev/null -w '%{http_code}' --interface 127.0.0.7 "https://127.0.0.1:$sport/healthz")
[[ $code == 200 ]] || fail "GET /healthz through nginx answered $code"
grep -q 'path=/healthz .*remote=127.0.0.7' "$work/daemon.log" ||
  fail "the daemon did not log the client's address 127.0.0.7 (X-Forwarded-For from a trusted proxy)"
echo "nginx_site_test: HTTPS through nginx reaches the daemon, which logs the client's own address"
code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$hport/healthz")
[[ $code == 301 ]] || fail "plain HTTP answered $code, not a redirect to HTTPS"
code=$(head -c 2000000 /dev/zero | tr '\0' 'x' | curl -sk -o /dev/null -w '%{http_code}' -H 'Content-Type: application/json' \
  --data-binary @- "https://127.0.0.1:$sport/api/auth/login")
[[ $code == 413 ]] || fail "a 2 MB JSON body answered $code, not 413 from nginx"
echo "nginx_site_test: plain HTTP redirects, an oversized JSON body is refused by nginx: passed"
