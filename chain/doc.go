// Package chain holds the chain model shared by every connector: the
// value-transfer record (Transfer) that both Bitcoin and Ethereum are reduced
// to for analytics, and the kinds and assets it uses.
//
// Connectors live in sub-packages, one per chain family:
//
//   - chain/bitcoin reads blocks from btcd or Bitcoin Core over JSON-RPC and
//     decodes raw blocks with btcd's wire and txscript packages.
//   - chain/ethereum reads blocks, receipts, logs and call traces from geth,
//     erigon or reth.
//
// Exact amounts never pass through float64: satoshi travel as integers, wei and
// token units as decimal strings or big integers. The whole-unit float in a
// Transfer exists only for ranking and sums at the analytics edge.
package chain
