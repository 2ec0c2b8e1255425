#!/usr/bin/env bash
# Peak RSS of the batch jobs at two dataset sizes 10× apart (issue 8): generated transfers (internal/scaledata's
# SQL), every address given an id and one of 200,000 synthetic clusters, then `score` timed with /usr/bin/time.
# Usage: scripts/scale-rss.sh [SMALL] (default 1000000; the large size is 10× SMALL). Needs the loopback
# ClickHouse (scripts/clickhouse.sh start) and bin/chainsleuth (make build).
set -euo pipefail
cd "$(dirname "$0")/.."
small=${1:-1000000}
port=${CH_PORT:-9000}
for n in "$small" $((small * 10)); do
  db=chainsleuth_rss_$n
  export CHAINSLEUTH_CLICKHOUSE=clickhouse://127.0.0.1:$port/$db
  clickhouse-client --port "$port" -q "DROP DATABASE IF EXISTS $db"
  bin/chainsleuth migrate >/dev/null 2>&1
  clickhouse-client --port "$port" -d "$db" -q "INSERT INTO transfers (chain, height, time, txid, idx, from_address, to_address, asset, amount, value, kind)
SELECT 'btc', intDiv(number, 3000), toDateTime(1500000000 + intDiv(number, 3000) * 600),
    concat(lower(hex(cityHash64(intDiv(number, 3)))), lower(hex(cityHash64(intDiv(number, 3), 1)))),
    toUInt32(number % 3), concat('1addr', toString(cityHash64(number) % 50000000)),
    concat('1addr', toString(cityHash64(number, 1) % 50000000)), 'BTC', toString(number % 100000000),
    (number % 100000000) / 1e8, 'utxo' FROM numbers($n)"
  clickhouse-client --port "$port" -d "$db" -q "INSERT INTO address_ids (chain, address, id, first_height, run_id)
SELECT 'btc', address, toUInt32(rowNumberInAllBlocks()), 0, 1 FROM (
    SELECT DISTINCT address FROM (SELECT from_address AS address FROM transfers UNION ALL SELECT to_address AS address FROM transfers))"
  clickhouse-client --port "$port" -d "$db" -q "INSERT INTO address_clusters (chain, address_id, cluster_id, run_id)
SELECT 'btc', id, id % 200000, 1 FROM address_ids"
  # The score reads the clusters of the last finished cluster run: record run 1 as finished.
  clickhouse-client --port "$port" -d "$db" -q "INSERT INTO runs (run_id, job, chain, state, status)
SELECT 1, 'cluster', 'btc', toUInt8(1), 'done' FROM system.one"
  addrs=$(clickhouse-client --port "$port" -d "$db" -q "SELECT count() FROM address_ids")
  /usr/bin/time -f "score: $n transfers, $addrs addresses: %e s, peak RSS %M KB" \
    bin/chainsleuth score --chain btc --window 0 --period-blocks 144 >/dev/null 2>/tmp/scale-rss.err || { cat /tmp/scale-rss.err; exit 1; }
  tail -1 /tmp/scale-rss.err
done
