package score

import (
	"math/bits"
	"runtime"
	"unsafe"

	"github.com/chainsleuth/chainsleuth/internal/prefetch"
)

// pass1Shards is how many shards pass 1 splits the clusters into (0: one
// per CPU the Go runtime may use). Tests set it to compare shard counts.
var pass1Shards = 0

// computeShards is the number of pass 1's shards, at most maxShards.
func computeShards() int {
	if pass1Shards > 0 {
		return pass1Shards
	}
	return min(runtime.GOMAXPROCS(0), maxShards)
}

// maxShards bounds pass 1's goroutines: past a few, each one's pass over
// every flow costs more than its share of the misses saves.
const maxShards = 4

// pass1Shard is the state of pass 1 that belongs to the clusters of one
// shard: their features, the pairs in which one of them is the receiver,
// and what its receivers' new pairs did to payers of any shard, to be added
// to those payers' features at the end (counterparties, and a sanctioned
// receiver). Clusters are keyed by clusterKey, pairs by pairKeyOf.
type pass1Shard struct {
	me, n  int // this shard's index, and how many there are
	ctx    Context
	cfg    Config
	period uint64 // blocks per period of new payers

	feats table[*Features]
	// (receiver, payer) → height of the first payment, marked with
	// paidBackMark once the receiver paid the payer back.
	firstPay table[uint32]
	// Payers of any shard: new receivers they paid, and whether one of those
	// receivers is sanctioned.
	payerCounterparties table[int]
	payerOfSanctioned   map[int64]bool

	addrs [5 * pass1Group]uintptr // a group's addresses to prefetch
}

// clusterKey is a cluster's key in pass 1's tables (never 0, the empty
// slot's).
func clusterKey(c int64) uint64 { return uint64(c) + 1 }

// pairKeyOf is a pair's key in pass 1's tables. A payment's clusters differ,
// so no payment has the pair (0, 0), whose key is the empty slot's.
func pairKeyOf(k pairKey) uint64 { return uint64(k.receiver)<<32 | uint64(k.payer) }

// pairOfKey is the pair of a key of pass 1's tables.
func pairOfKey(k uint64) pairKey { return pairKey{receiver: uint32(k >> 32), payer: uint32(k)} }

// paidBackMark, in a first payment's height, says that the receiver paid
// the payer back. Heights are below 2^31 on every chain scored.
const paidBackMark = 1 << 31

// pass1 is the result of pass 1: every cluster's features and the pairs,
// held by the shard of their receiver.
type pass1 struct {
	feats  map[int64]*Features
	shards []*pass1Shard
}

// shardOf is the shard of cluster c among n: a multiplicative hash, so that
// ids with a pattern (every other one, say) spread evenly.
func shardOf(c int64, n int) int {
	hi, _ := bits.Mul64(uint64(c)*0x9E3779B97F4A7C15, uint64(n))
	return int(hi)
}

// firstPayAt is the height of the first payment of a (receiver, payer) pair
// (0 when it has none).
func (p *pass1) firstPayAt(k pairKey) uint32 {
	if h := p.shards[shardOf(int64(k.receiver), len(p.shards))].firstPay.find(pairKeyOf(k)); h != nil {
		return *h &^ paidBackMark
	}
	return 0
}

// flowGroup is the k-th group of pass1Group flows of a batch (empty past
// its end).
func flowGroup(batch []Flow, k int) []Flow {
	return batch[min(k*pass1Group, len(batch)):min((k+1)*pass1Group, len(batch))]
}

// maxReservedPairs bounds the pairs pass 1's tables are sized for at the
// start (16 bytes a slot, at most 3/4 full: 358 MB): past it they double as
// they fill, since pairs repeat on real chains and a large window's count of
// flows can be far above its pairs. The doublings cost 10% of pass 1's CPU
// on 13M flows that are nearly all new pairs (docs/performance.md).
const maxReservedPairs = 1 << 24

// pass1Group is how many flows pass 1 prefetches at a time: the slots of
// their clusters and pairs two groups ahead, and the features of their
// clusters one group ahead, once their slots are in cache. BenchmarkCompute
// at 6M flows, three alternated runs each, one shard: 8 flows 918-1,023
// ns/flow, 16 flows 746-914, 32 flows 833-999; two shards: 531-590, 454-610,
// 635-649.
const pass1Group = 16

// passOne is Compute's pass 1 over n shards of the clusters. A flow a → b
// changes b's features as a receiver and a's as a payer; every shard reads
// every flow and makes the changes of its own clusters, so each cluster's
// features change in the order of the flows, as in one goroutine, and the
// features are the same for any n (floating-point sums included). Both
// lookups of a flow's pairs belong to one shard: (b, a) to b's as the
// receiver's first payment, (a, b) to a's as the payback test. The shards
// run side by side, one batch of flows at a time; shard 0 runs in the
// caller's goroutine.
func passOne(flows Flows, count int, ctx Context, cfg Config, chainName string, n int) (*pass1, error) {
	period := max(cfg.PeriodBlocks[chainName], 1)
	shards := make([]*pass1Shard, n)
	for i := range shards {
		shards[i] = &pass1Shard{me: i, n: n, ctx: ctx, cfg: cfg, period: period, payerOfSanctioned: map[int64]bool{}}
		// A shard holds the pairs whose receiver is one of its clusters.
		shards[i].firstPay.reserve(min(count, maxReservedPairs) / n)
	}
	type job struct {
		batch []Flow
		done  chan<- struct{}
	}
	var workers []chan job
	for me := 1; me < n; me++ {
		jobs := make(chan job)
		workers = append(workers, jobs)
		go func() {
			for j := range jobs {
				shards[me].run(j.batch)
				j.done <- struct{}{}
			}
		}()
	}
	defer func() {
		for _, w := range workers {
			close(w)
		}
	}()
	done := make(chan struct{}, n)
	err := flows(func(batch []Flow) error {
		for _, w := range workers {
			w <- job{batch, done}
		}
		shards[0].run(batch)
		for range workers {
			<-done
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	// The features of every shard go into one map (each cluster is in one
	// shard's table only).
	out := &pass1{feats: make(map[int64]*Features, shards[0].feats.n*n), shards: shards}
	for _, s := range shards {
		s.feats.all(func(_ uint64, f **Features) {
			(*f).flushNewPayers()
			out.feats[(*f).Cluster] = *f
		})
	}
	// Every payer has features: its shard made them for the flow's payer side.
	for _, s := range shards {
		s.payerCounterparties.all(func(c uint64, k *int) { out.feats[int64(c-1)].Counterparties += *k })
		for c := range s.payerOfSanctioned {
			out.feats[c].Sanctioned = max(out.feats[c].Sanctioned, 0.5)
		}
	}
	return out, nil
}

// mine reports whether cluster c is in this shard.
func (s *pass1Shard) mine(c int64) bool { return s.n == 1 || shardOf(c, s.n) == s.me }

// get is the features of cluster c, new ones if it has none yet.
func (s *pass1Shard) get(c int64) *Features {
	f, added := s.feats.insert(clusterKey(c), nil)
	if added {
		*f = newFeatures(c)
	}
	return *f
}

// run makes the changes of a batch of flows to this shard's clusters, in
// groups of pass1Group flows: the slots of a group's clusters and pairs are
// prefetched two groups ahead, the features of its clusters one group ahead.
func (s *pass1Shard) run(batch []Flow) {
	group := func(k int) []Flow { return flowGroup(batch, k) }
	s.prefetchSlots(group(0))
	s.prefetchSlots(group(1))
	s.prefetchFeatures(group(0))
	for g := 0; g*pass1Group < len(batch); g++ {
		s.prefetchSlots(group(g + 2))
		s.prefetchFeatures(group(g + 1))
		for i, flows := 0, group(g); i < len(flows); i++ {
			if f := &flows[i]; payment(f) {
				s.add(f)
			}
		}
	}
}

// prefetchSlots asks for the table slots that add will look up for the
// payments among flows.
func (s *pass1Shard) prefetchSlots(flows []Flow) {
	k := 0
	for i := range flows {
		f := &flows[i]
		if !payment(f) {
			continue
		}
		a, b := f.FromCluster, f.ToCluster
		if s.mine(b) {
			s.addrs[k] = s.feats.slotAddr(clusterKey(b))
			s.addrs[k+1] = s.firstPay.slotAddr(pairKeyOf(pair(b, a)))
			s.addrs[k+2] = s.payerCounterparties.slotAddr(clusterKey(a))
			k += 3
		}
		if s.mine(a) {
			s.addrs[k] = s.feats.slotAddr(clusterKey(a))
			s.addrs[k+1] = s.firstPay.slotAddr(pairKeyOf(pair(a, b)))
			k += 2
		}
	}
	prefetch.ForWrite(s.addrs[:k])
}

// The offsets of the cache lines of Features that add touches: two for
// the receiver, one for the payer.
var (
	receiverLines = [2]uintptr{0, 64}
	payerLine     = uintptr(128)
)

// prefetchFeatures asks for the features of this shard's clusters among
// the payments of flows, whose table slots are in cache by now: the lines
// add touches (receiverLines, payerLine).
func (s *pass1Shard) prefetchFeatures(flows []Flow) {
	k := 0
	for i := range flows {
		f := &flows[i]
		if !payment(f) {
			continue
		}
		if s.mine(f.ToCluster) {
			if p := s.feats.find(clusterKey(f.ToCluster)); p != nil {
				at := uintptr(unsafe.Pointer(*p))
				s.addrs[k], s.addrs[k+1] = at+receiverLines[0], at+receiverLines[1]
				k += 2
			}
		}
		if s.mine(f.FromCluster) {
			if p := s.feats.find(clusterKey(f.FromCluster)); p != nil {
				s.addrs[k] = uintptr(unsafe.Pointer(*p)) + payerLine
				k++
			}
		}
	}
	prefetch.ForWrite(s.addrs[:k])
}

// add makes the changes of payment f, a → b, to this shard's clusters: b's
// as a receiver, a's as a payer.
func (s *pass1Shard) add(f *Flow) {
	a, b := f.FromCluster, f.ToCluster
	if s.mine(b) {
		fb := s.get(b)
		fb.Payments++
		if f.Value <= smallLimit(s.cfg, f) {
			fb.SmallPayments++
		}
		fb.InflowValue.Add(f.Asset, f.Value)
		if fb.Payments == 1 || f.Height < fb.FirstHeight { // (0 is a height too)
			fb.FirstHeight = f.Height
		}
		fb.LastHeight = max(fb.LastHeight, f.Height)
		if _, added := s.firstPay.insert(pairKeyOf(pair(b, a)), uint32(f.Height)); added {
			fb.Payers++
			k, _ := s.payerCounterparties.insert(clusterKey(a), 0)
			*k++
			fb.addNewPayer(f.Height/s.period, f.Unix)
			if s.ctx.Sanctioned[a] {
				fb.Sanctioned = max(fb.Sanctioned, 0.5)
			}
			if s.ctx.Sanctioned[b] {
				s.payerOfSanctioned[a] = true
			}
		}
		fb.inHeights += float64(f.Height)
	}
	if s.mine(a) {
		fa := s.get(a)
		fa.OutflowValue.Add(f.Asset, f.Value)
		if h := s.firstPay.find(pairKeyOf(pair(a, b))); h != nil && uint64(*h&^paidBackMark) < f.Height {
			fa.PaybackValue.Add(f.Asset, f.Value)
			if *h&paidBackMark == 0 {
				*h |= paidBackMark
				fa.PaybackPayers++
			}
		}
	}
}
