package score

import (
	"math/rand/v2"
	"os"
	"strconv"
	"testing"
	"time"
)

// An address's cluster is the one of its highest-ranked row, in whatever
// order the rows come; of rows of equal rank, the first one's. Hash 0 (the
// table's empty key) is an address like any other. Adding through the
// loader, in prefetched groups, gives the same map as adding row by row.
func TestTheClusterMapKeepsTheLatestRunsRowInAnyOrder(t *testing.T) {
	type row struct {
		hash          uint64
		cluster, rank uint32
	}
	r := rand.New(rand.NewPCG(1, 2))
	var rows []row
	want := map[uint64]uint32{}
	for i := range 20_000 {
		hash := r.Uint64()
		if i == 0 {
			hash = 0
		}
		// Ranks 0..3, the top one twice: the first of the two wins.
		top := uint32(r.IntN(4))
		for rank := range top + 1 {
			rows = append(rows, row{hash, uint32(i)*10 + rank, rank})
		}
		rows = append(rows, row{hash, uint32(i)*10 + 9, top})
		want[hash] = uint32(i)*10 + top
	}
	for trial := range 3 {
		// Shuffle, then put each hash's two top-ranked rows back in their order.
		r.Shuffle(len(rows), func(i, j int) { rows[i], rows[j] = rows[j], rows[i] })
		firstTop := map[uint64]int{}
		for i, x := range rows {
			if x.cluster%10 == 9 || x.cluster%10 == x.rank && x.rank == want[x.hash]%10 {
				if j, ok := firstTop[x.hash]; ok && rows[j].cluster%10 == 9 {
					rows[i], rows[j] = rows[j], rows[i]
				} else if !ok {
					firstTop[x.hash] = i
				}
			}
		}
		byRow, byLoader := &clusterMap{}, &clusterMap{}
		l := clusterMapLoader{m: byLoader}
		for _, x := range rows {
			byRow.add(x.hash, x.cluster, x.rank)
			l.add(x.hash, x.cluster, x.rank)
		}
		l.flush()
		for _, m := range []*clusterMap{byRow, byLoader} {
			if m.len() != len(want) {
				t.Fatalf("trial %d: %d addresses, want %d", trial, m.len(), len(want))
			}
			for h, c := range want {
				if got, ok := m.clusterOf(h); !ok || got != c {
					t.Fatalf("trial %d: hash %x: cluster %d (%v), want %d", trial, h, got, ok, c)
				}
			}
		}
		if _, ok := byRow.clusterOf(12345); ok {
			t.Fatal("a hash never added has a cluster")
		}
	}
}

// BenchmarkResolve looks the sides of flows up in a cluster map the size of
// the 100M-transfer window's (20M addresses, CHAINSLEUTH_MAP_ADDRESSES), in
// batches as the reader does, and reports ns per flow (two lookups) and the
// time to fill the map through the loader, per address.
func BenchmarkResolve(b *testing.B) {
	n := 20_000_000
	if v, err := strconv.Atoi(os.Getenv("CHAINSLEUTH_MAP_ADDRESSES")); err == nil && v > 0 {
		n = v
	}
	r := rand.New(rand.NewPCG(3, 4))
	hashes := make([]uint64, n)
	for i := range hashes {
		hashes[i] = r.Uint64()
	}
	started := time.Now()
	m := &clusterMap{}
	m.t.reserve(n)
	l := clusterMapLoader{m: m}
	for i, h := range hashes {
		l.add(h, uint32(i), 0)
	}
	l.flush()
	fill := time.Since(started)
	flows := make([]Flow, flowBatchSize)
	sides := make([]flowSides, flowBatchSize)
	b.ResetTimer()
	for i := range b.N {
		// The map's hashes read in order (their slots are at random in the map).
		for j := range sides {
			k := (i*flowBatchSize + j) % n
			sides[j] = flowSides{from: hashes[k], to: hashes[(k+n/2)%n], fromPays: true}
		}
		if m.resolve(flows, sides) != 0 || flows[0].ToCluster == NoCluster || i < 0 {
			b.Fatal("a known address was not found")
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*flowBatchSize), "ns/flow")
	b.ReportMetric(float64(fill.Nanoseconds())/float64(n), "fill-ns/address")
}
