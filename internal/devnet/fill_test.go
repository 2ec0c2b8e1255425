package devnet

import (
	"math/big"
	"testing"
)

func TestFillBlocksSealsFullBlocksOfMixedTransactions(t *testing.T) {
	nBlocks, txPerBlock := 100, 50
	if testing.Short() {
		nBlocks, txPerBlock = 10, 20
	}
	chain := startChain(t, Config{})
	ctx := testContext(t)
	st, err := FillBlocks(ctx, chain, nBlocks, txPerBlock)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("FillBlocks(%d blocks x %d tx): %v, %.0f tx/s, %.1f ms/block (setup blocks %d-%d)",
		nBlocks, txPerBlock, st.Elapsed, float64(st.Transactions)/st.Elapsed.Seconds(),
		float64(st.Elapsed.Milliseconds())/float64(nBlocks), st.SetupFirst, st.SetupLast)

	if st.First != st.SetupLast+1 || st.Last != st.First+uint64(nBlocks)-1 || chain.Head() != st.Last {
		t.Errorf("filled blocks %d-%d after setup %d-%d, head %d", st.First, st.Last, st.SetupFirst, st.SetupLast, chain.Head())
	}
	if st.Transactions != nBlocks*txPerBlock || st.Payments+st.TokenTransfers+st.Purchases != st.Transactions || st.Purchases == 0 || st.TokenTransfers == 0 {
		t.Errorf("stats %+v do not add up to %d transactions of each kind", st, nBlocks*txPerBlock)
	}

	// Over HTTP, as an indexer would see it: receipts of every block, and the treasury paid only by
	// internal calls, as much as the crowdsale raised.
	client, raw := dial(t, chain)
	for _, n := range []uint64{st.First, st.Last} {
		if got := len(blockReceipts(t, ctx, raw, n)); got != txPerBlock {
			t.Errorf("block %d has %d receipts, want %d", n, got, txPerBlock)
		}
	}
	raised := callUint(t, ctx, client, st.Crowdsale, Crowdsale, "weiRaised", st.Last)
	treasury := must(client.BalanceAt(ctx, st.Treasury, new(big.Int).SetUint64(st.Last)))(t)
	if raised.Sign() == 0 || raised.Cmp(treasury) != 0 {
		t.Errorf("crowdsale raised %s wei but the treasury holds %s", raised, treasury)
	}
	// The first filled block is nBlocks-1 deep by now: its state is still there to trace it.
	for _, n := range []uint64{st.First, st.Last} {
		internal := new(big.Int)
		traces := traceBlock(t, ctx, raw, n)
		for _, tr := range traces {
			for _, c := range tr.Result.Calls {
				if c.To == st.Treasury {
					internal.Add(internal, c.value())
				}
			}
		}
		if len(traces) != txPerBlock || internal.Sign() == 0 {
			t.Errorf("block %d: %d traces, %s wei to the treasury in internal calls; want %d traces and some wei", n, len(traces), internal, txPerBlock)
		}
	}

	// The same fill on a fresh chain signs the very same transactions.
	a, b := startChain(t, Config{}), startChain(t, Config{})
	stA := must(FillBlocks(ctx, a, 2, 5))(t)
	must(FillBlocks(ctx, b, 2, 5))(t)
	for n := stA.SetupFirst; n <= stA.Last; n++ {
		txA := a.eth.BlockChain().GetBlockByNumber(n).Transactions()
		txB := b.eth.BlockChain().GetBlockByNumber(n).Transactions()
		if len(txA) != len(txB) {
			t.Fatalf("block %d has %d transactions in one fill and %d in the other", n, len(txA), len(txB))
		}
		for i := range txA {
			if txA[i].Hash() != txB[i].Hash() {
				t.Errorf("block %d tx %d differs between two fills: %s vs %s", n, i, txA[i].Hash(), txB[i].Hash())
			}
		}
	}
}

func BenchmarkFillBlocks(b *testing.B) {
	chain := startChain(b, Config{})
	ctx := testContext(b)
	b.ResetTimer()
	for range b.N {
		st, err := FillBlocks(ctx, chain, 10, 50)
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(st.Transactions)/st.Elapsed.Seconds(), "tx/s")
	}
}
