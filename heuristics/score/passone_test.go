package score

import (
	"math/rand/v2"
	"reflect"
	"runtime"
	"slices"
	"testing"
	"unsafe"
)

// randomFlows are n flows over a few clusters, in block order: payments in
// two assets with many paybacks (few clusters, so pairs repeat both ways),
// unclustered sides, and token transfers and mints back to payers.
func randomFlows(n, clusters int) []Flow {
	r := rand.New(rand.NewPCG(3, 5))
	flows := make([]Flow, 0, n)
	for i := 0; len(flows) < n; i++ {
		h := uint64(i / 40)
		f := Flow{Height: h, Unix: 1500000000 + int64(h)*600, Tx: uint64(i / 2),
			FromCluster: int64(r.IntN(clusters)), ToCluster: int64(r.IntN(clusters)), Asset: "ETH",
			Value: float64(r.IntN(1000)) / 7}
		switch k := r.IntN(20); {
		case k == 0:
			f.FromCluster = NoCluster
		case k == 1:
			f.Asset = "0xusdt"
		case k < 4:
			f.Asset, f.Token = "0xtoken", true
			if k == 3 {
				f.FromCluster, f.Mint = NoCluster, true
			}
		}
		flows = append(flows, f)
	}
	return flows
}

func TestPassOneGivesTheSameFeaturesOnAnyNumberOfShards(t *testing.T) {
	flows := randomFlows(60_000, 300)
	ctx := Context{Sanctioned: map[int64]bool{5: true, 77: true}, ExchangeTag: map[int64]bool{9: true},
		DepositLinks: map[int64]int{}, Company: map[int64]string{}}
	cfg := testConfig()
	defer func(n int) { pass1Shards = n }(pass1Shards)
	var want map[int64]*Features
	for _, n := range []int{1, 2, 3, 4} {
		pass1Shards = n
		got, err := Compute(SliceFlows(flows), len(flows), ctx, cfg, "eth")
		if err != nil {
			t.Fatal(err)
		}
		if n == 1 {
			want = got
			var payback, counterparties, sanctioned, issued int
			for _, f := range got {
				payback += f.PaybackPayers
				counterparties += f.Counterparties
				issued += f.IssuedPayers
				if f.Sanctioned == 0.5 {
					sanctioned++
				}
			}
			// The world must exercise what the shards split: paybacks, counterparties counted by the
			// receiver's shard, payers of a sanctioned receiver, tokens back to payers.
			if len(got) != 300 || payback == 0 || counterparties == 0 || sanctioned == 0 || issued == 0 {
				t.Fatalf("a world too plain to compare: %d clusters, %d paybacks, %d counterparties, %d half-sanctioned, %d issued",
					len(got), payback, counterparties, sanctioned, issued)
			}
			continue
		}
		for c, f := range want {
			if !reflect.DeepEqual(got[c], f) {
				t.Fatalf("%d shards: cluster %d\n got %+v\nwant %+v", n, c, got[c], f)
			}
		}
		if len(got) != len(want) {
			t.Fatalf("%d shards: %d clusters, want %d", n, len(got), len(want))
		}
	}
}

// Pass 1 prefetches two cache lines of a receiver's features and one of a
// payer's (prefetchFeatures): every field add touches must be in them, and
// the features must start on a line.
func TestTheFeaturesPassOneTouchesAreInTheLinesItPrefetches(t *testing.T) {
	var f Features
	in := func(off, size, line uintptr) bool { return off >= line && off+size <= line+64 }
	for _, x := range []struct {
		name      string
		off, size uintptr
		lines     []uintptr
	}{
		{"InflowValue", unsafe.Offsetof(f.InflowValue), unsafe.Sizeof(f.InflowValue), receiverLines[:]},
		{"inflow1", unsafe.Offsetof(f.inflow1), unsafe.Sizeof(f.inflow1), receiverLines[:]},
		{"Payments", unsafe.Offsetof(f.Payments), unsafe.Sizeof(f.Payments), receiverLines[:]},
		{"SmallPayments", unsafe.Offsetof(f.SmallPayments), unsafe.Sizeof(f.SmallPayments), receiverLines[:]},
		{"FirstHeight", unsafe.Offsetof(f.FirstHeight), unsafe.Sizeof(f.FirstHeight), receiverLines[:]},
		{"LastHeight", unsafe.Offsetof(f.LastHeight), unsafe.Sizeof(f.LastHeight), receiverLines[:]},
		{"Payers", unsafe.Offsetof(f.Payers), unsafe.Sizeof(f.Payers), receiverLines[:]},
		{"inHeights", unsafe.Offsetof(f.inHeights), unsafe.Sizeof(f.inHeights), receiverLines[:]},
		{"newPayersUnordered", unsafe.Offsetof(f.newPayersUnordered), unsafe.Sizeof(f.newPayersUnordered), receiverLines[:]},
		{"newPayersNow", unsafe.Offsetof(f.newPayersNow), unsafe.Sizeof(f.newPayersNow), receiverLines[:]},
		{"OutflowValue", unsafe.Offsetof(f.OutflowValue), unsafe.Sizeof(f.OutflowValue), []uintptr{payerLine}},
		{"outflow1", unsafe.Offsetof(f.outflow1), unsafe.Sizeof(f.outflow1), []uintptr{payerLine}},
	} {
		if !slices.ContainsFunc(x.lines, func(line uintptr) bool { return in(x.off, x.size, line) }) {
			t.Errorf("%s at %d (%d bytes) is outside the lines %v prefetched for it", x.name, x.off, x.size, x.lines)
		}
	}
	var keep []*Features
	for i := range 1000 {
		f := newFeatures(int64(i))
		if uintptr(unsafe.Pointer(f))%64 != 0 {
			t.Fatalf("features at %#x do not start on a cache line (%d bytes: keep them in a size class of whole lines)",
				uintptr(unsafe.Pointer(f)), unsafe.Sizeof(*f))
		}
		keep = append(keep, f)
	}
	runtime.KeepAlive(keep)
}
