#!/usr/bin/env bash
# `make demo`: the main job end to end on loopback servers the project starts itself.
#   ClickHouse (Debian's package) · regtest btcd · the Ethereum dev chain (bin/devnet)
#   → simulate a small labelled world → migrate → ingest both chains → (cluster, score, attribute as they land)
#   → print what was found and the commands to explore further.
# Running it twice works: each run starts from fresh nodes and a fresh demo database.
# Environment: CHAINSLEUTH_DEMO_DIR (state, default ~/.local/state/chainsleuth/demo), SEED (default 42).
set -euo pipefail
cd "$(dirname "$0")/.."
STATE=${CHAINSLEUTH_DEMO_DIR:-$HOME/.local/state/chainsleuth/demo}
SEED=${SEED:-42}
BTC_PORT=${DEMO_BTC_RPC_PORT:-18443}
ETH_PORT=${DEMO_ETH_RPC_PORT:-18545}
BTC_P2P_PORT=${DEMO_BTC_P2P_PORT:-18544}
export CHAINSLEUTH_CLICKHOUSE=${CHAINSLEUTH_CLICKHOUSE:-clickhouse://127.0.0.1:${CH_PORT:-9000}/chainsleuth_demo}
export CHAINSLEUTH_BTC_RPC=http://chainsleuth:chainsleuth@127.0.0.1:$BTC_PORT
export CHAINSLEUTH_ETH_RPC=http://127.0.0.1:$ETH_PORT
CS=bin/chainsleuth
step() { printf '\n\033[1m==> %s\033[0m\n' "$*"; }
has() { "$CS" "$@" --help >/dev/null 2>&1; }
mkdir -p "$STATE"
started=$(date +%s)

step "ClickHouse on loopback"
scripts/clickhouse.sh start

step "Bitcoin regtest node (btcd)"
BTCD_DIR="$STATE/btcd" BTCD_RPC_PORT=$BTC_PORT BTCD_P2P_PORT=$BTC_P2P_PORT scripts/btcd.sh stop >/dev/null 2>&1 || true
rm -rf "$STATE/btcd"
MINING=muXnG2mCwXB15A1efXBw5U9s1c9Yjv14px
if has simulate; then MINING=$("$CS" simulate --print-mining-address --seed "$SEED"); fi
BTCD_DIR="$STATE/btcd" BTCD_RPC_PORT=$BTC_PORT BTCD_P2P_PORT=$BTC_P2P_PORT BTCD_MINING_ADDR=$MINING scripts/btcd.sh start

ETH=0
if [ -x bin/devnet ]; then
  step "Ethereum dev chain (bin/devnet)"
  if [ -f "$STATE/devnet.pid" ]; then kill "$(cat "$STATE/devnet.pid")" 2>/dev/null || true; sleep 1; fi
  rm -rf "$STATE/devnet"
  bin/devnet eth --http 127.0.0.1:$ETH_PORT --datadir "$STATE/devnet" >"$STATE/devnet.out" 2>"$STATE/devnet.err" &
  echo $! >"$STATE/devnet.pid"
  for _ in $(seq 1 300); do grep -q "devnet eth ready" "$STATE/devnet.out" 2>/dev/null && break; sleep 0.1; done
  grep "devnet eth ready" "$STATE/devnet.out" || { echo "the dev chain did not start; see $STATE/devnet.err" >&2; tail -5 "$STATE/devnet.err" >&2; exit 1; }
  ETH=1
fi

step "A fresh demo database"
clickhouse-client --port "${CH_PORT:-9000}" -q "DROP DATABASE IF EXISTS chainsleuth_demo"
"$CS" migrate

if has simulate; then
  step "Simulating a small labelled world (seed $SEED)"
  args=(--btc-rpc "$CHAINSLEUTH_BTC_RPC" --seed "$SEED" --scale small --truth "$STATE/truth.json" --companies "$STATE/companies.csv")
  [ $ETH = 1 ] && args+=(--eth-rpc "$CHAINSLEUTH_ETH_RPC")
  "$CS" simulate "${args[@]}"
else
  step "No simulator in this build: mining 120 empty regtest blocks instead"
  BTCD_DIR="$STATE/btcd" BTCD_RPC_PORT=$BTC_PORT scripts/btcd.sh rpc generate '[120]' >/dev/null
fi

step "Ingesting Bitcoin"
"$CS" ingest btc --confirmations 0 --progress log
"$CS" stats btc
if [ $ETH = 1 ] && has ingest eth; then
  step "Ingesting Ethereum"
  "$CS" ingest eth --confirmations 0 --progress log
  "$CS" stats eth
fi
if has cluster; then step "Clustering addresses"; "$CS" cluster; fi
if has import companies && [ -f "$STATE/companies.csv" ]; then step "Importing the company registry"; "$CS" import companies --btc-network regtest "$STATE/companies.csv"; fi
if has score; then step "Scoring clusters"; "$CS" score --period-blocks 10; fi   # the simulator's rounds are blocks
if has attribute; then step "Attributing clusters to companies"; "$CS" attribute; fi

step "Checking the store against the node"
"$CS" verify btc
if [ $ETH = 1 ] && has verify eth; then "$CS" verify eth; fi

# Examples for the commands below, from what this run found: the highest-scored cluster, one of its addresses
# and the company the registry ties to it.
q() { clickhouse-client --port "${CH_PORT:-9000}" -d chainsleuth_demo -q "$1" 2>/dev/null || true; }
TOP=$(q "SELECT chain, cluster_id, company_id FROM v_top_clusters ORDER BY score DESC, chain, cluster_id LIMIT 1")
read -r TOP_CHAIN TOP_CLUSTER TOP_COMPANY <<<"$TOP" || true
ADDR=""
case "${TOP_CHAIN:-}" in btc|eth)
  ADDR=$(q "SELECT address FROM v_address_clusters WHERE chain = '$TOP_CHAIN' AND cluster_id = ${TOP_CLUSTER:-0} ORDER BY address LIMIT 1") ;;
esac
TOP_COMPANY=${TOP_COMPANY:-$(q "SELECT company_id FROM companies FINAL ORDER BY company_id LIMIT 1")}

if has top; then step "Top suspected fundraising clusters, with their companies and reasons"; "$CS" top --limit 10; fi

cat <<MSG

Done in $(( $(date +%s) - started ))s. The servers keep running for you to explore:
  export CHAINSLEUTH_CLICKHOUSE=$CHAINSLEUTH_CLICKHOUSE
  export CHAINSLEUTH_BTC_RPC=$CHAINSLEUTH_BTC_RPC CHAINSLEUTH_ETH_RPC=$CHAINSLEUTH_ETH_RPC
  bin/chainsleuth address ${ADDR:-ADDRESS}        # its cluster, score and reasons, company, totals, counterparties
  bin/chainsleuth trace ${ADDR:-ADDRESS} --direction in --hops 2     # who paid in, cluster by cluster, with tx ids
  bin/chainsleuth trace ${TOP_CLUSTER:-CLUSTER_ID} --chain ${TOP_CHAIN:-eth} --hops 3 --min-value 0.01   # where the money went
  bin/chainsleuth company show ${TOP_COMPANY:-C001}               # a registry company: its clusters, flows and score
  bin/chainsleuth export graph ${ADDR:-ADDRESS} --hops 2 --format dot > flow.dot   # Graphviz (dot -Tsvg); --format gexf for Gephi
  bin/chainsleuth alerts                             # payer-growth alerts
  bin/chainsleuth stats btc --format json
  bin/chainsleuth ingest btc --follow            # keep tailing the regtest chain
  clickhouse-client --port ${CH_PORT:-9000} -d chainsleuth_demo -q "SELECT * FROM v_top_clusters ORDER BY score DESC LIMIT 10"
Ground truth of the simulated world: $STATE/truth.json (if the simulator ran).
Stop everything: make services-down; kill \$(cat $STATE/devnet.pid); BTCD_DIR=$STATE/btcd BTCD_RPC_PORT=$BTC_PORT scripts/btcd.sh stop
MSG
