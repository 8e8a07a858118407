#!/usr/bin/env bash
# bench/cluster: deliveries/second with 1, 2 and 3 tunemantrad nodes on one PostgreSQL (fsync on,
# as in production), then 3 nodes with the busiest one SIGKILLed a third of the way through and
# the time until every job it held was held by another node (leases of 2 s in this run).
#
#   bash bench/cluster.sh [releases] [platforms]      (defaults: 400 x 4)
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
releases=${1:-400}
platforms=${2:-4}
source "$here/bench/lib.sh"
bench_build distribution_throughput tunemantrad
work=$(bench_workdir cluster)
bench_durable_pg "$work"
bin="$here/build/bench/distribution_throughput"

echo "cluster: $releases releases x $platforms platforms (half http to a fake platform, half ddex-folder), one PostgreSQL"
echo "| nodes | releases x platforms | delivered | deliveries/s | p50 ms | p99 ms |    takeover |"
echo "| ----- | -------------------- | --------- | ------------ | ------ | ------ | ----------- |"
for nodes in ${TM_CLUSTER_NODES:-1 2 3}; do  # TM_CLUSTER_NODES="1" runs fewer
  psql -q "$pg_admin" -c "CREATE DATABASE c$nodes"
  "$bin" --url "$pg_base/c$nodes" --nodes "$nodes" --releases "$releases" --platforms "$platforms" 2>"$work/c$nodes.log" \
    || { tail -30 "$work/c$nodes.log"; exit 1; }
done
psql -q "$pg_admin" -c "CREATE DATABASE ckill"
"$bin" --url "$pg_base/ckill" --nodes 3 --kill-at 0.33 --releases "$releases" --platforms "$platforms" 2>"$work/ckill.log" \
  || { tail -30 "$work/ckill.log"; exit 1; }
echo
echo "takeover: from the SIGKILL until no job still to run names the dead node (its leases end, others claim them)"
