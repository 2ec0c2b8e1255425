package score

import (
	"math/rand/v2"
	"os"
	"strconv"
	"testing"
)

// BenchmarkCompute runs both passes of Compute, in memory, on flows shaped like the generated scale dataset
// (internal/scaledata, scripts/scale-rss.sh score): 3,000 Bitcoin transfers per block, 3 per transaction,
// both sides drawn uniformly from 200,000 clusters, so nearly every flow is a new pair of clusters. It
// measures the scorer's own CPU and memory per flow, without ClickHouse (CHAINSLEUTH_SCORE_FLOWS flows,
// default 2M).
func BenchmarkCompute(b *testing.B) {
	n := 2_000_000
	if v, err := strconv.Atoi(os.Getenv("CHAINSLEUTH_SCORE_FLOWS")); err == nil && v > 0 {
		n = v
	}
	const clusters = 200_000
	r := rand.New(rand.NewPCG(7, 7))
	flows := make([]Flow, n)
	for i := range flows {
		h := uint64(i / 3000)
		flows[i] = Flow{Height: h, Unix: 1500000000 + int64(h)*600, Tx: uint64(i / 3),
			FromCluster: int64(r.IntN(clusters)), ToCluster: int64(r.IntN(clusters)), Asset: "BTC",
			Value: float64(i%100000000) / 1e8}
	}
	cfg := DefaultConfig()
	cfg.PeriodBlocks = map[string]uint64{"btc": 144}
	defer func(n int) { pass1Shards = n }(pass1Shards)
	// Pass 1 on one shard, then on as many as Compute uses (runtime.GOMAXPROCS, at most maxShards).
	for _, shards := range []int{1, 0} {
		b.Run("shards="+strconv.Itoa(shards), func(b *testing.B) {
			pass1Shards = shards
			for range b.N {
				feats, err := Compute(SliceFlows(flows), len(flows), Context{}, cfg, "btc")
				if err != nil {
					b.Fatal(err)
				}
				if len(feats) < clusters*9/10 {
					b.Fatalf("features of %d clusters, want about %d", len(feats), clusters)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(n*b.N), "ns/flow")
		})
	}
}
