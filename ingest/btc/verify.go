package btc

import (
	"context"

	"github.com/chainsleuth/chainsleuth/chain/bitcoin"
	"github.com/chainsleuth/chainsleuth/ingest/store"
	"github.com/chainsleuth/chainsleuth/ingest/verify"
)

// Problem is one inconsistency between the store and the node.
type Problem = verify.Problem

// VerifyReport is what Verify found over a range.
type VerifyReport = verify.Report

// VerifyBlocksQuery reads, per stored height in a range, the distinct hashes
// and the row counts each table holds for it (FINAL: what readers see).
const VerifyBlocksQuery = `SELECT height, groupArray(hash) AS hashes, any(tx_count), any(input_count), any(output_count)
FROM (SELECT DISTINCT height, hash, tx_count, input_count, output_count FROM btc_blocks FINAL WHERE height >= ? AND height <= ?)
GROUP BY height ORDER BY height`

// VerifyDuplicateTxsQuery finds transactions stored at more than one height
// in a range (the two BIP30 coinbase pairs of 2010 are real and excluded).
const VerifyDuplicateTxsQuery = `SELECT txid, groupArray(height) FROM (SELECT DISTINCT txid, height FROM btc_txs FINAL WHERE height >= ? AND height <= ?)
GROUP BY txid HAVING count() > 1 AND txid NOT IN ('d5d27987d2a3dfc724e359870c6644b40e497bdc0589a033220fe15429d88599', 'e3bf3d07d4b0375638d5f1db5255fe07ba2c4cb067cd81b84ee974b6585fb468')`

// verifySpec is what Verify checks: btc_txs, btc_inputs and btc_outputs per
// height against the block's tx_count, input_count and output_count.
var verifySpec = verify.Spec{
	Blocks:       VerifyBlocksQuery,
	DuplicateTxs: VerifyDuplicateTxsQuery,
	Counts: []verify.Count{
		verify.CountRows("btc_txs"),
		verify.CountRows("btc_inputs"),
		verify.CountRows("btc_outputs"),
	},
}

// Verify compares the stored blocks in [from, to] with the node: every height
// must be stored once, with the node's hash, and with as many transactions,
// inputs and outputs as its block row says.
func Verify(ctx context.Context, st *store.Store, node *bitcoin.Client, from, to int64) (VerifyReport, error) {
	return verify.Run(ctx, st, node, verifySpec, from, to)
}
