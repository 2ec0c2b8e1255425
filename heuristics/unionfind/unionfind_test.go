package unionfind

import (
	"math/rand/v2"
	"testing"
)

// naive labels: relabel every member on each union (quadratic, obviously right).
type naive []uint32

func newNaive(n int) naive {
	l := make(naive, n)
	for i := range l {
		l[i] = uint32(i)
	}
	return l
}

func (l naive) union(a, b uint32) {
	la, lb := l[a], l[b]
	if la == lb {
		return
	}
	keep, drop := min(la, lb), max(la, lb)
	for i := range l {
		if l[i] == drop {
			l[i] = keep
		}
	}
}

func TestUnionsMatchANaiveLabellingWithTheSmallestIDAsClusterID(t *testing.T) {
	cases := []struct {
		name     string
		ids      int
		edges    int
		spanning int // 0: random pairs; >0: pairs at most this far apart
	}{
		{"a few random links over many ids", 1000, 300, 0},
		{"as many random links as ids", 1000, 1000, 0},
		{"links between neighbours", 2000, 1500, 8},
		{"a dense graph collapses into one cluster", 200, 5000, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := rand.New(rand.NewPCG(1, uint64(c.ids)))
			f, want := New(c.ids), newNaive(c.ids)
			for range c.edges {
				a := uint32(r.IntN(c.ids))
				b := uint32(r.IntN(c.ids))
				if c.spanning > 0 {
					b = uint32(min(c.ids-1, int(a)+r.IntN(c.spanning)))
				}
				apart := want[a] != want[b]
				if got := f.Union(a, b); got != apart {
					t.Fatalf("Union(%d, %d) = %v, sets were apart: %v", a, b, got, apart)
				}
				want.union(a, b)
			}
			sizes := map[uint32]int{}
			for _, l := range want {
				sizes[l]++
			}
			for i := range c.ids {
				id := uint32(i)
				if got := f.Cluster(id); got != want[i] {
					t.Fatalf("Cluster(%d) = %d, want %d", i, got, want[i])
				}
				if got := f.Size(id); got != sizes[want[i]] {
					t.Fatalf("Size(%d) = %d, want %d", i, got, sizes[want[i]])
				}
			}
		})
	}
}

func TestTheClusterIDIsStableWhenAClusterGrowsAndNewIDsJoin(t *testing.T) {
	f := New(3)
	f.Union(1, 2)
	if f.Cluster(2) != 1 {
		t.Fatalf("cluster of 2: %d", f.Cluster(2))
	}
	f.Grow(10)
	for _, id := range []uint32{9, 5, 7} {
		f.Union(id, 2)
	}
	for _, id := range []uint32{1, 2, 5, 7, 9} {
		if f.Cluster(id) != 1 || f.Size(id) != 5 {
			t.Errorf("id %d: cluster %d size %d, want 1 and 5", id, f.Cluster(id), f.Size(id))
		}
	}
	if f.Cluster(0) != 0 || f.Size(0) != 1 || f.Same(0, 1) {
		t.Errorf("id 0 should stay alone")
	}
	f.Union(0, 9) // a smaller id joins: it becomes the cluster id
	if f.Cluster(7) != 0 || f.Size(7) != 6 {
		t.Errorf("after 0 joins: cluster %d size %d", f.Cluster(7), f.Size(7))
	}
}

func TestUnionOrderDoesNotChangeThePartition(t *testing.T) {
	const n = 500
	r := rand.New(rand.NewPCG(7, 7))
	edges := make([][2]uint32, 600)
	for i := range edges {
		edges[i] = [2]uint32{uint32(r.IntN(n)), uint32(r.IntN(n))}
	}
	fwd, rev := New(n), New(n)
	for i := range edges {
		fwd.Union(edges[i][0], edges[i][1])
		e := edges[len(edges)-1-i]
		rev.Union(e[1], e[0])
	}
	for i := range uint32(n) {
		if fwd.Cluster(i) != rev.Cluster(i) {
			t.Fatalf("id %d: cluster %d forwards, %d backwards", i, fwd.Cluster(i), rev.Cluster(i))
		}
	}
}

// UnionPairs must leave exactly the forest a loop of Union calls leaves (same partition, cluster ids and
// sizes, same count of merges), for any number of pairs: fewer than one prefetch group, a few groups, and
// a length that leaves a partial last group.
func TestUnionPairsEqualsOneUnionAfterAnother(t *testing.T) {
	for _, pairs := range []int{0, 1, 3, pairGroup, pairGroup + 1, 2*pairGroup + 3, 5000} {
		r := rand.New(rand.NewPCG(3, uint64(pairs)))
		const n = 3000
		links := make([]uint32, 2*pairs)
		for i := range links {
			links[i] = uint32(r.IntN(n))
		}
		one, all := New(n), New(n)
		want := 0
		for i := 0; i < len(links); i += 2 {
			if one.Union(links[i], links[i+1]) {
				want++
			}
		}
		if got := all.UnionPairs(links); got != want {
			t.Fatalf("%d pairs: UnionPairs merged %d, Union one after another %d", pairs, got, want)
		}
		for i := range uint32(n) {
			if one.Cluster(i) != all.Cluster(i) || one.Size(i) != all.Size(i) {
				t.Fatalf("%d pairs, id %d: cluster %d size %d, want %d and %d", pairs, i,
					all.Cluster(i), all.Size(i), one.Cluster(i), one.Size(i))
			}
		}
	}
}

func TestUnionPairsRefusesAnOddCountAndAnIDOutOfRange(t *testing.T) {
	for name, links := range map[string][]uint32{"odd": {1, 2, 3}, "out of range": {1, 2, 3, 10}} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: UnionPairs(%v) on 10 ids did not panic", name, links)
				}
			}()
			New(10).UnionPairs(links)
		}()
	}
}

// Grow keeps every set, and the forest keeps working, across reallocations.
func TestGrowKeepsTheSetsAcrossReallocations(t *testing.T) {
	f := New(2)
	f.Union(0, 1)
	joined := 2 // 0, 1 and the last id of each size below
	for n := 3; n < 5000; n = n*3/2 + 1 {
		f.Grow(n)
		f.Union(uint32(n-1), 1)
		joined++
	}
	last := uint32(f.Len() - 1)
	if f.Size(0) != joined || f.Cluster(last) != 0 || f.Size(last-1) != 1 {
		t.Fatalf("after growing to %d ids: size of 0 %d (want %d), cluster of %d: %d, size of %d: %d",
			f.Len(), f.Size(0), joined, last, f.Cluster(last), last-1, f.Size(last-1))
	}
}
