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
// three, the outputs' in two, and every row is sent once, in order.
func TestPiecesCutTheLargeInsertsIntoEvenSharesAndKeepEveryRow(t *testing.T) {
	in := []store.Batch{rowsOf("btc_blocks", 412), rowsOf("btc_txs", 15_413), rowsOf("btc_inputs", 29_941),
		rowsOf("btc_outputs", 40_011), rowsOf("transfers", 75_515)}
	out := pieces(in)
	count := map[string]int{}
	sent := map[string][]uint64{}
	for _, p := range out {
		count[p.Table]++
		if p.Len() > 32_259 {
			t.Errorf("a piece of %s holds %d rows, more than the even share 32,259", p.Table, p.Len())
		}
		sent[p.Table] = append(sent[p.Table], p.Data[0].([]uint64)...)
	}
	want := map[string]int{"btc_blocks": 1, "btc_txs": 1, "btc_inputs": 1, "btc_outputs": 2, "transfers": 3}
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

// Small batches stay whole: below minPieceRows an insert's fixed cost
// outweighs the parallel write, and an empty batch is still sent once.
func TestPiecesLeaveSmallBatchesWhole(t *testing.T) {
	in := []store.Batch{rowsOf("btc_blocks", 0), rowsOf("btc_txs", 600), rowsOf("transfers", minPieceRows)}
	out := pieces(in)
	if len(out) != len(in) {
		t.Fatalf("%d inserts for %d small batches", len(out), len(in))
	}
	for i := range in {
		if out[i].Table != in[i].Table || out[i].Len() != in[i].Len() {
			t.Errorf("insert %d: %s with %d rows, want %s with %d", i, out[i].Table, out[i].Len(), in[i].Table, in[i].Len())
		}
	}
}
