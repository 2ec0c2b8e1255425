#!/usr/bin/env bash
# `make test`: everything the tests need is started here, then every Go test runs against real servers, then
# the dialect test (every SQL statement on chDB and on the test server; see the end of this file).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/clickhouse.sh start
export CHAINSLEUTH_TEST_CLICKHOUSE=${CHAINSLEUTH_TEST_CLICKHOUSE:-clickhouse://127.0.0.1:${CH_PORT:-9000}/default}
export CHAINSLEUTH_BTCD=${CHAINSLEUTH_BTCD:-$(scripts/btcd.sh path)}
# The real mainnet data sits in shared/ beside the checkout. A clone of a local checkout made elsewhere (a
# fresh clone in /tmp, say) finds it beside the checkout it was cloned from.
realdata_default() {
  local origin
  if [ -d ../shared/realdata ]; then (cd ../shared/realdata && pwd); return; fi
  origin=$(git remote get-url origin 2>/dev/null || true)
  if [ -n "$origin" ] && [ -d "$origin/../shared/realdata" ]; then (cd "$origin/../shared/realdata" && pwd); return; fi
  echo "$(cd .. && pwd)/shared/realdata" # missing: the real-data tests say so, and fail under CI=true
}
export CHAINSLEUTH_REALDATA=${CHAINSLEUTH_REALDATA:-$(realdata_default)}
go vet ./...
go test -count=1 -timeout 30m ./... 2>&1 | tee /tmp/chainsleuth-go-test.log

# The dialect test (tests/dialect/check_sql.py): every statement the code sends, taken from
# `chainsleuth sql dump`, executed on chDB (ClickHouse 26.x in-process, both dialects) and on the
# test server above (18.16 here). It runs when chDB is importable; CI installs it so it never skips.
CHDB_VERSION=26.9.0
CHDB_VENV=${CHDB_VENV:-$HOME/.cache/chainsleuth/chdb-core-$CHDB_VERSION}
chdb_python() {
  local py
  for py in "$CHDB_VENV/bin/python3" python3; do
    if command -v "$py" >/dev/null 2>&1 && "$py" -c 'import chdb' 2>/dev/null; then echo "$py"; return 0; fi
  done
  return 1
}
py=$(chdb_python) || true
if [ -z "$py" ] && { [ "${CI:-}" = true ] || [ "${CI:-}" = 1 ]; }; then
  echo "installing chdb-core==$CHDB_VERSION for the dialect test (a virtualenv in $CHDB_VENV, kept as a cache)"
  { python3 -m venv "$CHDB_VENV" && "$CHDB_VENV/bin/pip" install --quiet "chdb-core==$CHDB_VERSION"; } ||
    python3 -m pip install --quiet "chdb-core==$CHDB_VERSION" || true
  py=$(chdb_python) || {
    echo "dialect test: could not install chDB: run pip install chdb-core==$CHDB_VERSION (Debian: apt-get install python3-venv first)" >&2
    exit 1
  }
fi
if [ -n "$py" ]; then
  bindir=$(mktemp -d)
  trap 'rm -rf "$bindir"' EXIT
  go build -o "$bindir/chainsleuth" ./cmd/chainsleuth
  "$py" tests/dialect/check_sql.py --chainsleuth "$bindir/chainsleuth" --clickhouse "$CHAINSLEUTH_TEST_CLICKHOUSE"
else
  echo "dialect test skipped: chDB not installed (pip install chdb-core)"
fi
