#!/usr/bin/env bash
# Peak RSS and time of a batch job at two dataset sizes 10× apart (issue 8), on data generated in ClickHouse.
# Usage: scripts/scale-rss.sh [score|cluster] [SMALL]. Needs the loopback ClickHouse (scripts/clickhouse.sh
# start) and bin/chainsleuth (make build).
#   score   (default SMALL 1000000 transfers): generated transfers, every address given an id and one of
#           200,000 synthetic clusters by a finished cluster run, then `score --chain btc`.
#   cluster (default SMALL 500000 transactions): generated Bitcoin transactions with 2 inputs and 2 outputs,
#           2,000 per block; transaction t pays and spends addresses t to t + 100,000 (drawn at random), so
#           addresses are reused, co-spends merge clusters, and every chunk of blocks looks alike at both
#           sizes; then `cluster --chain btc`.
# SCALE_SIZES="N ..." replaces the two sizes (e.g. one size of 100000000); SCORE_WINDOW (default 0: every
# transfer) is score's --window, e.g. 30d, the default config's, to score the last 30 days of a long dataset
# (generated blocks are 10 minutes apart, 3,000 transfers each: 30 days are 12.96M transfers).
# Neither job may keep anything per transaction in memory: score keeps state per cluster and per pair of
# clusters, cluster its union-find (8 bytes per address) and one chunk of blocks.
set -euo pipefail
cd "$(dirname "$0")/.."
job=${1:-score}
port=${CH_PORT:-9000}
case "$job" in
score) small=${2:-1000000} ;;
cluster) small=${2:-500000} ;;
*) echo "usage: scripts/scale-rss.sh [score|cluster] [SMALL]" >&2; exit 2 ;;
esac

generate_score() { # $1: transfers
  q "INSERT INTO transfers (chain, height, time, txid, idx, from_address, to_address, asset, amount, value, kind)
SELECT 'btc', intDiv(number, 3000), toDateTime(1500000000 + intDiv(number, 3000) * 600),
    concat(lower(hex(cityHash64(intDiv(number, 3)))), lower(hex(cityHash64(intDiv(number, 3), 1)))),
    toUInt32(number % 3), concat('1addr', toString(cityHash64(number) % 50000000)),
    concat('1addr', toString(cityHash64(number, 1) % 50000000)), 'BTC', toString(number % 100000000),
    (number % 100000000) / 1e8, 'utxo' FROM numbers($1)"
  q "INSERT INTO address_ids (chain, address, id, first_height, run_id)
SELECT 'btc', address, toUInt32(rowNumberInAllBlocks()), 0, 1 FROM (
    SELECT DISTINCT address FROM (SELECT from_address AS address FROM transfers UNION ALL SELECT to_address AS address FROM transfers))"
  q "INSERT INTO address_clusters (chain, address_id, cluster_id, run_id) SELECT 'btc', id, id % 200000, 1 FROM address_ids"
  # The same clusters by address hash, as the cluster job writes them beside address_clusters.
  q "INSERT INTO address_cluster_hashes (chain, hash, cluster_id, run_id) SELECT 'btc', cityHash64(address), id % 200000, 1 FROM address_ids"
  # The score reads the clusters of the last finished cluster run: record run 1 as finished.
  q "INSERT INTO runs (run_id, job, chain, state, status) SELECT 1, 'cluster', 'btc', toUInt8(1), 'done' FROM system.one"
  # An ingest checkpoint above the last block, as ingest leaves one: the score reads the latest time near it.
  q "INSERT INTO ingest_checkpoints (chain, next_height, last_hash, version, updated_at)
SELECT 'btc', intDiv($1 - 1, 3000) + 1, '', 1, now() FROM system.one"
}

generate_cluster() { # $1: transactions
  # Transaction t (number / 2) is at height t / 2000.
  q "INSERT INTO btc_inputs (txid, vin, height, time, tx_index, prev_txid, prev_vout, address, script_type, value, value_known)
SELECT lower(hex(cityHash64(intDiv(number, 2)))), toUInt32(number % 2), intDiv(number, 4000),
    toDateTime(1500000000 + intDiv(number, 4000) * 600), toUInt32(intDiv(number, 2) % 2000 + 1),
    lower(hex(cityHash64(intDiv(number, 2) + 1000000000))), 0,
    concat('1in', toString(intDiv(number, 2) + cityHash64(number, 7) % 100000)), 'p2pkh', 100000 + number % 1000, 1
FROM numbers($(($1 * 2)))"
  q "INSERT INTO btc_outputs (txid, vout, height, time, tx_index, value, script_type, address)
SELECT lower(hex(cityHash64(intDiv(number, 2)))), toUInt32(number % 2), intDiv(number, 4000),
    toDateTime(1500000000 + intDiv(number, 4000) * 600), toUInt32(intDiv(number, 2) % 2000 + 1),
    90000 + number % 977, 'p2pkh', concat('1in', toString(intDiv(number, 2) + cityHash64(number, 11) % 100000))
FROM numbers($(($1 * 2)))"
  q "INSERT INTO btc_blocks (height, hash, prev_hash, time, tx_count)
SELECT number, lower(hex(cityHash64(number, 3))), lower(hex(cityHash64(number - 1, 3))), toDateTime(1500000000 + number * 600), 2000
FROM numbers($(($1 / 2000)))"
  q "INSERT INTO ingest_checkpoints (chain, next_height, last_hash, version, updated_at)
SELECT 'btc', $(($1 / 2000)), '', 1, now() FROM system.one"
}

for n in ${SCALE_SIZES:-$small $((small * 10))}; do
  db=chainsleuth_rss_${job}_$n
  export CHAINSLEUTH_CLICKHOUSE=clickhouse://127.0.0.1:$port/$db
  q() { clickhouse-client --port "$port" -d "$db" --max_memory_usage 0 -q "$1"; }
  clickhouse-client --port "$port" -q "DROP DATABASE IF EXISTS $db"
  bin/chainsleuth migrate >/dev/null 2>&1
  "generate_$job" "$n"
  addrs=$(q "SELECT count() FROM address_ids")
  case "$job" in
  score) args=(score --chain btc --window "${SCORE_WINDOW:-0}" --period-blocks 144) ;;
  cluster) args=(cluster --chain btc) ;;
  esac
  /usr/bin/time -f "$job: $n $([ "$job" = score ] && echo transfers || echo transactions), %e s, peak RSS %M KB" \
    bin/chainsleuth "${args[@]}" >/dev/null 2>/tmp/scale-rss.err || { cat /tmp/scale-rss.err; exit 1; }
  echo "$(tail -1 /tmp/scale-rss.err); addresses before the job: $addrs, after: $(q "SELECT count() FROM address_ids")"
done
