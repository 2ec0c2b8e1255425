// Package btc ingests Bitcoin into ClickHouse: it adapts the chain/bitcoin
// client to the shared pipeline (Source), resolves every input's spent output,
// and writes btc_blocks, btc_txs, btc_inputs, btc_outputs and the shared
// transfers table (Sink).
//
// Spent outputs. btcd's getblock gives no prevout address or value, so the
// sink resolves them itself, with bounded memory: the batch's own outputs,
// then a bounded cache of recent outputs (most spends are recent), then one
// batched lookup of btc_outputs in ClickHouse for the rest, then — for history
// before the ingested range — the node's getrawtransaction when it has a
// transaction index, and finally the address inferred from the scriptSig or
// witness with the value marked unknown. No map of every unspent output is ever
// held in RAM: at mainnet scale the working set is the cache (a fixed number
// of entries) plus one batch.
//
// Transfers. Each transaction becomes address-to-address edges: every input
// address is apportioned to the output addresses by value (the usual
// "estimated value" of a UTXO edge), exactly, in integer satoshi. Change sent
// back to an input address is not an edge. Coinbase outputs are edges from the
// empty address.
//
// A batch is committed in this order: rows of every table, a count of what
// landed per table (a short write fails loudly), then the checkpoint. A crash
// anywhere leaves rows above the checkpoint that the next run removes first.
package btc
