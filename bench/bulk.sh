#!/usr/bin/env bash
# bench/bulk: one bulk distribution of N releases x M platforms through the real daemon (half the
# platforms http to a fake platform, half ddex-folder), on SQLite and on a durable PostgreSQL.
# Prints total time, deliveries/s, peak RSS, RSS per in-flight delivery and database growth.
#
#   bash bench/bulk.sh [releases] [platforms]      (defaults: 10000 x 4, the issue's size)
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
releases=${1:-10000}
platforms=${2:-4}
source "$here/bench/lib.sh"
bench_build distribution_throughput tunemantrad
work=$(bench_workdir bulk)
bench_durable_pg "$work"
psql -q "$pg_admin" -c "CREATE DATABASE bulk"
bin="$here/build/bench/distribution_throughput"
echo "bulk: one bulk_distribution job, $releases releases x $platforms platforms (maxConcurrency 8 each)"
echo "| database   | releases x platforms | delivered | total s | deliveries/s | peak RSS MiB | RSS KiB / in-flight | DB growth MiB | status"
echo "| ---------- | -------------------- | --------- | ------- | ------------ | ------------ | --------------------- | -------------- | ------"
"$bin" --bulk --url "sqlite://$work/bulk.db" --releases "$releases" --platforms "$platforms" --label sqlite 2>/dev/null
"$bin" --bulk --url "$pg_base/bulk" --releases "$releases" --platforms "$platforms" --label postgresql 2>/dev/null
