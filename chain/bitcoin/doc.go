// Package bitcoin reads Bitcoin blocks from a node and turns them into the
// records the ingest pipeline stores: blocks, transactions, inputs and
// outputs, each output with its script type and address.
//
// # What comes in
//
// Raw blocks, fetched over JSON-RPC from btcd or Bitcoin Core with
// getblockhash and getblock <hash> 0 (Client), or handed over already
// deserialized as a wire.MsgBlock (DecodeBlock). Raw blocks are preferred to
// the node's verbose JSON: they are smaller, decode faster, carry no floats,
// and are the same on every node implementation.
//
// # What goes out
//
// A Block with its Txs, Inputs and Outputs. Every output is classified by
// ClassifyOutput: P2PK, P2PKH, P2SH, P2WPKH, P2WSH, P2TR, bare multisig,
// pay-to-anchor, null data (OP_RETURN), unknown witness versions and
// non-standard scripts. Standard outputs get the address they pay, encoded for
// the node's network; a P2PK output gets the P2PKH address of its key, as
// explorers show it, and a bare multisig gets a synthetic
// "multisig:<m>-of-<n>:<addr>,…" address listing its keys. Scripts that pay
// no address (null data, non-standard, unknown witness) keep their type and an
// empty address.
//
// A block does not say what its inputs spend: the value and address of a
// spent output live in the block that created it. The pipeline resolves
// them from outputs it has already stored; for history it has not seen,
// InferInput reads what the input itself reveals: the public key of a P2PKH
// or P2WPKH spend, the redeem script of a P2SH spend (multisig, or a wrapped
// witness program), the witness script of a P2WSH spend, the control block of
// a taproot script-path spend. That is enough for co-spend clustering on
// partial history; values stay unknown. Taproot key-path, P2PK and bare
// multisig spends reveal no address and are left Unknown.
//
// # What can go wrong
//
// The node may be down, unreachable or refuse the credentials: Dial checks
// all three up front and says which, naming host:port but never the password
// (ErrUnauthorized for refused credentials). getrawtransaction on a node
// without a transaction index fails with ErrNoTxIndex. Every call takes a
// context and returns when it ends, even though btcd's rpcclient has no
// per-call context: the abandoned request finishes in the background or is
// cut short by Close. A node answering with a block or transaction that does
// not hash to what was asked for is an error, not data.
//
// Decoding itself does not fail on valid consensus data: any script, however
// malformed, is classified (as nonstandard if nothing else), and inference
// that is not sure gives Unknown rather than a guess.
package bitcoin
