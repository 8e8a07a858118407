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
