package eth

import (
	"context"

	"github.com/chainsleuth/chainsleuth/chain/ethereum"
	"github.com/chainsleuth/chainsleuth/ingest/store"
	"github.com/chainsleuth/chainsleuth/ingest/verify"
)

// VerifyBlocksQuery reads, per stored height in a range, the distinct hashes
// and the rows the block says eth_txs, eth_logs and eth_traces hold for it
// (FINAL: what readers see).
const VerifyBlocksQuery = `SELECT height, groupArray(hash) AS hashes, any(tx_count), any(log_count), any(trace_count)
FROM (SELECT DISTINCT height, hash, tx_count, log_count, trace_count FROM eth_blocks FINAL WHERE height >= ? AND height <= ?)
GROUP BY height ORDER BY height`

// VerifyDuplicateTxsQuery finds transactions stored at more than one height
// in a range (a leftover of a fork that was not rolled back).
const VerifyDuplicateTxsQuery = `SELECT hash, groupArray(height) FROM (SELECT DISTINCT hash, height FROM eth_txs FINAL WHERE height >= ? AND height <= ?)
GROUP BY hash HAVING count() > 1`

// verifySpec is what Verify checks: eth_txs, eth_logs and eth_traces per
// height against the block's tx_count, log_count and trace_count (0 for a
// block ingested without traces).
var verifySpec = verify.Spec{
	Blocks:       VerifyBlocksQuery,
	DuplicateTxs: VerifyDuplicateTxsQuery,
	Counts: []verify.Count{
		verify.CountRows("eth_txs"),
		verify.CountRows("eth_logs"),
		verify.CountRows("eth_traces"),
	},
}

// Verify compares the stored blocks in [from, to] with the node: every height
// must be stored once, with the node's hash, and with as many transactions,
// logs and call frames as its block row says; no transaction may be stored
// at two heights.
func Verify(ctx context.Context, st *store.Store, node *ethereum.Client, from, to int64) (verify.Report, error) {
	return verify.Run(ctx, st, node, verifySpec, from, to)
}
