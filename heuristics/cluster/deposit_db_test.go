package cluster_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/chainsleuth/chainsleuth/heuristics/cluster"
	"github.com/chainsleuth/chainsleuth/ingest/store"
	"github.com/chainsleuth/chainsleuth/internal/testenv"
)

type ethTx struct {
	height     uint64
	from, to   string
	value      float64
	contract   bool
	statusFail bool
}

// writeETH stores blocks 1..last with the given transactions (one per block) and the ingest checkpoint.
func writeETH(t *testing.T, st *store.Store, last uint64, txs []ethTx) {
	t.Helper()
	ctx := context.Background()
	var heights []uint64
	var hashes []string
	for h := uint64(1); h <= last; h++ {
		heights, hashes = append(heights, h), append(hashes, fmt.Sprintf("0xb%063d", h))
	}
	b := store.Batch{Table: "eth_blocks", Columns: []string{"height", "hash"}, Data: []any{heights, hashes}}
	tx := store.Batch{Table: "eth_txs", Columns: []string{"hash", "height", "tx_index", "from_address", "to_address", "value", "value_eth", "status"},
		Data: []any{[]string{}, []uint64{}, []uint32{}, []string{}, []string{}, []string{}, []float64{}, []uint8{}}}
	for i, x := range txs {
		status := uint8(1)
		if x.statusFail {
			status = 0
		}
		tx.Data[0] = append(tx.Data[0].([]string), fmt.Sprintf("0x%064d", i))
		tx.Data[1] = append(tx.Data[1].([]uint64), x.height)
		tx.Data[2] = append(tx.Data[2].([]uint32), 0)
		tx.Data[3] = append(tx.Data[3].([]string), x.from)
		tx.Data[4] = append(tx.Data[4].([]string), x.to)
		tx.Data[5] = append(tx.Data[5].([]string), fmt.Sprint(uint64(x.value*1e9))+"000000000")
		tx.Data[6] = append(tx.Data[6].([]float64), x.value)
		tx.Data[7] = append(tx.Data[7].([]uint8), status)
	}
	cp := store.Batch{Table: "ingest_checkpoints", Columns: []string{"chain", "next_height", "last_hash", "version", "updated_at"},
		Data: []any{[]string{"eth"}, []uint64{last + 1}, []string{hashes[len(hashes)-1]}, []uint64{uint64(time.Now().UnixNano())}, []time.Time{time.Now().UTC()}}}
	for _, batch := range []store.Batch{b, tx, cp} {
		if err := st.Insert(ctx, batch); err != nil {
			t.Fatal(err)
		}
	}
}

// Deposit-address reuse on hand-made Ethereum transactions in ClickHouse: a hot wallet known from an
// exchange tag, forwards within τ and α, and the cases that must not link.
func TestDepositReuseOnStoredTransactions(t *testing.T) {
	st, _ := testenv.Store(t)
	const hot = "0x00000000000000000000000000000000000000aa"
	writeETH(t, st, 60, []ethTx{
		{height: 1, from: "0xu1", to: "0xd1", value: 1.0},
		{height: 2, from: "0xd1", to: hot, value: 0.999},   // forward: d1 is a deposit address, u1 its user
		{height: 3, from: "0xu2", to: "0xd1", value: 0.5},  // another payer into d1: the same user
		{height: 4, from: "0xd1", to: hot, value: 0.4995},  //
		{height: 5, from: "0xu3", to: "0xd2", value: 1.0},  //
		{height: 6, from: "0xd2", to: hot, value: 0.5},     // short by 0.5 ETH > α: a payment, not a forward
		{height: 7, from: "0xu4", to: "0xd3", value: 2.0},  //
		{height: 50, from: "0xd3", to: hot, value: 1.999},  // beyond τ = 10 blocks
		{height: 8, from: "0xu5", to: "0xd4", value: 3.0},  //
		{height: 9, from: "0xd4", to: "0xcc", value: 2.99}, // into an address that is no hot wallet
	})
	tags := store.Batch{Table: "tags", Columns: []string{"chain", "address", "label", "category", "file", "version"},
		Data: []any{[]string{"eth"}, []string{hot}, []string{"some exchange"}, []string{"exchange"}, []string{"x.yaml"}, []uint64{1}}}
	if err := st.Insert(context.Background(), tags); err != nil {
		t.Fatal(err)
	}
	cfg := cluster.DefaultConfig()
	cfg.Deposit.Tau = 10
	clusterRun(t, st, "eth", cfg)
	got := exported(t, st, "eth")
	same := func(a, b string) bool { return got[a] == got[b] }
	for _, c := range []struct {
		a, b string
		want bool
	}{
		{"0xd1", hot, true}, {"0xu1", "0xu2", true}, {"0xu1", "0xd1", false},
		{"0xd2", hot, false}, {"0xd3", hot, false}, {"0xd4", "0xcc", false}, {"0xu5", "0xd4", false},
	} {
		if same(c.a, c.b) != c.want {
			t.Errorf("%s and %s in one cluster: %v, want %v", c.a, c.b, !c.want, c.want)
		}
	}
}
