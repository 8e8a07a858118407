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
