#!/usr/bin/env bash
# Where a distribution run's database work goes: runs distribution_throughput on a throwaway durable
# PostgreSQL with pg_stat_statements loaded and prints the statements by number of calls, and the
# total per delivery. With TM_PERF=1 it also records the whole machine with `perf record -a`
# (installs linux-perf when missing) and prints each process's share of the CPU.
#
#   bash bench/statements.sh [releases] [platforms] [top]      (defaults: 300 x 4, top 30)
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
releases=${1:-300}
platforms=${2:-4}
top=${3:-30}
source "$here/bench/lib.sh"
bench_build distribution_throughput tunemantrad
work=$(bench_workdir statements)
export TM_PG_OPTIONS="-c shared_preload_libraries=pg_stat_statements"
bench_durable_pg "$work"
psql -q "$pg_admin" -c "CREATE DATABASE bench"
psql -q "$pg_base/bench" -c "CREATE EXTENSION pg_stat_statements"

run=("$here/build/bench/distribution_throughput" --url "$pg_base/bench" --releases "$releases" --platforms "$platforms"
     --label postgresql)
echo "| database   | releases x platforms | delivered | deliveries/s | p50 ms | p99 ms | peak RSS MiB |"
echo "| ---------- | -------------------- | --------- | ------------ | ------ | ------ | ------------ |"
if [[ "${TM_PERF:-0}" == 1 ]]; then
  command -v perf >/dev/null || { apt-get update -qq && apt-get install -y -qq linux-perf >/dev/null; }
  perf record -q -a -F 499 -o "$work/perf.data" -- "${run[@]}" 2>"$work/bench.log"
else
  "${run[@]}" 2>"$work/bench.log"
fi
echo
echo "statements by calls (seeding the catalog included):"
psql "$pg_base/bench" -c "SELECT calls, round(total_exec_time::numeric, 1) AS exec_ms, rows,
  left(regexp_replace(query, '\s+', ' ', 'g'), 110) AS statement
  FROM pg_stat_statements ORDER BY calls DESC LIMIT $top"
psql "$pg_base/bench" -At -F ' ' -c "SELECT sum(calls), (SELECT count(*) FROM deliveries) FROM pg_stat_statements" |
  awk '{ printf "total: %d statements for %d deliveries, %.1f per delivery\n", $1, $2, $1 / $2 }'
if [[ "${TM_PERF:-0}" == 1 ]]; then
  echo
  echo "CPU by process (perf record -a over the run; swapper is idle time):"
  perf report -i "$work/perf.data" --no-children --sort comm --stdio 2>/dev/null | grep -v '^#' | grep -v '^$' | head -8
fi
