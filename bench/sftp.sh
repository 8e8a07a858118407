#!/usr/bin/env bash
# bench/sftp: N releases (a 5.5 MB WAV and a 3000x3000 JPEG each) delivered by tunemantrad's sftp
# connector to a local OpenSSH server (started by the benchmark: sshd -D, internal-sftp, key auth),
# next to OpenSSH's own `sftp -b` uploading the same files to it in the same run. Rounds
# interleave the uploaders; the table shows each one's median round and its share of sftp's MB/s.
#
#   bash bench/sftp.sh [releases] [rounds]      (defaults: 30 x 3)
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
releases=${1:-30}
rounds=${2:-3}
source "$here/bench/lib.sh"
bench_build sftp_bench tunemantrad
work=$(bench_workdir sftp)
bench_durable_pg "$work"
psql -q "$pg_admin" -c "CREATE DATABASE sftp"
bin="$here/build/bench/sftp"
echo "sftp: $releases releases (5.5 MB WAV + 3000x3000 JPEG each) to a local sshd; median of $rounds interleaved rounds"
echo "| database   | uploader           | releases | MB        | seconds | MB/s     | deliveries/s | of sftp  |"
echo "| ---------- | ------------------ | -------- | --------- | ------- | -------- | ------------ | -------- |"
"$bin" --url "sqlite://$work/sftp.db" --releases "$releases" --rounds "$rounds" --label sqlite 2>/dev/null
"$bin" --url "$pg_base/sftp" --releases "$releases" --rounds "$rounds" --label postgresql 2>/dev/null
