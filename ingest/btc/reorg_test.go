package btc_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/chainsleuth/chainsleuth/ingest/pipeline"
	"github.com/chainsleuth/chainsleuth/ingest/store"
	"github.com/chainsleuth/chainsleuth/internal/regtest"
	"github.com/chainsleuth/chainsleuth/internal/testenv"
)

// Real reorgs on a real node (btcd's invalidateblock): shallower than the
// confirmation depth nothing stored changes; deeper, the stored blocks above
// the fork are rolled back and the new chain is ingested. Either way the
// tables end equal to a clean ingest of the final chain.
func TestIngestFollowsRealReorgsShallowerAndDeeperThanTheConfirmationDepth(t *testing.T) {
	for _, depth := range []int64{2, 9} {
		t.Run(fmt.Sprintf("depth %d with 6 confirmations", depth), func(t *testing.T) {
			chain := regtest.Start(t, fmt.Sprintf("reorg-%d", depth), 110)
			chain.Fill(t, rand.New(rand.NewPCG(3, uint64(depth))), 15, 6, 20)
			o := pipeline.Options{From: -1, To: -1, Confirmations: 6, BatchBlocks: 5}
			st, _ := testenv.Store(t)
			ingest(t, st, chain.Node.URL, o)
			ctx := context.Background()
			tip, _ := chain.Node.Height(ctx)
			before, _, _ := storedHash(t, st, tip-depth)
			chain.Reorg(t, tip-depth+1, 2)
			ingest(t, st, chain.Node.URL, o)

			clean, _ := testenv.Store(t)
			ingest(t, clean, chain.Node.URL, o)
			got, want := testenv.Digest(t, st, testenv.BitcoinTables), testenv.Digest(t, clean, testenv.BitcoinTables)
			for table := range want {
				if got[table] != want[table] {
					t.Errorf("%s after the reorg: %s; clean ingest: %s", table, got[table], want[table])
				}
			}
			after, _, _ := storedHash(t, st, tip-depth)
			if before != after {
				t.Errorf("the fork point's parent changed: %s -> %s", before, after)
			}
		})
	}
}

func storedHash(t *testing.T, st *store.Store, h int64) (string, bool, error) {
	t.Helper()
	var hash string
	err := st.QueryRow(context.Background(), "hash", "SELECT hash FROM btc_blocks FINAL WHERE height = ?", []any{uint64(h)}, &hash)
	return hash, err == nil, err
}
