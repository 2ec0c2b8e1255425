package scaledata_test

import (
	"context"
	"testing"

	"github.com/chainsleuth/chainsleuth/internal/scaledata"
	"github.com/chainsleuth/chainsleuth/internal/testenv"
)

// A small dataset, generated in two steps and then again (which adds
// nothing), has its transfers once each and an ingest checkpoint above its
// last block.
func TestGenerateWritesTransfersOnceAndACheckpointAboveThem(t *testing.T) {
	st, _ := testenv.Store(t)
	ctx := context.Background()
	const n = 7000 // blocks 0, 1 and 2
	for range 2 {
		if err := scaledata.Generate(ctx, st, n, 4000, nil); err != nil {
			t.Fatal(err)
		}
	}
	var count, maxHeight uint64
	if err := st.QueryRow(ctx, "transfers", "SELECT count(), max(height) FROM transfers FINAL WHERE chain = 'btc'", nil, &count, &maxHeight); err != nil {
		t.Fatal(err)
	}
	var next, rows uint64
	if err := st.QueryRow(ctx, "checkpoint", "SELECT max(next_height), count() FROM ingest_checkpoints FINAL WHERE chain = 'btc'", nil, &next, &rows); err != nil {
		t.Fatal(err)
	}
	if count != n || maxHeight != 2 || next != 3 || rows != 1 {
		t.Errorf("%d transfers up to height %d, checkpoint %d in %d rows; want %d up to 2, one checkpoint at 3", count, maxHeight, next, rows, n)
	}
}
