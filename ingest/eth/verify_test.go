package eth_test

import (
	"slices"
	"strconv"
	"testing"

	"github.com/chainsleuth/chainsleuth/chain/ethereum"
	"github.com/chainsleuth/chainsleuth/ingest/eth"
	"github.com/chainsleuth/chainsleuth/ingest/store"
	"github.com/chainsleuth/chainsleuth/internal/devnet"
	"github.com/chainsleuth/chainsleuth/internal/testenv"
)

func TestVerifyFindsGapsDuplicatesStaleBlocksAndShortCounts(t *testing.T) {
	ctx := testContext(t)
	chain := must(devnet.Start(ctx, devnet.Config{}))(t)
	t.Cleanup(func() { chain.Close() })
	fill := must(devnet.FillBlocks(ctx, chain, 12, 6))(t)
	st, _ := testenv.Store(t)
	ingestRange(t, st, chain.URL(), -1, -1, ethereum.Options{Traces: ethereum.TracesDebug})
	node := must(ethereum.Dial(ctx, chain.URL(), ethereum.Options{Logger: quiet()}))(t)
	t.Cleanup(node.Close)
	tip := int64(chain.Head())

	rep := must(eth.Verify(ctx, st, node, 0, tip))(t)
	if len(rep.Problems) != 0 || rep.Blocks != tip+1 {
		t.Fatalf("a clean ingest: %d blocks checked (want %d), problems %+v", rep.Blocks, tip+1, rep.Problems)
	}

	first := int64(fill.First)
	del := func(table, where string, args ...any) {
		t.Helper()
		must(0, st.DeleteWhere(ctx, table, where, args...))(t)
	}
	ins := func(b store.Batch) {
		t.Helper()
		must(0, st.Insert(ctx, b))(t)
	}
	// A gap.
	del("eth_blocks", "height = ?", uint64(first))
	// Another block's row replacing the one at first+1.
	ins(store.Batch{Table: "eth_blocks", Columns: []string{"height", "hash"},
		Data: []any{[]uint64{uint64(first + 1)}, []string{"0x" + "00000000000000000000000000000000000000000000000000000000deadbeef"}}})
	// Short counts: a log of first+2, a call frame of first+3, a transaction of first+4.
	del("eth_logs", "height = ? AND log_index = 0", uint64(first+2))
	del("eth_traces", "height = ? AND tx_index = 0 AND trace_address = ''", uint64(first+3))
	del("eth_txs", "height = ? AND tx_index = 0", uint64(first+4))
	// A transaction of first+5 also stored at first+6 (a leftover of an old fork).
	var hash string
	must(0, st.QueryRow(ctx, "test: a tx", "SELECT hash FROM eth_txs FINAL WHERE height = ? LIMIT 1", []any{uint64(first + 5)}, &hash))(t)
	ins(store.Batch{Table: "eth_txs", Columns: []string{"hash", "height"}, Data: []any{[]string{hash}, []uint64{uint64(first + 6)}}})
	// The node replaces its tip: the stored tip goes stale.
	must(chain.Reorg(1))(t)

	rep = must(eth.Verify(ctx, st, node, 0, tip))(t)
	var got []string
	for _, p := range rep.Problems {
		got = append(got, p.Kind+"@"+strconv.FormatInt(p.Height-first, 10))
	}
	slices.Sort(got)
	want := []string{"missing@0", "stale@1", "count@2", "count@3", "count@4", "duplicate@5", "count@6",
		"stale@" + strconv.FormatInt(tip-first, 10)}
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Fatalf("problems (heights above the first filled block)\n got %v\nwant %v\n%+v", got, want, rep.Problems)
	}

	t.Run("a range is checked alone", func(t *testing.T) {
		rep := must(eth.Verify(ctx, st, node, first+2, first+2))(t)
		if rep.Blocks != 1 || len(rep.Problems) != 1 || rep.Problems[0].Detail != "eth_logs holds "+
			strconv.FormatUint(count(t, st, "eth_logs", "height = ?", uint64(first+2)), 10)+" rows, the block has "+
			strconv.FormatUint(count(t, st, "eth_logs", "height = ?", uint64(first+2))+1, 10) {
			t.Errorf("block %d alone: %+v", first+2, rep)
		}
	})
}
