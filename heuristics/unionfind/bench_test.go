package unionfind

import (
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"
)

// BenchmarkUnion streams synthetic links into a forest of 50M addresses, 100M links per iteration (the
// issue's sizes; CHAINSLEUTH_UF_IDS and CHAINSLEUTH_UF_EDGES override them), and reports unions per second
// (links processed, merging or not) and bytes per address. Links are generated before the timer starts.
//
//   - random: both ends uniform over all ids (worst case: every find is a cache miss);
//   - local: the second end at most 64 ids after the first, as co-spent addresses, whose ids are assigned in
//     order of first appearance, mostly are;
//   - stream: like local, but the first ends sweep the ids in order (links arrive in block order, and ids
//     are assigned in block order), with one link in 16 to a uniformly random earlier id (address reuse).
//
// Each iteration runs the same links twice on fresh forests, in one run so that the machine's load is
// the same for both: one Union call per link (each-unions/s) and UnionPairs (unions/s, the engine's
// figure), and reports their ratio (x-each) and the process's memory in huge pages (huge-MB, Linux only;
// the links are not advised, so this is the forests', against a forest of ids × 8 B).
//
// The machine's own limit is measured in the same run: touches/s is how fast it updates the nodes of
// the links' ids one after another (an increment of each end's node, no find, no dependence between
// them), and touches-per-union is that rate over UnionPairs' rate: how many such node accesses one
// union costs. A union must touch at least its two ends, so 2 is the floor; on random links the
// parents of the ends add about two more. Machines differ by 2× in this rate (docs/performance.md),
// so the absolute unions/s are read against it. Benchmarks only run with -bench, so the 800 MB of
// links is never allocated by a plain `go test`.
func BenchmarkUnion(b *testing.B) {
	ids, edges := envInt("CHAINSLEUTH_UF_IDS", 50_000_000), envInt("CHAINSLEUTH_UF_EDGES", 100_000_000)
	for _, kind := range []string{"random", "local", "stream"} {
		b.Run(fmt.Sprintf("%s/ids=%d/edges=%d", kind, ids, edges), func(b *testing.B) {
			links := syntheticLinks(kind, ids, edges)
			b.ResetTimer()
			var each, pairs, touch time.Duration
			merged := 0
			for range b.N {
				b.StopTimer()
				f := New(ids)
				start := time.Now()
				merged = 0
				for i := 0; i < len(links); i += 2 {
					if f.Union(links[i], links[i+1]) {
						merged++
					}
				}
				each += time.Since(start)
				f = New(ids)
				b.StartTimer()
				start = time.Now()
				if got := f.UnionPairs(links); got != merged {
					b.Fatalf("UnionPairs merged %d, Union one link at a time %d", got, merged)
				}
				pairs += time.Since(start)
				b.StopTimer()
				touch += touchNodes(New(ids), links)
				b.StartTimer()
			}
			n := float64(edges) * float64(b.N)
			b.ReportMetric(n/pairs.Seconds(), "unions/s")
			b.ReportMetric(n/each.Seconds(), "each-unions/s")
			b.ReportMetric(each.Seconds()/pairs.Seconds(), "x-each")
			b.ReportMetric(2*n/touch.Seconds(), "touches/s")
			b.ReportMetric(2*n/touch.Seconds()/(n/pairs.Seconds()), "touches-per-union")
			b.ReportMetric(BytesPerID, "B/address")
			b.ReportMetric(float64(merged), "merges")
			if huge := anonHugeBytes(); huge >= 0 {
				b.ReportMetric(float64(huge>>20), "huge-MB")
			}
		})
	}
}

// touchNodes increments the node of every id of links in a fresh forest and returns the time it took:
// the rate at which this machine reaches random nodes of a forest this size when nothing waits on a read.
func touchNodes(f *Forest, links []uint32) time.Duration {
	nodes := f.nodes
	start := time.Now()
	for _, id := range links {
		nodes[id].parent++
	}
	return time.Since(start)
}

// syntheticLinks makes the links of one kind of BenchmarkUnion, always the same for the same sizes.
func syntheticLinks(kind string, ids, edges int) []uint32 {
	r := rand.New(rand.NewPCG(42, 42))
	links := make([]uint32, 2*edges)
	for i := 0; i < len(links); i += 2 {
		a := uint32(r.IntN(ids))
		if kind == "stream" {
			a = uint32(int64(i/2) * int64(ids) / int64(edges))
		}
		links[i] = a
		switch {
		case kind == "random":
			links[i+1] = uint32(r.IntN(ids))
		case kind == "stream" && r.IntN(16) == 0:
			links[i+1] = uint32(r.IntN(int(a) + 1))
		default:
			links[i+1] = uint32(min(ids-1, int(a)+1+r.IntN(64)))
		}
	}
	return links
}

// anonHugeBytes is the process's memory backed by transparent huge pages (AnonHugePages in
// /proc/self/smaps_rollup), or -1 where that is not known.
func anonHugeBytes() int {
	b, err := os.ReadFile("/proc/self/smaps_rollup")
	if err != nil {
		return -1
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "AnonHugePages:"); ok {
			kb, _ := strconv.Atoi(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")))
			return kb << 10
		}
	}
	return -1
}

func envInt(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil && v > 0 {
		return v
	}
	return def
}
