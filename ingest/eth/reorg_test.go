package eth_test

import (
	"fmt"
	"testing"

	"github.com/chainsleuth/chainsleuth/chain/ethereum"
	"github.com/chainsleuth/chainsleuth/ingest/eth"
	"github.com/chainsleuth/chainsleuth/ingest/pipeline"
	"github.com/chainsleuth/chainsleuth/ingest/store"
	"github.com/chainsleuth/chainsleuth/internal/devnet"
	"github.com/chainsleuth/chainsleuth/internal/testenv"
)

// Real reorgs on the dev chain: shallower than the confirmation depth
// nothing stored changes; deeper, the stored blocks above the fork are
// rolled back and the new chain is ingested. Either way the tables end equal
// to a clean ingest of the final chain, and verify finds nothing.
func TestIngestFollowsRealReorgsShallowerAndDeeperThanTheConfirmationDepth(t *testing.T) {
	for _, depth := range []int{2, 9} {
		t.Run(fmt.Sprintf("depth %d with 6 confirmations", depth), func(t *testing.T) {
			ctx := testContext(t)
			chain := must(devnet.Start(ctx, devnet.Config{}))(t)
			t.Cleanup(func() { chain.Close() })
			must(devnet.FillBlocks(ctx, chain, 20, 5))(t)
			o := pipeline.Options{From: -1, To: -1, Confirmations: 6, BatchBlocks: 5, Workers: 3}
			traces := ethereum.Options{Traces: ethereum.TracesDebug}
			st, _ := testenv.Store(t)
			ingestWith(t, st, chain.URL(), o, traces)
			stored := must(eth.ReadStats(ctx, st))(t).MaxHeight
			head := int64(chain.Head())
			forkParent := head - int64(depth)
			before := storedHash(t, st, min(forkParent, stored))
			replaced := stored > forkParent // the reorg reaches stored blocks

			must(chain.Reorg(depth))(t)
			ingestWith(t, st, chain.URL(), o, traces)

			clean, _ := testenv.Store(t)
			ingestWith(t, clean, chain.URL(), o, traces)
			got, want := testenv.Digest(t, st, testenv.EthereumTables), testenv.Digest(t, clean, testenv.EthereumTables)
			for table := range want {
				if got[table] != want[table] {
					t.Errorf("%s after the reorg: %s; clean ingest: %s", table, got[table], want[table])
				}
			}
			if after := storedHash(t, st, min(forkParent, stored)); after != before {
				t.Errorf("block %d below the fork changed: %s -> %s", min(forkParent, stored), before, after)
			}
			if replaced != (depth > 6) {
				t.Errorf("a reorg of %d blocks reached the stored blocks: %v (stored up to %d, fork above %d)", depth, replaced, stored, forkParent)
			}
			node := must(ethereum.Dial(ctx, chain.URL(), ethereum.Options{Logger: quiet()}))(t)
			defer node.Close()
			tip := must(eth.ReadStats(ctx, st))(t).MaxHeight
			if rep := must(eth.Verify(ctx, st, node, 0, tip))(t); len(rep.Problems) != 0 {
				t.Errorf("verify after the reorg: %+v", rep.Problems)
			}
		})
	}
}

// storedHash is the hash of the block stored at height.
func storedHash(t *testing.T, st *store.Store, height int64) string {
	t.Helper()
	var h string
	must(0, st.QueryRow(testContext(t), "test: stored hash", "SELECT hash FROM eth_blocks FINAL WHERE height = ?", []any{uint64(height)}, &h))(t)
	return h
}
