// Package eth ingests Ethereum into ClickHouse on the shared pipeline: it
// adapts the chain/ethereum client (Source) and writes eth_blocks, eth_txs
// (with receipt fields), eth_logs, eth_token_transfers, eth_traces,
// eth_contracts, eth_tokens and the shared transfers table (Sink), with the
// same checkpoint, rollback and row-count verification as Bitcoin
// (ingest/checkpoint).
//
// Transfers. Four kinds of value edges come out of a block: the value of a
// successful top-level transaction (native), value moved by a call frame
// below the top level that did not fail (internal, from traces), and ERC-20
// and ERC-721 Transfer events (erc20, erc721). Wei and token units stay exact
// as decimal strings; the whole-unit float is filled for ETH always and for
// tokens when their decimals are known.
//
// Token metadata is read once per token with eth_call when the token is first
// seen (name, symbol, decimals, total supply; tolerant of bytes32 names and
// reverts) and stored in eth_tokens; later batches read it back from there.
// Contracts are recorded with their creator (an account or another contract)
// and ERC-20/ERC-721 detection from the runtime bytecode's selectors.
//
// A node without a tracing API still gets everything but internal transfers;
// such blocks are marked traces_missing = 1 so a later run can backfill.
package eth
