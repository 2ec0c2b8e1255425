package score

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// TestTheTableHoldsWhatAMapHolds inserts, finds and updates random keys in a table and in a Go map, through
// several doublings of every part, and compares them after each step and whole at the end: from an empty
// table, and from one sized in advance (parts whose length is not a power of two).
func TestTheTableHoldsWhatAMapHolds(t *testing.T) {
	for _, reserved := range []int{0, 100_000} {
		t.Run(fmt.Sprint("reserved=", reserved), func(t *testing.T) { testTheTableAgainstAMap(t, reserved) })
	}
}

func testTheTableAgainstAMap(t *testing.T, reserved int) {
	r := rand.New(rand.NewPCG(1, 2))
	var tab table[uint32]
	tab.reserve(reserved)
	if n := len(tab.parts[0].slots); reserved > 0 && n&(n-1) == 0 {
		t.Fatalf("reserve(%d) gave parts of %d slots, a power of two", reserved, n)
	}
	want := map[uint64]uint32{}
	for i := range 200_000 {
		// Keys from a small range repeat often; the others seldom.
		key := uint64(r.IntN(50_000)) + 1
		if i%2 == 0 {
			key = r.Uint64() | 1
		}
		v, added := tab.insert(key, uint32(i))
		old, had := want[key]
		if added == had {
			t.Fatalf("insert of key %d: added %v, but the map had it: %v", key, added, had)
		}
		if had && *v != old {
			t.Fatalf("key %d: the table gave %d, the map %d", key, *v, old)
		}
		if !had {
			want[key] = uint32(i)
		}
		if i%3 == 0 { // update through the pointer, as pass 1 marks paybacks
			*v += 7
			want[key] += 7
		}
		probe := uint64(r.IntN(100_000)) + 1
		got := tab.find(probe)
		w, ok := want[probe]
		if (got != nil) != ok || ok && *got != w {
			t.Fatalf("find of key %d: table %v, map %d %v", probe, got, w, ok)
		}
	}
	if tab.n != len(want) {
		t.Fatalf("table holds %d keys, the map %d", tab.n, len(want))
	}
	seen := 0
	tab.all(func(key uint64, v *uint32) {
		seen++
		if w, ok := want[key]; !ok || *v != w {
			t.Fatalf("all gave key %d value %d; the map has %d %v", key, *v, w, ok)
		}
	})
	if seen != len(want) {
		t.Fatalf("all gave %d keys, want %d", seen, len(want))
	}
	if tab.slotAddr(12345) == 0 {
		t.Fatal("a filled table gave no slot address")
	}
	var empty table[uint32]
	if empty.find(1) != nil || empty.slotAddr(1) != 0 {
		t.Fatal("an empty table found a key or gave a slot address")
	}
}

// A table sized for n keys holds n random keys without doubling a part:
// each part gets its share of them and room for their spread.
func TestATableReservedForNKeysHoldsThemWithoutGrowing(t *testing.T) {
	for _, n := range []int{10_000, 1_000_000, 6_500_000} {
		var tab table[uint32]
		tab.reserve(n)
		var sizes [tableParts]int
		for i := range tab.parts {
			sizes[i] = len(tab.parts[i].slots)
		}
		r := rand.New(rand.NewPCG(uint64(n), 7))
		for range n {
			tab.insert(r.Uint64()|1, 0)
		}
		for i := range tab.parts {
			if len(tab.parts[i].slots) != sizes[i] {
				t.Fatalf("n=%d: part %d grew from %d to %d slots (%d keys)", n, i, sizes[i], len(tab.parts[i].slots), tab.parts[i].n)
			}
		}
	}
}
