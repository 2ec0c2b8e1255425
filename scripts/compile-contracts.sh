#!/usr/bin/env bash
# Compiles the dev chain's test contracts (internal/devnet/contracts/*.sol) with solc from npm and writes,
# beside the sources, <Contract>.abi.json and <Contract>.bin (hex creation bytecode) for every deployable
# contract. The artifacts are committed, so tests and builds need no compiler: run this only after editing
# a .sol file, and commit what it writes.
#
#   scripts/compile-contracts.sh           compile and write the artifacts
#   scripts/compile-contracts.sh --check   compile and fail if the committed artifacts differ (CI, review)
#
# Environment: SOLC_VERSION (default 0.8.28, pinned so the bytecode is reproducible), CHAINSLEUTH_CACHE
#              (default $HOME/.cache/chainsleuth; solc is installed once into its solc-$SOLC_VERSION folder).
# Needs node and npm; the npm package `solc` ships the compiler itself (soljson.js), nothing else is fetched.
set -euo pipefail
SOLC_VERSION=${SOLC_VERSION:-0.8.28}
EVM_VERSION=cancun # the dev chain runs Cancun and Prague (internal/devnet/genesis.go); cancun code runs on both
CACHE=${CHAINSLEUTH_CACHE:-$HOME/.cache/chainsleuth}
SOLC_DIR="$CACHE/solc/$SOLC_VERSION"
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
SRC="$ROOT/internal/devnet/contracts"

check=0
case "${1:-}" in
  --check) check=1 ;;
  "") ;;
  *) echo "usage: $0 [--check]" >&2; exit 2 ;;
esac

command -v node >/dev/null || { echo "compile-contracts: node is needed (apt-get install nodejs npm)" >&2; exit 1; }
if [ ! -f "$SOLC_DIR/node_modules/solc/package.json" ]; then
  command -v npm >/dev/null || { echo "compile-contracts: npm is needed (apt-get install npm)" >&2; exit 1; }
  echo "installing solc $SOLC_VERSION from npm into $SOLC_DIR" >&2
  mkdir -p "$SOLC_DIR"
  npm install --prefix "$SOLC_DIR" --no-audit --no-fund --silent "solc@$SOLC_VERSION" >&2
fi

out="$SRC"
if [ "$check" = 1 ]; then
  out="$(mktemp -d)"
  trap 'rm -rf "$out"' EXIT
fi

SOLC_MODULE="$SOLC_DIR/node_modules/solc" SRC="$SRC" OUT="$out" EVM_VERSION="$EVM_VERSION" node - <<'EOF'
const fs = require('fs');
const path = require('path');
const solc = require(process.env.SOLC_MODULE);
const src = process.env.SRC, out = process.env.OUT;

const sources = {};
for (const f of fs.readdirSync(src).filter((f) => f.endsWith('.sol')).sort()) {
  sources[f] = { content: fs.readFileSync(path.join(src, f), 'utf8') };
}
const input = {
  language: 'Solidity',
  sources,
  settings: {
    evmVersion: process.env.EVM_VERSION,
    optimizer: { enabled: true, runs: 200 },
    // No metadata hash: the bytecode then depends only on the code, not on comments or file names.
    metadata: { bytecodeHash: 'none' },
    outputSelection: { '*': { '*': ['abi', 'evm.bytecode.object'] } },
  },
};
const output = JSON.parse(solc.compile(JSON.stringify(input)));
let failed = false;
for (const e of output.errors || []) {
  console.error(e.formattedMessage.trimEnd());
  if (e.severity === 'error') failed = true;
}
if (failed) process.exit(1);

const seen = new Set();
for (const file of Object.keys(output.contracts).sort()) {
  for (const [name, c] of Object.entries(output.contracts[file])) {
    const bin = c.evm.bytecode.object;
    if (!bin) continue; // interfaces and abstract contracts: nothing to deploy
    if (seen.has(name)) throw new Error(`contract ${name} is defined twice`);
    seen.add(name);
    fs.writeFileSync(path.join(out, `${name}.abi.json`), JSON.stringify(c.abi, null, 2) + '\n');
    fs.writeFileSync(path.join(out, `${name}.bin`), bin + '\n');
    console.error(`${name}: ${bin.length / 2} bytes of creation code (${file})`);
  }
}
console.error(`compiled with solc ${solc.version()}`);
EOF

if [ "$check" = 1 ]; then
  status=0
  for f in "$out"/*; do
    if ! cmp -s "$f" "$SRC/$(basename "$f")"; then
      echo "compile-contracts: $(basename "$f") differs from the committed artifact; run scripts/compile-contracts.sh" >&2
      status=1
    fi
  done
  exit $status
fi
