package score

import (
	"context"
	"errors"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/chainsleuth/chainsleuth/ingest/store"
	"github.com/chainsleuth/chainsleuth/internal/testenv"
)

// syntheticFlowsQuery gives n rows in the flows query's columns (bound: n):
// flow i has height i; its sender's hash is 1 + i % 100, or 5000 + i (an
// address the cluster job has not seen) when i % 7 == 0, its receiver's
// 200 + i % 13; syntheticClusters maps those hashes to clusters i % 100 and
// i % 13.
const syntheticFlowsQuery = `SELECT toUInt64(number) AS height, toUInt32(number) AS time, cityHash64(number) AS tx,
    toUInt8(0) AS flags, cityHash64('BTC') AS asset, toFloat64(number) AS value,
    if(number % 7 = 0, 5000 + number, 1 + number % 100) AS from_hash, toUInt64(200 + number % 13) AS to_hash
FROM system.numbers LIMIT ?`

// syntheticAssets names syntheticFlowsQuery's one asset by its hash.
func syntheticAssets(t testing.TB, st *store.Store) map[uint64]string {
	t.Helper()
	assets, err := readAssets(context.Background(), st, "SELECT 'BTC', cityHash64('BTC')")
	if err != nil || len(assets) != 1 {
		t.Fatalf("assets: %v, %v", assets, err)
	}
	return assets
}

// syntheticClusters is the cluster map of syntheticFlowsQuery's addresses.
func syntheticClusters() *clusterMap {
	m := &clusterMap{}
	for c := range uint32(100) {
		m.add(1+uint64(c), c, 0)
	}
	for c := range uint32(13) {
		m.add(200+uint64(c), c, 0)
	}
	return m
}

// The reader hands over every flow once, in the query's order, across batch
// boundaries and with batches reused; it counts the unclustered ones.
func TestReadFlowsHandsOverEveryFlowInOrder(t *testing.T) {
	st, _ := testenv.Store(t)
	const n = 3*flowBatchSize + 17
	free := make(chan []Flow, 2)
	for pass := range 2 { // the second pass reuses the first one's batches
		next, unclustered := uint64(0), 0
		for b := range readFlows(context.Background(), st, syntheticFlowsQuery, []any{uint64(n)}, syntheticAssets(t, st), syntheticClusters(), free) {
			if b.err != nil {
				t.Fatal(b.err)
			}
			unclustered += b.unclustered
			for _, f := range b.flows {
				wantFrom := int64(next % 100)
				if next%7 == 0 {
					wantFrom = NoCluster
				}
				if f.Height != next || f.FromCluster != wantFrom || f.ToCluster != int64(next%13) || f.Value != float64(next) {
					t.Fatalf("pass %d, flow %d: %+v", pass, next, f)
				}
				next++
			}
			select { // as the scorer does: keep a batch for reuse when there is room
			case free <- b.flows:
			default:
			}
		}
		if next != n || unclustered != (n+6)/7 {
			t.Fatalf("pass %d: %d flows, %d unclustered; want %d and %d", pass, next, unclustered, n, (n+6)/7)
		}
	}
}

// Flows out of (height, transaction) order end the read with an error: the
// scorer's counts would be wrong without a word. The synthetic query's rows
// are in order up to height 5000, where it goes back to 4000.
func TestReadFlowsRefusesFlowsOutOfOrder(t *testing.T) {
	st, _ := testenv.Store(t)
	const backwards = `SELECT if(h < 5000, h, toUInt64(h - 1000)) AS height, time, tx, flags, asset, value,
    from_hash, to_hash FROM (
    SELECT height AS h, time, tx, flags, asset, value, from_hash, to_hash
    FROM (` + syntheticFlowsQuery + `))`
	read, last := 0, flowBatch{}
	for b := range readFlows(context.Background(), st, backwards, []any{uint64(6000)}, syntheticAssets(t, st), syntheticClusters(), nil) {
		read += len(b.flows)
		last = b
	}
	if !errors.Is(last.err, errFlowOrder) || read != 5000/flowBatchSize*flowBatchSize {
		t.Fatalf("read %d flows, then %v; want the full batches before height 5000, then the order error", read, last.err)
	}
	// The same query in order is read whole.
	read = 0
	for b := range readFlows(context.Background(), st, syntheticFlowsQuery, []any{uint64(6000)}, syntheticAssets(t, st), syntheticClusters(), nil) {
		if b.err != nil {
			t.Fatal(b.err)
		}
		read += len(b.flows)
	}
	if read != 6000 {
		t.Fatalf("read %d flows in order, want 6000", read)
	}
}

// A height the scorer cannot hold (pass 1 keeps a mark in the top bit of a
// first payment's height) ends the read with an error, not a wrong score.
func TestReadFlowsRefusesHeightsTheScorerCannotHold(t *testing.T) {
	st, _ := testenv.Store(t)
	high := `SELECT toUInt64(h + 2147483648 - 3) AS height, time, tx, flags, asset, value,
    from_hash, to_hash FROM (
    SELECT height AS h, time, tx, flags, asset, value, from_hash, to_hash
    FROM (` + syntheticFlowsQuery + `))`
	var err error
	for b := range readFlows(context.Background(), st, high, []any{uint64(10)}, syntheticAssets(t, st), syntheticClusters(), nil) {
		if b.err != nil {
			err = b.err
		}
	}
	if err == nil || !strings.Contains(err.Error(), "height 2147483648") {
		t.Fatalf("read heights up to 2^31 + 6: %v, want an error at height 2^31", err)
	}
}

// A failing query ends the batches with its error; a cancelled read stops
// and closes the channel although nobody takes its batches.
func TestReadFlowsEndsWithTheQuerysErrorAndStopsWhenCancelled(t *testing.T) {
	st, _ := testenv.Store(t)
	var last flowBatch
	for b := range readFlows(context.Background(), st, "SELECT * FROM no_such_table WHERE 1 = ?", []any{1}, syntheticAssets(t, st), syntheticClusters(), nil) {
		last = b
	}
	if last.err == nil {
		t.Fatal("a query of a missing table ended without an error")
	}
	ctx, cancel := context.WithCancel(context.Background())
	batches := readFlows(ctx, st, syntheticFlowsQuery, []any{uint64(100_000_000)}, syntheticAssets(t, st), syntheticClusters(), nil)
	if b := <-batches; b.err != nil || len(b.flows) != flowBatchSize {
		t.Fatalf("first batch: %d flows, err %v", len(b.flows), b.err)
	}
	cancel()
	deadline := time.After(30 * time.Second)
	for {
		select {
		case b, ok := <-batches:
			if !ok {
				return
			}
			if b.err != nil && !errors.Is(b.err, context.Canceled) {
				t.Logf("after cancel: %v", b.err)
			}
		case <-deadline:
			t.Fatal("the reader was still going 30 s after its context was cancelled")
		}
	}
}

// BenchmarkReadFlows reads 1M synthetic flows through the reader with its
// batches reused, and reports flows/s and heap allocations per flow (the
// driver's own per row included).
func BenchmarkReadFlows(b *testing.B) {
	st, _ := testenv.Store(b)
	const n = 1_000_000
	free := make(chan []Flow, 2*flowBatchesAhead)
	assets := syntheticAssets(b, st)
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	b.ResetTimer()
	for range b.N {
		for batch := range readFlows(context.Background(), st, syntheticFlowsQuery, []any{uint64(n)}, assets, syntheticClusters(), free) {
			if batch.err != nil {
				b.Fatal(batch.err)
			}
			select {
			case free <- batch.flows:
			default:
			}
		}
	}
	b.StopTimer()
	runtime.ReadMemStats(&after)
	flows := float64(n) * float64(b.N)
	b.ReportMetric(flows/b.Elapsed().Seconds(), "flows/s")
	b.ReportMetric(float64(after.Mallocs-before.Mallocs)/flows, "allocs/flow")
}

// A flow whose asset's hash the list of assets lacks ends the read with an
// error: the scorer would otherwise sum it under no name.
func TestReadFlowsRefusesAnAssetItCannotName(t *testing.T) {
	st, _ := testenv.Store(t)
	var err error
	for b := range readFlows(context.Background(), st, syntheticFlowsQuery, []any{uint64(10)}, map[uint64]string{}, syntheticClusters(), nil) {
		if b.err != nil {
			err = b.err
		}
	}
	if err == nil || !strings.Contains(err.Error(), "list of assets lacks") {
		t.Fatalf("flows of an unnamed asset: %v, want an error", err)
	}
}
