#!/usr/bin/env bash
# Starts or stops a throwaway PostgreSQL cluster for the tests: initdb as the postgres user,
# listening on 127.0.0.1 only, on a free port. `start` writes the admin URL to DIR/url. The cluster
# itself lives in a fresh folder under /tmp (its path in DIR/cluster), because the postgres user
# may not be allowed into DIR's parents (a checkout under /root, say).
# CTest runs `start` as a FIXTURES_SETUP test and `stop` as FIXTURES_CLEANUP, so the server is
# stopped at the end even when tests fail.
set -euo pipefail
action=${1:?usage: pg_fixture.sh start|stop DIR}
dir=${2:?usage: pg_fixture.sh start|stop DIR}

pg_bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
[[ -x "$pg_bin/initdb" ]] || { echo "pg_fixture: no PostgreSQL server binaries (install postgresql)" >&2; exit 1; }

as_pg() {
  if [[ $(id -u) -eq 0 ]]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

stop() {
  local cluster
  cluster=$(cat "$dir/cluster" 2>/dev/null || true)
  if [[ -n "$cluster" && -f "$cluster/data/postmaster.pid" ]]; then
    as_pg "$pg_bin/pg_ctl" -D "$cluster/data" -m immediate -w stop >/dev/null 2>&1 || true
  fi
  [[ -n "$cluster" && "$cluster" == /tmp/tm-pg.* ]] && rm -rf "$cluster"
  return 0
}

if [[ "$action" == stop ]]; then
  stop
  rm -rf "$dir"
  exit 0
fi

stop
rm -rf "$dir"
mkdir -p "$dir"
cluster=$(mktemp -d /tmp/tm-pg.XXXXXX)
chmod 755 "$cluster"
echo "$cluster" >"$dir/cluster"
[[ $(id -u) -eq 0 ]] && chown postgres: "$cluster"
as_pg "$pg_bin/initdb" -D "$cluster/data" -U postgres -A trust -E UTF8 --no-locale >"$dir/initdb.log" 2>&1 \
  || { cat "$dir/initdb.log" >&2; exit 1; }

# A free port: ask the kernel for one, then hand it to the server.
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
# Tests run with fsync=off (speed; a test never pulls the power). TM_PG_DURABLE=1 keeps the
# production default (fsync on, synchronous commit) for benchmarks, whose numbers must mean something.
options="-c fsync=off"
[[ "${TM_PG_DURABLE:-0}" == 1 ]] && options=""
# TM_PG_OPTIONS adds server options (profiling: "-c shared_preload_libraries=pg_stat_statements").
options="$options ${TM_PG_OPTIONS:-}"
as_pg "$pg_bin/pg_ctl" -D "$cluster/data" -l "$cluster/server.log" -w -t 60 \
  -o "-c listen_addresses=127.0.0.1 -p $port -k $cluster $options -c max_connections=200" start >/dev/null \
  || { cat "$cluster/server.log" >&2; exit 1; }
echo "postgresql://postgres@127.0.0.1:$port/postgres" >"$dir/url"
echo "pg_fixture: PostgreSQL up at 127.0.0.1:$port ($cluster)"
