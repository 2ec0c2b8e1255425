#!/usr/bin/env bash
# `make bench`: end-to-end figures against real servers, printed as one table with their ratios.
# Sizes: CHAINSLEUTH_BENCH_BLOCKS (default 300), CHAINSLEUTH_BENCH_TXS (default 50) for Bitcoin.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/clickhouse.sh start >/dev/null
export CHAINSLEUTH_BTCD=${CHAINSLEUTH_BTCD:-$(scripts/btcd.sh path)}
out=$(mktemp)
go test -run '^$' -bench 'BenchmarkIngestAgainstRawFetch' -benchtime 1x -timeout 60m ./ingest/btc/ | tee "$out" >&2
# Peak RSS of the Bitcoin ingest at N and 10×N blocks (CHAINSLEUTH_BENCH_MEM_BLOCKS, default 100).
go test -run '^$' -bench 'BenchmarkIngestMemoryAtTwoSizes' -benchtime 1x -timeout 60m ./ingest/btc/ | tee -a "$out" >&2
# Ethereum: CHAINSLEUTH_BENCH_ETH_BLOCKS (default 1000) × CHAINSLEUTH_BENCH_ETH_TXS (default 50) on the dev chain.
go test -run '^$' -bench 'BenchmarkIngestAgainstRawFetch' -benchtime 1x -timeout 60m ./ingest/eth/ |
  sed 's/^BenchmarkIngestAgainstRawFetch/BenchmarkEthIngestAgainstRawFetch/' | tee -a "$out" >&2
# ClickHouse writes through the store against the driver alone (CHAINSLEUTH_BENCH_WRITE_ROWS, default 1M).
go test -run '^$' -bench 'BenchmarkWriteAgainstRawDriver' -benchtime 1x -timeout 30m ./ingest/store/ | tee -a "$out" >&2
# Union-find: 100M links over 50M addresses (random, local and stream-order links).
go test -run '^$' -bench 'BenchmarkUnion' -benchtime 1x -timeout 30m ./heuristics/unionfind/ | tee -a "$out" >&2
# Scale: 100M generated transfers (CHAINSLEUTH_BENCH_SCALE_TRANSFERS) in database chainsleuth_scale, kept between
# runs (the first run generates them: about 25 minutes here). Address lookups, then the score with its 30-day
# window, its time and the process's peak RSS.
go test -run '^$' -bench 'BenchmarkAddressLookupOnGeneratedTransfers|BenchmarkScoreOnGeneratedTransfers' -benchtime 1x \
  -timeout 180m ./internal/scaledata/ | tee -a "$out" >&2
# The cluster job's time and peak RSS at two sizes 10x apart (scripts/scale-rss.sh cluster), as benchmark lines.
make build >/dev/null
scripts/scale-rss.sh cluster | tee /dev/stderr |
  sed -n 's/^cluster: \([0-9]*\) transactions, \([0-9.]*\) s, peak RSS \([0-9]*\) KB.*/BenchmarkClusterJob\/transactions=\1 1 \2 s\/run \3 peak_rss_KB/p' >>"$out"
echo
echo "| benchmark | figure | value |"
echo "|---|---|---|"
awk '/^Benchmark/ {
  name=$1; sub(/-[0-9]+$/, "", name)
  for (i = 3; i < NF; i += 2) printf "| %s | %s | %s |\n", name, $(i+1), $i
}' "$out"
