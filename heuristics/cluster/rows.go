package cluster

import "github.com/chainsleuth/chainsleuth/ingest/store"

// Row builders of the tables the job writes; the statement registry uses them too.

func addressIDRows(chain string, runID uint64, addrs []string, ids []uint32, first []uint64) store.Batch {
	n := len(addrs)
	heights := make([]uint64, n)
	for i, p := range first {
		heights[i] = p / PositionScale
	}
	return store.Batch{Table: "address_ids", Columns: []string{"chain", "address", "id", "first_height", "run_id"},
		Data: []any{repeat(chain, n), addrs, ids, heights, repeat(runID, n)}}
}

func addressClusterRows(chain string, runID uint64, ids, clusterIDs []uint32) store.Batch {
	n := len(ids)
	return store.Batch{Table: "address_clusters", Columns: []string{"chain", "address_id", "cluster_id", "run_id"},
		Data: []any{repeat(chain, n), ids, clusterIDs, repeat(runID, n)}}
}

func clusterRows(chain string, runID uint64, clusterIDs []uint32, sizes []uint64) store.Batch {
	n := len(clusterIDs)
	return store.Batch{Table: "clusters", Columns: []string{"chain", "cluster_id", "size", "run_id"},
		Data: []any{repeat(chain, n), clusterIDs, sizes, repeat(runID, n)}}
}

// appliedEvidence is evidence with the ids of its ends and whether it merged.
type appliedEvidence struct {
	Evidence
	AID, BID uint32
	Merged   bool
}

func evidenceRows(chain string, runID uint64, ev []appliedEvidence) store.Batch {
	n := len(ev)
	var (
		heuristic, tx, a, b, detail = make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n)
		height                      = make([]uint64, n)
		confidence                  = make([]float64, n)
		aID, bID                    = make([]uint32, n), make([]uint32, n)
		merged                      = make([]uint8, n)
	)
	for i, e := range ev {
		heuristic[i], tx[i], a[i], b[i], detail[i] = e.Heuristic, e.Tx, e.A, e.B, e.Detail
		height[i], confidence[i], aID[i], bID[i] = e.Height, e.Confidence, e.AID, e.BID
		if e.Merged {
			merged[i] = 1
		}
	}
	return store.Batch{Table: "cluster_evidence",
		Columns: []string{"chain", "heuristic", "tx", "height", "confidence", "a", "b", "a_id", "b_id", "merged", "detail", "run_id"},
		Data:    []any{repeat(chain, n), heuristic, tx, height, confidence, a, b, aID, bID, merged, detail, repeat(runID, n)}}
}

func coinJoinRows(chain string, runID uint64, cjs []CoinJoin) store.Batch {
	n := len(cjs)
	var (
		txid, pattern                = make([]string, n), make([]string, n)
		height, denom                = make([]uint64, n), make([]uint64, n)
		inputs, outputs, participant = make([]uint32, n), make([]uint32, n), make([]uint32, n)
	)
	for i, c := range cjs {
		txid[i], pattern[i], height[i], denom[i] = c.TxID, c.Pattern, c.Height, c.Denomination
		inputs[i], outputs[i], participant[i] = uint32(c.Inputs), uint32(c.Outputs), uint32(c.Participants)
	}
	return store.Batch{Table: "coinjoins",
		Columns: []string{"chain", "txid", "height", "pattern", "inputs", "outputs", "participants", "denomination", "run_id"},
		Data:    []any{repeat(chain, n), txid, height, pattern, inputs, outputs, participant, denom, repeat(runID, n)}}
}

func heldMergeRows(chain string, runID uint64, held []HeldMerge) store.Batch {
	n := len(held)
	var (
		heuristic, tx, a, b  = make([]string, n), make([]string, n), make([]string, n), make([]string, n)
		height, aSize, bSize = make([]uint64, n), make([]uint64, n), make([]uint64, n)
		confidence           = make([]float64, n)
		aCluster, bCluster   = make([]uint32, n), make([]uint32, n)
	)
	for i, h := range held {
		heuristic[i], tx[i], a[i], b[i] = h.Heuristic, h.Tx, h.A, h.B
		height[i], aSize[i], bSize[i], confidence[i] = h.Height, uint64(h.ASize), uint64(h.BSize), h.Confidence
		aCluster[i], bCluster[i] = h.AClusterID, h.BClusterID
	}
	return store.Batch{Table: "held_merges",
		Columns: []string{"chain", "heuristic", "tx", "height", "confidence", "a", "b", "a_cluster", "b_cluster", "a_size", "b_size", "run_id"},
		Data:    []any{repeat(chain, n), heuristic, tx, height, confidence, a, b, aCluster, bCluster, aSize, bSize, repeat(runID, n)}}
}

func repeat[T any](v T, n int) []T {
	out := make([]T, n)
	for i := range out {
		out[i] = v
	}
	return out
}
