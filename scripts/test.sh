#!/usr/bin/env bash
# `make test`: everything the tests need is started here, then every Go test runs against real servers.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/clickhouse.sh start
export CHAINSLEUTH_TEST_CLICKHOUSE=${CHAINSLEUTH_TEST_CLICKHOUSE:-clickhouse://127.0.0.1:${CH_PORT:-9000}/default}
export CHAINSLEUTH_BTCD=${CHAINSLEUTH_BTCD:-$(scripts/btcd.sh path)}
export CHAINSLEUTH_REALDATA=${CHAINSLEUTH_REALDATA:-$(cd .. && pwd)/shared/realdata}
go vet ./...
go test -count=1 -timeout 30m ./... 2>&1 | tee /tmp/chainsleuth-go-test.log
