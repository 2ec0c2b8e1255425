#!/usr/bin/env bash
# The project's own ClickHouse on loopback: Debian's clickhouse-server package, our config, our data directory.
#
#   scripts/clickhouse.sh install   install clickhouse-server/-client with apt-get when missing
#   scripts/clickhouse.sh start     install if needed, start on 127.0.0.1:$CH_PORT (no-op when already up)
#   scripts/clickhouse.sh stop      stop the server started by `start`
#   scripts/clickhouse.sh status    exit 0 when the server answers
#
# Environment: CH_DIR (data, logs, config; default $HOME/.local/state/chainsleuth/clickhouse),
#              CH_PORT (native protocol, default 9000), CH_HTTP_PORT (default 8123).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
CH_DIR=${CH_DIR:-$HOME/.local/state/chainsleuth/clickhouse}
CH_PORT=${CH_PORT:-9000}
CH_HTTP_PORT=${CH_HTTP_PORT:-8123}

sudo_if_needed() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

up() { clickhouse-client --host 127.0.0.1 --port "$CH_PORT" -q "SELECT 1" >/dev/null 2>&1; }

install() {
  if [ -x /usr/sbin/clickhouse-server ] && command -v clickhouse-client >/dev/null; then return 0; fi
  echo "installing clickhouse-server and clickhouse-client from the distribution (apt-get)" >&2
  sudo_if_needed apt-get update -qq || { echo "apt-get update failed: check the network or the apt sources" >&2; exit 1; }
  sudo_if_needed env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq clickhouse-server clickhouse-client >/dev/null ||
    { echo "could not install clickhouse-server: install it by hand (apt-get install clickhouse-server clickhouse-client) or run a current ClickHouse from docker-compose.yml" >&2; exit 1; }
}

start() {
  install
  if up; then echo "clickhouse already up on 127.0.0.1:$CH_PORT"; return 0; fi
  mkdir -p "$CH_DIR/log" "$CH_DIR/data"
  sed -e "s#@DIR@#$CH_DIR#g" -e "s#@TCP_PORT@#$CH_PORT#g" -e "s#@HTTP_PORT@#$CH_HTTP_PORT#g" \
    "$HERE/clickhouse/config.xml.tmpl" > "$CH_DIR/config.xml"
  cp "$HERE/clickhouse/users.xml" "$CH_DIR/users.xml"
  rm -f "$CH_DIR/clickhouse.pid"
  /usr/sbin/clickhouse-server --config-file="$CH_DIR/config.xml" --pid-file="$CH_DIR/clickhouse.pid" --daemon
  for _ in $(seq 1 400); do
    if up; then echo "clickhouse up on 127.0.0.1:$CH_PORT (data in $CH_DIR)"; return 0; fi
    sleep 0.05
  done
  echo "clickhouse did not come up on 127.0.0.1:$CH_PORT; its error log says:" >&2
  tail -20 "$CH_DIR/log/clickhouse-server.err.log" >&2 || true
  exit 1
}

stop() {
  local pid
  pid=$(cat "$CH_DIR/clickhouse.pid" 2>/dev/null) || { echo "clickhouse: no pid file in $CH_DIR, nothing to stop"; return 0; }
  kill -TERM "$pid" 2>/dev/null || { rm -f "$CH_DIR/clickhouse.pid"; return 0; }
  for _ in $(seq 1 300); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null || true
  rm -f "$CH_DIR/clickhouse.pid"
  echo "clickhouse stopped"
}

case "${1:-}" in
  install) install ;;
  start) start ;;
  stop) stop ;;
  status) if up; then echo "clickhouse up on 127.0.0.1:$CH_PORT"; else echo "clickhouse down"; exit 1; fi ;;
  *) echo "usage: $0 install|start|stop|status" >&2; exit 2 ;;
esac
