package score

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/chainsleuth/chainsleuth/ingest/checkpoint"
	"github.com/chainsleuth/chainsleuth/ingest/store"
	"github.com/chainsleuth/chainsleuth/internal/testenv"
)

// The latest transfer time is read from the blocks just below the ingest
// checkpoint when those hold transfers, and from the whole table when there
// is no checkpoint or the tail is empty.
func TestTheLatestTransferTimeIsReadNearTheTip(t *testing.T) {
	st, _ := testenv.Store(t)
	ctx := context.Background()
	const blocks = 3000
	base := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	var chains, txids, froms, tos, assets, amounts, kinds []string
	var heights []uint64
	var times []time.Time
	var idxs []uint32
	var values []float64
	for h := range uint64(blocks) {
		at := base.Add(time.Duration(h) * time.Minute)
		switch h {
		case 2500: // later than the blocks above it (Bitcoin's block times are not strictly increasing)
			at = base.Add(4000 * time.Minute)
		case 100: // later still, but a week of blocks below the tip
			at = base.Add(9000 * time.Minute)
		}
		chains, heights, times, txids, idxs = append(chains, "btc"), append(heights, h), append(times, at), append(txids, fmt.Sprintf("tx%d", h)), append(idxs, 0)
		froms, tos, assets, amounts = append(froms, "a"), append(tos, "b"), append(assets, "BTC"), append(amounts, "1")
		values, kinds = append(values, 1e-8), append(kinds, "utxo")
	}
	if err := st.Insert(ctx, store.Batch{Table: "transfers",
		Columns: []string{"chain", "height", "time", "txid", "idx", "from_address", "to_address", "asset", "amount", "value", "kind"},
		Data:    []any{chains, heights, times, txids, idxs, froms, tos, assets, amounts, values, kinds}}); err != nil {
		t.Fatal(err)
	}
	checkpointAt := func(next int64, version uint64) {
		t.Helper()
		if err := st.Insert(ctx, checkpoint.Record("btc", next, "", version, base)); err != nil {
			t.Fatal(err)
		}
	}
	latest := func() time.Time {
		t.Helper()
		got, err := latestTransferTime(ctx, st, "btc")
		if err != nil {
			t.Fatal(err)
		}
		return time.Unix(int64(got), 0).UTC()
	}
	whole := base.Add(9000 * time.Minute)
	if got := latest(); !got.Equal(whole) {
		t.Errorf("without a checkpoint: %v, want the whole table's latest %v", got, whole)
	}
	checkpointAt(blocks, 1)
	if got, want := latest(), base.Add(4000*time.Minute); !got.Equal(want) {
		t.Errorf("with a checkpoint at %d: %v, want %v, the latest of the %d blocks below it", blocks, got, want, tipBlocks)
	}
	checkpointAt(blocks+5*tipBlocks, 2) // a tip with no transfer for more than tipBlocks blocks
	if got := latest(); !got.Equal(whole) {
		t.Errorf("with an empty tail: %v, want the whole table's latest %v", got, whole)
	}
}
