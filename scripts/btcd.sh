#!/usr/bin/env bash
# btcd v0.26.2 on regtest, on loopback, for tests and the demo. Note: btcd deletes its regtest database at every
# start, so a restarted node begins again at the genesis block.
#
#   scripts/btcd.sh path     build btcd once (cached under $HOME/.cache) and print the binary's path
#   scripts/btcd.sh start    start a regtest node (no-op when its RPC already answers)
#   scripts/btcd.sh stop     stop it
#   scripts/btcd.sh rpc METHOD [JSON-PARAMS]   call its JSON-RPC, e.g. `rpc generate [10]`
#
# Environment: BTCD_DIR (data, logs and the node's own HOME; default $HOME/.local/state/chainsleuth/btcd),
#              BTCD_RPC_PORT (default 18334), BTCD_P2P_PORT (default 18444), BTCD_RPC_USER/BTCD_RPC_PASS
#              (default chainsleuth/chainsleuth), BTCD_MINING_ADDR (regtest address paid by `generate`).
set -euo pipefail
VERSION=v0.26.2
CACHE=${CHAINSLEUTH_CACHE:-$HOME/.cache/chainsleuth}
BIN="$CACHE/btcd-$VERSION/btcd"
BTCD_DIR=${BTCD_DIR:-$HOME/.local/state/chainsleuth/btcd}
RPC_PORT=${BTCD_RPC_PORT:-18334}
P2P_PORT=${BTCD_P2P_PORT:-18444}
RPC_USER=${BTCD_RPC_USER:-chainsleuth}
RPC_PASS=${BTCD_RPC_PASS:-chainsleuth}
# A regtest P2PKH address (hash160 of "chainsleuth-default-mining": nobody has its key); tests pass their own.
MINING_ADDR=${BTCD_MINING_ADDR:-muXnG2mCwXB15A1efXBw5U9s1c9Yjv14px}

build() {
  if [ -x "$BIN" ]; then return 0; fi
  command -v go >/dev/null || { echo "btcd: Go is needed to build btcd $VERSION; install Go 1.25+ first" >&2; exit 1; }
  echo "building btcd $VERSION once into $BIN" >&2
  mkdir -p "$(dirname "$BIN")"
  GOBIN="$(dirname "$BIN")" GOFLAGS=-mod=mod go install "github.com/btcsuite/btcd@$VERSION" >&2
}

rpc() {
  local method=$1 params=${2:-[]}
  curl -sf --max-time 30 -u "$RPC_USER:$RPC_PASS" -H 'content-type: application/json' \
    -d "{\"jsonrpc\":\"1.0\",\"id\":1,\"method\":\"$method\",\"params\":$params}" "http://127.0.0.1:$RPC_PORT/"
}

up() { rpc getblockcount >/dev/null 2>&1; }

start() {
  build
  if up; then echo "btcd already up: http://127.0.0.1:$RPC_PORT"; return 0; fi
  mkdir -p "$BTCD_DIR/home"
  # btcd always creates ~/.btcd: give it a HOME of its own.
  HOME="$BTCD_DIR/home" nohup "$BIN" --regtest --notls --txindex \
    --datadir="$BTCD_DIR/data" --logdir="$BTCD_DIR/logs" \
    --rpcuser="$RPC_USER" --rpcpass="$RPC_PASS" --rpclisten="127.0.0.1:$RPC_PORT" \
    --listen="127.0.0.1:$P2P_PORT" --nodnsseed --norelaypriority --miningaddr="$MINING_ADDR" \
    >"$BTCD_DIR/btcd.out" 2>&1 &
  echo $! > "$BTCD_DIR/btcd.pid"
  for _ in $(seq 1 300); do
    if up; then echo "btcd up: http://127.0.0.1:$RPC_PORT (regtest, data in $BTCD_DIR)"; return 0; fi
    kill -0 "$(cat "$BTCD_DIR/btcd.pid")" 2>/dev/null || break
    sleep 0.1
  done
  echo "btcd did not come up; its output says:" >&2
  tail -20 "$BTCD_DIR/btcd.out" >&2 || true
  exit 1
}

stop() {
  local pid
  pid=$(cat "$BTCD_DIR/btcd.pid" 2>/dev/null) || { echo "btcd: no pid file, nothing to stop"; return 0; }
  kill -TERM "$pid" 2>/dev/null || { rm -f "$BTCD_DIR/btcd.pid"; return 0; }
  for _ in $(seq 1 300); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null || true
  rm -f "$BTCD_DIR/btcd.pid"
  echo "btcd stopped"
}

case "${1:-}" in
  path) build; echo "$BIN" ;;
  start) start ;;
  stop) stop ;;
  rpc) shift; rpc "$@"; echo ;;
  *) echo "usage: $0 path|start|stop|rpc METHOD [PARAMS]" >&2; exit 2 ;;
esac
