package score

import (
	"math/rand/v2"
	"testing"
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
