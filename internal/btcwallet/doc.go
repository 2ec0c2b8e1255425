// Package btcwallet is a small deterministic regtest wallet for tests, the
// simulator and benchmarks: keys derived from a seed, addresses of every
// common type, a UTXO set it tracks itself, and transactions it builds, signs
// (legacy, SegWit v0, nested SegWit, Taproot key path) and broadcasts to a real
// node over JSON-RPC. It holds no secrets of value: every key is derived
// from a public seed.
package btcwallet
