package btc_test

import (
	"context"
	"math/rand/v2"
	"sort"
	"strconv"
	"testing"

	"github.com/chainsleuth/chainsleuth/chain/bitcoin"
	"github.com/chainsleuth/chainsleuth/ingest/btc"
	"github.com/chainsleuth/chainsleuth/ingest/pipeline"
	"github.com/chainsleuth/chainsleuth/ingest/store"
	"github.com/chainsleuth/chainsleuth/internal/regtest"
	"github.com/chainsleuth/chainsleuth/internal/testenv"
)

func TestVerifyFindsGapsDuplicatesStaleBlocksAndShortCounts(t *testing.T) {
	chain := regtest.Start(t, "verify", 105)
	chain.Fill(t, rand.New(rand.NewPCG(5, 5)), 6, 5, 10)
	st, _ := testenv.Store(t)
	ingest(t, st, chain.Node.URL, pipeline.Options{From: -1, To: -1})
	ctx := context.Background()
	node, err := bitcoin.Dial(ctx, chain.Node.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer node.Close()
	tip, _ := node.TipHeight(ctx)

	rep, err := btc.Verify(ctx, st, node, 0, tip)
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Problems) != 0 || rep.Blocks != tip+1 {
		t.Fatalf("a clean ingest: %d blocks checked, problems %+v", rep.Blocks, rep.Problems)
	}

	// Break the store in three ways, and the node in one.
	mustDelete(t, st, "btc_blocks", "height = ?", uint64(10)) // a gap
	// Another block's row replacing the one at height 20.
	mustInsert(t, st, store.Batch{Table: "btc_blocks", Columns: []string{"height", "hash"},
		Data: []any{[]uint64{20}, []string{"00000000000000000000000000000000000000000000000000000000deadbeef"}}})
	mustDelete(t, st, "btc_inputs", "height = ? AND vin = 0", uint64(tip-1)) // short counts
	// A transaction of block tip-1 also stored at height 50 (a leftover of an old fork).
	var txid string
	if err := st.QueryRow(ctx, "a tx", "SELECT txid FROM btc_txs WHERE height = ? AND coinbase = 0 LIMIT 1", []any{uint64(tip - 1)}, &txid); err != nil {
		t.Fatal(err)
	}
	mustInsert(t, st, store.Batch{Table: "btc_txs", Columns: []string{"txid", "height"}, Data: []any{[]string{txid}, []uint64{50}}})
	chain.Reorg(t, tip, 0) // the stored tip goes stale

	rep, err = btc.Verify(ctx, st, node, 0, tip)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, p := range rep.Problems {
		got = append(got, p.Kind+"@"+itoa(p.Height))
	}
	sort.Strings(got)
	want := []string{"count@" + itoa(tip-1), "stale@20", "missing@10", "stale@" + itoa(tip), "duplicate@50", "count@50"}
	sort.Strings(want)
	if len(got) != len(want) {
		t.Fatalf("problems %v, want %v (%+v)", got, want, rep.Problems)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("problems %v, want %v (%+v)", got, want, rep.Problems)
		}
	}
}

func mustDelete(t *testing.T, st *store.Store, table, where string, args ...any) {
	t.Helper()
	if err := st.DeleteWhere(context.Background(), table, where, args...); err != nil {
		t.Fatal(err)
	}
}

func mustInsert(t *testing.T, st *store.Store, b store.Batch) {
	t.Helper()
	if err := st.Insert(context.Background(), b); err != nil {
		t.Fatal(err)
	}
}

func itoa(v int64) string { return strconv.FormatInt(v, 10) }
