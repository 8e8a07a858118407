# Shared by the bench scripts: `bench_build TARGET...` installs the packages and builds the
# optimised tree (the build of scripts/test.sh); `bench_workdir` makes a world-readable temp dir
# (the postgres user must reach it) and prints its path.
bench_build() {
  bash "$here/scripts/install-deps.sh"
  cmake -S "$here" -B "$here/build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DTM_BUILD_TESTS=ON >/dev/null
  cmake --build "$here/build" --target "$@" >/dev/null
}

bench_workdir() {
  local dir
  dir=$(mktemp -d "/tmp/tm-$1.XXXXXX")
  chmod 755 "$dir"
  echo "$dir"
}

# `bench_durable_pg WORKDIR`: starts a throwaway PostgreSQL under WORKDIR/pg with fsync on (as in
# production; commit cost is what batching saves), stops it and removes WORKDIR on exit, and sets
# `pg_admin` (its admin URL) and `pg_base` (the URL without a database).
bench_durable_pg() {
  local dir=$1
  trap "bash '$here/tests/pg_fixture.sh' stop '$dir/pg'; rm -rf '$dir'" EXIT
  TM_PG_DURABLE=1 bash "$here/tests/pg_fixture.sh" start "$dir/pg" >/dev/null
  pg_admin=$(cat "$dir/pg/url")
  pg_base=${pg_admin%/postgres}
}

# `bench_shipped_site WORKDIR DAEMON_PORT PORT [SED_ARG...]`: nginx (2 workers) with the shipped site
# (systemd/nginx/tunemantra.conf) in front of the daemon on DAEMON_PORT, listening on PORT with TLS
# off; SED_ARGs change the site further (e.g. -e '/limit_req /d'). Its pid is in WORKDIR/proxy.pid
# for the caller's cleanup. Returns once /healthz answers through it.
bench_shipped_site() {
  local dir=$1 daemon=$2 port=$3
  shift 3
  sed -e "s|127.0.0.1:8080|127.0.0.1:$daemon|" -e "s|listen 443 ssl http2;|listen 127.0.0.1:$port;|" \
      -e '/listen \[::\]/d' -e '/listen 80;/d' -e '/return 301/d' -e '/ssl_/d' "$@" \
      "$here/systemd/nginx/tunemantra.conf" >"$dir/site.conf"
  mkdir -p "$dir/proxy-tmp" && chmod 777 "$dir/proxy-tmp"
  cat >"$dir/proxy.conf" <<NGINX
worker_processes 2;
worker_rlimit_nofile 65536;
pid $dir/proxy.pid;
error_log $dir/proxy.err crit;
events { worker_connections 16384; }
http {
  access_log off;
  client_body_temp_path $dir/proxy-tmp/body;
  proxy_temp_path $dir/proxy-tmp/proxy;
  include $dir/site.conf;
}
NGINX
  /usr/sbin/nginx -c "$dir/proxy.conf" -p "$dir"
  for _ in $(seq 50); do curl -fs "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done
}
