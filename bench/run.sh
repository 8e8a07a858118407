#!/usr/bin/env bash
# Runs the benchmarks and prints their tables. Builds first (the optimised build of scripts/test.sh), starts a throwaway
# PostgreSQL (tests/pg_fixture.sh, with fsync on as in production) and measures `pgbench -N` on it in the
# same run as the baseline.
#
#   bash bench/run.sh [releases] [platforms]      (defaults: 500 x 4)
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
releases=${1:-500}
platforms=${2:-4}
source "$here/bench/lib.sh"
bench_build distribution_throughput tunemantrad
work=$(bench_workdir bench)
bench_durable_pg "$work"
psql -q "$pg_admin" -c "CREATE DATABASE bench" -c "CREATE DATABASE pgb"
pgbench -q -i -s 10 "$pg_base/pgb" >/dev/null 2>&1
tps=$(pgbench -N -c 8 -j 2 -T 15 "$pg_base/pgb" 2>/dev/null | awk '/^tps/ {print $3; exit}')

bin="$here/build/bench/distribution_throughput"
echo "distribution_throughput: $releases releases x $platforms platforms (half http to a fake platform, half ddex-folder)"
echo "| database   | releases x platforms | delivered | deliveries/s | p50 ms | p99 ms | peak RSS MiB |"
echo "| ---------- | -------------------- | --------- | ------------ | ------ | ------ | ------------ |"
"$bin" --url "sqlite://$work/bench.db" --releases "$releases" --platforms "$platforms" --label sqlite 2>/dev/null
"$bin" --url "$pg_base/bench" --releases "$releases" --platforms "$platforms" --label postgresql 2>/dev/null
echo
echo "baseline: pgbench -N -c 8 -j 2 -T 15 (scale 10) on the same PostgreSQL: $tps TPS"
