package score

import (
	"math/rand/v2"
	"reflect"
	"testing"
	"time"
)

// randomFlows are n flows over a few clusters, in block order: payments in
// two assets with many paybacks (few clusters, so pairs repeat both ways),
// unclustered sides, and token transfers and mints back to payers.
func randomFlows(n, clusters int) []Flow {
	r := rand.New(rand.NewPCG(3, 5))
	flows := make([]Flow, 0, n)
	for i := 0; len(flows) < n; i++ {
		h := uint64(i / 40)
		f := Flow{Height: h, Time: time.Unix(1500000000+int64(h)*600, 0), Tx: uint64(i / 2),
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
