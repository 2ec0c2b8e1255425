package score

import (
	"math"
	"unsafe"
)

// table is a hash table from non-zero uint64 keys to values, for pass 1's
// state per cluster and per pair of clusters. Pass 1 makes a few lookups per
// flow, nearly all of them out of cache on a large window: the table hands
// out the address of a key's slot before the lookup (slotAddr), so that the
// lookups of a group of flows are prefetched together and their misses
// overlap, which a Go map cannot do.
//
// It is open addressing with linear probing, split by the hash's top bits
// into tableParts parts that grow one at a time: a part's doubling copies
// only that part, so the table never holds two copies of itself. A part's
// length need not be a power of two (the slot is the hash's low 32 bits
// scaled to it), so a table sized for n keys (reserve) is 3/4 full at n,
// not half as much. Key 0 marks an empty slot.
type table[V any] struct {
	parts [tableParts]tablePart[V]
	n     int
}

// tableParts is how many parts a table is split into.
const tableParts = 256

type tablePart[V any] struct {
	slots []tableSlot[V] // at most 3/4 full
	n     int
}

type tableSlot[V any] struct {
	key uint64
	val V
}

// tableHash mixes a key (murmur3's finalizer): its top bits pick the part,
// its low 32 bits the slot (home).
func tableHash(key uint64) uint64 {
	key ^= key >> 33
	key *= 0xff51afd7ed558ccd
	key ^= key >> 33
	key *= 0xc4ceb9fe1a85ec53
	key ^= key >> 33
	return key
}

func (t *table[V]) part(h uint64) *tablePart[V] { return &t.parts[h>>(64-8)] }

// home is the slot where the lookups of a key with hash h start.
func (p *tablePart[V]) home(h uint64) int { return int(uint64(uint32(h)) * uint64(len(p.slots)) >> 32) }

// next is the slot after i, wrapping around.
func (p *tablePart[V]) next(i int) int {
	if i++; i == len(p.slots) {
		return 0
	}
	return i
}

// slotAddr is the address of the slot where a lookup of key starts, for a
// prefetch (0 when its part is empty).
func (t *table[V]) slotAddr(key uint64) uintptr {
	h := tableHash(key)
	p := t.part(h)
	if len(p.slots) == 0 {
		return 0
	}
	return uintptr(unsafe.Pointer(&p.slots[p.home(h)]))
}

// find is the value of key, or nil when the table does not hold it. The
// pointer holds until the next insert.
func (t *table[V]) find(key uint64) *V {
	h := tableHash(key)
	p := t.part(h)
	if len(p.slots) == 0 {
		return nil
	}
	for i := p.home(h); ; i = p.next(i) {
		s := &p.slots[i]
		if s.key == key {
			return &s.val
		}
		if s.key == 0 {
			return nil
		}
	}
}

// insert returns the value of key, adding key with val when the table does
// not hold it yet (added reports which). The pointer holds until the next
// insert.
func (t *table[V]) insert(key uint64, val V) (v *V, added bool) {
	h := tableHash(key)
	p := t.part(h)
	if (p.n+1)*4 > len(p.slots)*3 {
		p.grow()
	}
	for i := p.home(h); ; i = p.next(i) {
		s := &p.slots[i]
		if s.key == key {
			return &s.val, false
		}
		if s.key == 0 {
			s.key, s.val = key, val
			p.n++
			t.n++
			return &s.val, true
		}
	}
}

// reserve sizes an empty table for n keys. A part holds about
// n/tableParts of them, give or take their square root (the spread of a
// binomial): each part has room for four times that more, or about half
// the parts of a table filled to n would double (a pass 1's pair tables
// at 13M flows: 13.1M slots a shard where 8.9M hold its 6.5M pairs).
func (t *table[V]) reserve(n int) {
	per := n / tableParts
	size := max(64, (per+4*int(math.Sqrt(float64(per)))+1)*4/3+1)
	for i := range t.parts {
		t.parts[i].slots = make([]tableSlot[V], size)
	}
}

// grow doubles a part (its first slots: 64) and places its keys again.
func (p *tablePart[V]) grow() {
	old := p.slots
	p.slots = make([]tableSlot[V], max(64, 2*len(old)))
	for _, s := range old {
		if s.key == 0 {
			continue
		}
		i := p.home(tableHash(s.key))
		for p.slots[i].key != 0 {
			i = p.next(i)
		}
		p.slots[i] = s
	}
}

// all calls yield with every key and value the table holds.
func (t *table[V]) all(yield func(key uint64, v *V)) {
	for i := range t.parts {
		for j := range t.parts[i].slots {
			if s := &t.parts[i].slots[j]; s.key != 0 {
				yield(s.key, &s.val)
			}
		}
	}
}
