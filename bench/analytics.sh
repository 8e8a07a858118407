#!/usr/bin/env bash
# bench/analytics: N usage rows (10 million by default) generated in SQLite and in a durable
# PostgreSQL, then analytics of random tracks, releases and a hit track through the real daemon,
# grouped by day, platform and territory. Prints p50/p99/max per query.
#
#   bash bench/analytics.sh [rows] [recordings] [hit %]      (defaults: 10000000 2000 5)
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
rows=${1:-10000000}
recordings=${2:-2000}
hit=${3:-5}
source "$here/bench/lib.sh"
bench_build analytics tunemantrad
work=$(bench_workdir analytics)
bench_durable_pg "$work"
psql -q "$pg_admin" -c "CREATE DATABASE analytics"
bin="$here/build/bench/analytics"
echo "analytics: $rows usage rows over $recordings recordings, the hit recording holding $hit %; 40 random tracks and releases per grouping"
"$bin" --url "sqlite://$work/analytics.db" --rows "$rows" --recordings "$recordings" --hit "$hit" --label sqlite 2>"$work/sqlite.log" \
  || { tail -20 "$work/sqlite.log"; exit 1; }
grep -a "generating took" "$work/sqlite.log" || true
"$bin" --url "$pg_base/analytics" --rows "$rows" --recordings "$recordings" --hit "$hit" --label postgresql 2>"$work/pg.log" \
  | tail -n +3 || { tail -20 "$work/pg.log"; exit 1; }
grep -a "generating took" "$work/pg.log" || true
