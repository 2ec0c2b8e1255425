// Package ethereum reads Ethereum blocks from a node over JSON-RPC and turns
// them into the records the ingest pipeline stores: blocks, transactions with
// their receipts, logs, token transfers, call traces (internal value
// transfers), contracts and token metadata.
//
// # What comes in
//
// Answers of an execution client (geth, erigon, reth, Nethermind, Besu) over
// HTTP. Client.FetchBlock asks, in one batched request, for
//
//   - eth_getBlockByNumber with full transactions,
//   - eth_getBlockReceipts (a node without it, which answers -32601, gets one
//     batch of eth_getTransactionReceipt calls instead, from then on),
//   - debug_traceBlockByNumber with geth's callTracer, or Parity's trace_block.
//
// Options.Traces picks the tracing API: "debug", "parity", "off", or "auto",
// which probes with the first block fetched (debug first) and, on a node with
// neither, goes on without traces, logs it once, and marks every block
// TracesMissing so that a later run can backfill them with FetchTraces.
//
// Token and Code make eth_call and eth_getCode requests at a given block (-1
// for the latest).
//
// # What goes out
//
// A Block whose Txs carry their receipt fields (status, gas used, effective
// gas price, created contract) and Logs, whose Traces are the call frames of
// every transaction flattened in Parity's shape (type call/create/suicide/
// reward, call type, trace address, from, to, value, error, status), plus
// Withdrawals. From a Block, pure functions derive the rest:
// DecodeTokenTransfers (ERC-20 and ERC-721 Transfer events), Contracts
// (created by transactions and, from the traces, by contracts), and
// DetectStandards and Selectors (ERC-20 and ERC-721 detection from the
// dispatcher's function selectors, by ethereum-etl's rules).
//
// Conventions: addresses and hashes are lower-case 0x hex; amounts (wei,
// token units) are exact *big.Int values, never floats, and never nil where
// an amount always exists (values, gas prices); fields a transaction type or
// fork lacks are nil (BaseFee before London, MaxFee of a legacy transaction,
// TotalSupply of a token without it). A Trace's Status is 0 when the frame or
// any of its callers failed, whose value then never moved (Trace.MovesValue
// says whether a frame moved ETH: delegatecall and callcode frames never do).
// A transaction before Byzantium has a receipt without a status; it takes the
// status of its top trace, or StatusUnknown when there are no traces.
//
// geth's callTracer and Parity's trace_block differ in details that stay
// visible: geth names the code's address as the callee of a callcode where
// Parity names the caller, old geth reports a self-destruct as a bare frame
// without addresses or value, geth reports no block rewards, and the two word
// errors differently ("out of gas" against "Out of gas").
//
// # What can go wrong
//
// The node may be down, unreachable, or refuse the credentials: Dial checks
// with a TCP connection and eth_chainId, and says which, naming host[:port]
// but never the credentials or the URL's path (where hosted nodes keep the
// API key); ErrUnauthorized for refused credentials. Every call takes a
// context. Connection failures, HTTP 429 and 5xx, and per-call rate-limit
// errors are retried with exponential backoff for at most Options.Timeout; a
// batch the node refuses as too large is sent again in halves. Errors wrap
// with the block, node and method ("fetch block 18000000 from
// 127.0.0.1:8545: eth_getBlockReceipts: node error -32000: …"); a node's
// error object is an *RPCError.
//
// The answers of one fetch are checked against each other: receipts and
// traces must belong to the block's transactions (same block hash, one
// receipt and one top-level trace per transaction). When the chain
// reorganises between calls they do not; FetchBlock fetches again and, after
// three tries, returns an error wrapping ErrInconsistent. A block above the
// tip is ErrBlockNotFound.
//
// Decoding never panics on malformed input: JSON that does not fit is an
// error, a log that is not a well-formed Transfer is not a token transfer,
// and a token whose name()/symbol()/decimals()/totalSupply() are missing,
// revert, or answer bytes32 instead of a string still gives a Token, with
// empty fields and Decimals -1 where nothing could be read.
package ethereum
