package checkpoint

import (
	"slices"
	"testing"

	"github.com/chainsleuth/chainsleuth/ingest/store"
)

func rowsOf(table string, n int) store.Batch {
	ids := make([]uint64, n)
	for i := range ids {
		ids[i] = uint64(i)
	}
	return store.Batch{Table: table, Columns: []string{"id"}, Data: []any{ids}}
}

// A Bitcoin batch of 412 regtest blocks: the transfers' insert is cut in
// two, about the outputs' size, and every row is sent once, in order.
func TestPiecesCutTheLargestInsertToTheSecondsSizeAndKeepEveryRow(t *testing.T) {
	in := []store.Batch{rowsOf("btc_blocks", 412), rowsOf("btc_txs", 15_413), rowsOf("btc_inputs", 29_941),
		rowsOf("btc_outputs", 40_011), rowsOf("transfers", 75_515)}
	out := pieces(in)
	count := map[string]int{}
	sent := map[string][]uint64{}
	for _, p := range out {
		count[p.Table]++
		sent[p.Table] = append(sent[p.Table], p.Data[0].([]uint64)...)
	}
	want := map[string]int{"btc_blocks": 1, "btc_txs": 1, "btc_inputs": 1, "btc_outputs": 1, "transfers": 2}
	for table, n := range want {
		if count[table] != n {
			t.Errorf("%s in %d inserts, want %d", table, count[table], n)
		}
	}
	for _, b := range in {
		if !slices.Equal(sent[b.Table], b.Data[0].([]uint64)) {
			t.Errorf("%s: the pieces do not hold the batch's rows in order", b.Table)
		}
	}
}

// Batches stay whole when the largest is not about twice the second (an
// Ethereum batch: traces and transfers alike), when it is small (below
// minPieceRows an insert's fixed cost outweighs the parallel write), or when
// it is the only one with rows. An empty batch is still sent once.
func TestPiecesLeaveBatchesOfSimilarOrSmallSizesWhole(t *testing.T) {
	for _, in := range [][]store.Batch{
		{rowsOf("eth_blocks", 500), rowsOf("eth_txs", 25_000), rowsOf("eth_traces", 40_000), rowsOf("transfers", 40_100)},
		{rowsOf("btc_blocks", 0), rowsOf("btc_txs", 600), rowsOf("transfers", 29_000)},
		{rowsOf("btc_blocks", 0)},
		{rowsOf("eth_blocks", 0), rowsOf("transfers", 300_000)}, // nothing to balance against
		{rowsOf("transfers", 300_000)},
		{},
	} {
		out := pieces(in)
		if len(out) != len(in) {
			t.Fatalf("%d inserts for %d batches", len(out), len(in))
		}
		for i := range in {
			if out[i].Table != in[i].Table || out[i].Len() != in[i].Len() {
				t.Errorf("insert %d: %s with %d rows, want %s with %d", i, out[i].Table, out[i].Len(), in[i].Table, in[i].Len())
			}
		}
	}
}

// However small the second batch, the largest is cut into at most
// maxPieces pieces.
func TestPiecesAreAtMostMaxPieces(t *testing.T) {
	out := pieces([]store.Batch{rowsOf("btc_txs", 25_000), rowsOf("transfers", 1_000_000)})
	if len(out) != 1+maxPieces {
		t.Fatalf("%d inserts, want the small batch and %d pieces", len(out), maxPieces)
	}
}
