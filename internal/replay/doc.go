// Package replay serves recorded JSON-RPC answers of real mainnet nodes over
// HTTP, so that clients can be tested end to end, offline, against real data
// and without mocks.
//
// BitcoinHandler answers like a Bitcoin Core mainnet node from the shared
// real-data directory (see internal/realdata): the recorded bitcoind answers
// of bitcoin-etl's tests (blocks 0, 1, 50000-50002, three previous
// transactions, the recorded tip) and every raw block of the block index
// (450 blocks from 0 to 702861). getblock <hash> 0 is rebuilt from
// bitcoin-etl's verbosity-2 recordings (the header fields and each
// transaction's hex) and served only when the rebuilt header hashes to the
// recorded hash and the transactions to the recorded merkle root.
//
// The chain it serves is sparse: getblockcount (and getblockchaininfo's
// "blocks") is the highest height it knows, 702861, but only the recorded
// heights have a hash; any other height is "Block height out of range", as
// above a real node's tip. getrawtransaction serves bitcoin-etl's recorded
// transactions (verbose or not) and, raw only, every transaction of the
// indexed blocks. Spent outputs of block 277647 (btcd's utxo store) are not
// served: their transactions are not in the data.
//
// It speaks what btcd's rpcclient and bitcoind clients send: JSON-RPC 1.0 and
// 2.0 over HTTP POST with basic auth, single requests and batch arrays. What
// it has no recording for gets the error a node would give: -32601 for an
// unknown method, -5 for an unknown block or transaction, -8 for a height out
// of range or an answer shape that was never recorded. Error status codes
// follow bitcoind (404 and 500 for failed JSON-RPC 1.0 requests, 401 for
// refused credentials).
package replay
