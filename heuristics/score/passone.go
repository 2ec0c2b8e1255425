package score

import (
	"math/bits"
	"runtime"
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
// receiver).
type pass1Shard struct {
	feats    map[int64]*Features
	firstPay map[pairKey]uint32   // (receiver, payer) → height of the first payment
	paidBack map[pairKey]struct{} // (receiver of the payback, payer of it) where the receiver paid first
	// Payers of any shard: new receivers they paid, and whether one of those
	// receivers is sanctioned.
	payerCounterparties map[int64]int
	payerOfSanctioned   map[int64]bool
}

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
	return p.shards[shardOf(int64(k.receiver), len(p.shards))].firstPay[k]
}

// passOne is Compute's pass 1 over n shards of the clusters. A flow a → b
// changes b's features as a receiver and a's as a payer; every shard reads
// every flow and makes the changes of its own clusters, so each cluster's
// features change in the order of the flows, as in one goroutine, and the
// features are the same for any n (floating-point sums included). Both
// lookups of a flow's pairs belong to one shard: (b, a) to b's as the
// receiver's first payment, (a, b) to a's as the payback test. The shards
// run side by side, one batch of flows at a time; shard 0 runs in the
// caller's goroutine.
func passOne(flows Flows, ctx Context, cfg Config, chainName string, n int) (*pass1, error) {
	period := max(cfg.PeriodBlocks[chainName], 1)
	shards := make([]*pass1Shard, n)
	for i := range shards {
		shards[i] = &pass1Shard{feats: map[int64]*Features{}, firstPay: map[pairKey]uint32{}, paidBack: map[pairKey]struct{}{},
			payerCounterparties: map[int64]int{}, payerOfSanctioned: map[int64]bool{}}
	}
	run := func(me int, batch []Flow) {
		s := shards[me]
		get := func(c int64) *Features {
			f := s.feats[c]
			if f == nil {
				f = newFeatures(c)
				s.feats[c] = f
			}
			return f
		}
		for i := range batch {
			f := &batch[i]
			if !payment(f) {
				continue
			}
			a, b := f.FromCluster, f.ToCluster
			if n == 1 || shardOf(b, n) == me {
				fb := get(b)
				fb.Payments++
				if f.Value <= smallLimit(cfg, f) {
					fb.SmallPayments++
				}
				fb.InflowValue.Add(f.Asset, f.Value)
				if fb.Payments == 1 || f.Height < fb.FirstHeight { // (0 is a height too)
					fb.FirstHeight = f.Height
				}
				fb.LastHeight = max(fb.LastHeight, f.Height)
				if _, seen := s.firstPay[pair(b, a)]; !seen {
					s.firstPay[pair(b, a)] = uint32(f.Height)
					fb.Payers++
					s.payerCounterparties[a]++
					fb.NewPayers.Add(f.Height/period, f.Time)
					if ctx.Sanctioned[a] {
						fb.Sanctioned = max(fb.Sanctioned, 0.5)
					}
					if ctx.Sanctioned[b] {
						s.payerOfSanctioned[a] = true
					}
				}
				fb.inHeights += float64(f.Height)
				fb.ins++
			}
			if n == 1 || shardOf(a, n) == me {
				fa := get(a)
				fa.OutflowValue.Add(f.Asset, f.Value)
				if h, ok := s.firstPay[pair(a, b)]; ok && uint64(h) < f.Height {
					fa.PaybackValue.Add(f.Asset, f.Value)
					if _, seen := s.paidBack[pair(a, b)]; !seen {
						s.paidBack[pair(a, b)] = struct{}{}
						fa.PaybackPayers++
					}
				}
			}
		}
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
				run(me, j.batch)
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
		run(0, batch)
		for range workers {
			<-done
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	// The features of every shard go into shard 0's map, which becomes the
	// result's (each cluster is in one shard's map only).
	out := &pass1{feats: shards[0].feats, shards: shards}
	for _, s := range shards[1:] {
		for c, f := range s.feats {
			out.feats[c] = f
		}
	}
	// Every payer has features: its shard made them for the flow's payer side.
	for _, s := range shards {
		for c, k := range s.payerCounterparties {
			out.feats[c].Counterparties += k
		}
		for c := range s.payerOfSanctioned {
			out.feats[c].Sanctioned = max(out.feats[c].Sanctioned, 0.5)
		}
	}
	return out, nil
}
