#!/usr/bin/env bash
# A small run of each benchmark, as a CI test: proves they build, run against the real daemon on
# both databases and finish everything (a benchmark that rots unseen measures nothing). The
# numbers of so small a run mean little; bench/run.sh gives the real table.
#
#   bench/smoke.sh BUILD_DIR PG_DIR      (PG_DIR: the test PostgreSQL fixture's folder)
set -euo pipefail
build=${1:?usage: smoke.sh BUILD_DIR PG_DIR}
pg=${2:?usage: smoke.sh BUILD_DIR PG_DIR}
work=$(mktemp -d /tmp/tm-bench-smoke.XXXXXX)
admin=$(cat "$pg/url")
db="bench_smoke_$$"
trap 'psql -q "$admin" -c "DROP DATABASE IF EXISTS $db" -c "DROP DATABASE IF EXISTS ${db}_sales" -c "DROP DATABASE IF EXISTS ${db}_analytics" >/dev/null 2>&1 || true; rm -rf "$work"' EXIT
psql -q "$admin" -c "CREATE DATABASE $db" -c "CREATE DATABASE ${db}_sales" -c "CREATE DATABASE ${db}_analytics"
echo "| database   | releases x platforms | delivered | deliveries/s | p50 ms | p99 ms | peak RSS MiB |"
echo "| ---------- | -------------------- | --------- | ------------ | ------ | ------ | ------------ |"
"$build/bench/distribution_throughput" --url "sqlite://$work/bench.db" --releases 30 --platforms 2 --label sqlite 2>"$work/sqlite.log" \
  || { tail -50 "$work/sqlite.log"; exit 1; }
"$build/bench/distribution_throughput" --url "${admin%/postgres}/$db" --releases 30 --platforms 2 --label postgresql 2>"$work/pg.log" \
  || { tail -50 "$work/pg.log"; exit 1; }
echo "bulk:"
"$build/bench/distribution_throughput" --bulk --url "sqlite://$work/bulk.db" --releases 30 --platforms 2 --label sqlite 2>"$work/bulk.log" \
  || { tail -50 "$work/bulk.log"; exit 1; }
echo "sales import:"
dsr="$work/DSR_TuneMantra_StreamCo_Premium_2026-10_multi_1of1_20260203T040506.tsv"
"$build/bench/sales_import" --url "sqlite://$work/sales.db" --lines 3000 --recordings 20 --label sqlite --keep-dsr "$dsr" \
  2>"$work/sales.log" || { tail -50 "$work/sales.log"; exit 1; }
# The benchmark's report must be one a platform could send: DDEX's own checker passes it.
"$(dirname "$0")/../../shared/tools/dsr-check" "$dsr" || { echo "dsr-check refused the benchmark's DSR"; exit 1; }
"$build/bench/sales_import" --url "${admin%/postgres}/${db}_sales" --lines 3000 --recordings 20 --label postgresql 2>"$work/sales-pg.log" \
  || { tail -50 "$work/sales-pg.log"; exit 1; }
echo "analytics:"
"$build/bench/analytics" --url "sqlite://$work/analytics.db" --rows 20000 --recordings 50 --queries 5 --label sqlite 2>"$work/analytics.log" \
  || { tail -50 "$work/analytics.log"; exit 1; }
"$build/bench/analytics" --url "${admin%/postgres}/${db}_analytics" --rows 20000 --recordings 50 --queries 5 --label postgresql \
  2>"$work/analytics-pg.log" || { tail -50 "$work/analytics-pg.log"; exit 1; }
echo "sftp:"
"$build/bench/sftp" --url "sqlite://$work/sftp.db" --releases 3 --rounds 1 --label sqlite 2>"$work/sftp.log" \
  || { tail -50 "$work/sftp.log"; exit 1; }
echo "cluster:"
psql -q "$admin" -c "CREATE DATABASE ${db}_cluster"
trap 'psql -q "$admin" -c "DROP DATABASE IF EXISTS $db" -c "DROP DATABASE IF EXISTS ${db}_sales" -c "DROP DATABASE IF EXISTS ${db}_analytics" -c "DROP DATABASE IF EXISTS ${db}_cluster" >/dev/null 2>&1 || true; rm -rf "$work"' EXIT
"$build/bench/distribution_throughput" --url "${admin%/postgres}/${db}_cluster" --nodes 2 --kill-at 0.3 --releases 30 --platforms 2 \
  2>"$work/cluster.log" || { tail -50 "$work/cluster.log"; exit 1; }
