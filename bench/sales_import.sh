#!/usr/bin/env bash
# bench/sales_import: a generated DSR of N usage lines imported through the real daemon on SQLite
# and on a durable PostgreSQL, next to PostgreSQL COPY of the same rows in the same run, then the
# royalty period calculation over them. Prints lines/s, the share of COPY's speed, peak RSS.
#
#   bash bench/sales_import.sh [lines] [recordings]      (defaults: 1000000 x 1000, the issue's size)
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
lines=${1:-1000000}
recordings=${2:-1000}
source "$here/bench/lib.sh"
bench_build sales_import tunemantrad
work=$(bench_workdir sales)
bench_durable_pg "$work"
psql -q "$pg_admin" -c "CREATE DATABASE sales"
bin="$here/build/bench/sales_import"
echo "sales_import: one DSR of $lines usage lines over $recordings recordings, POSTed to tunemantrad; then one royalty calculation"
echo "| database   | lines     | file MiB | import s | lines/s   | COPY lines/s | % of COPY | peak RSS MiB | idle RSS MiB | calc s    |"
echo "| ---------- | --------- | -------- | -------- | --------- | ------------ | --------- | ------------ | ------------ | --------- |"
"$bin" --url "sqlite://$work/sales.db" --lines "$lines" --recordings "$recordings" --label sqlite 2>/dev/null
"$bin" --url "$pg_base/sales" --lines "$lines" --recordings "$recordings" --label postgresql 2>/dev/null
