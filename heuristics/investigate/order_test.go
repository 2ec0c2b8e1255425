package investigate

import (
	"context"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/chainsleuth/chainsleuth/ingest/store"
	"github.com/chainsleuth/chainsleuth/internal/testenv"
)

// Two payers each send the root address 0.1, 0.2 and 0.3 ETH, one largest first, one smallest first.
// Their sums are the same number, so the trace's edges and the profile's counterparties, ranked by
// transfers and then value, fall through to their tie-breaking columns (cluster ids, addresses). A
// plain sum() adds in the order it reads the rows and gives 0.6 for one payer and 0.6000000000000001
// for the other: the order then followed the rows on disk (or the threads and merges of a larger
// read) rather than the ORDER BY, and so did which counterparties a LIMIT kept.
func TestEqualSumsRankByTheirTieBreakingColumns(t *testing.T) {
	st, _ := testenv.Store(t)
	ctx := context.Background()
	root, payerA, payerB := "0x"+strings.Repeat("0", 39)+"1", "0x"+strings.Repeat("a", 40), "0x"+strings.Repeat("b", 40)
	var (
		addr, tx, counterparty []string
		height                 []uint64
		tm                     []time.Time
		dir                    []int8
		value                  []float64
	)
	add := func(payer, txPrefix string, values []float64) {
		for i, v := range values { // rows are read in height order
			h := uint64(i + 1)
			for _, side := range []struct {
				a, c string
				d    int8
			}{{root, payer, 1}, {payer, root, -1}} {
				addr, counterparty, dir = append(addr, side.a), append(counterparty, side.c), append(dir, side.d)
				height, tm, tx = append(height, h), append(tm, time.Unix(1_700_000_000+int64(h), 0).UTC()), append(tx, txPrefix+string(rune('0'+i)))
				value = append(value, v)
			}
		}
	}
	add(payerA, "a", []float64{0.3, 0.2, 0.1}) // cluster 1
	add(payerB, "b", []float64{0.1, 0.2, 0.3}) // cluster 2
	n := len(addr)
	repeat := func(s string) []string { return copies(n, s) }
	batches := []store.Batch{
		{Table: "transfers_by_address",
			Columns: []string{"chain", "address", "height", "time", "txid", "idx", "direction", "counterparty", "asset", "amount", "value", "kind"},
			Data:    []any{repeat("eth"), addr, height, tm, tx, make([]uint32, n), dir, counterparty, repeat("ETH"), repeat("0"), value, repeat("native")}},
		{Table: "address_ids", Columns: []string{"chain", "address", "id", "first_height", "run_id"},
			Data: []any{copies(3, "eth"), []string{root, payerA, payerB}, []uint32{0, 1, 2}, []uint64{1, 1, 1}, []uint64{1, 1, 1}}},
		{Table: "address_clusters", Columns: []string{"chain", "address_id", "cluster_id", "run_id"},
			Data: []any{copies(3, "eth"), []uint32{0, 1, 2}, []uint32{0, 1, 2}, []uint64{1, 1, 1}}},
	}
	for _, b := range batches {
		if err := st.Insert(ctx, b); err != nil {
			t.Fatal(err)
		}
	}

	f, err := Trace(ctx, st, TraceOptions{Address: root, Direction: In, Hops: 1})
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Edges) != 2 || f.Edges[0].From != 1 || f.Edges[1].From != 2 || f.Edges[0].Value != f.Edges[1].Value {
		t.Errorf("edges %+v: want clusters 1 then 2, with the same value", f.Edges)
	}
	p, err := AddressProfile(ctx, st, "", root, ProfileOptions{})
	if err != nil {
		t.Fatal(err)
	}
	c := p.Counterparties
	if len(c) != 2 || c[0].Address != payerA || c[1].Address != payerB || c[0].Received != c[1].Received {
		t.Errorf("counterparties %+v: want %s then %s, with the same amount", c, payerA, payerB)
	}
	if len(p.Totals) != 1 || math.Abs(p.Totals[0].Received-1.2) > 1e-12 {
		t.Errorf("totals %+v: want 1.2 ETH received", p.Totals)
	}
}

// copies is n copies of s.
func copies(n int, s string) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = s
	}
	return out
}
