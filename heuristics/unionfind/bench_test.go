package unionfind

import (
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
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
// Benchmarks only run with -bench, so the 800 MB of links is never allocated by a plain `go test`.
func BenchmarkUnion(b *testing.B) {
	ids, edges := envInt("CHAINSLEUTH_UF_IDS", 50_000_000), envInt("CHAINSLEUTH_UF_EDGES", 100_000_000)
	for _, kind := range []string{"random", "local", "stream"} {
		b.Run(fmt.Sprintf("%s/ids=%d/edges=%d", kind, ids, edges), func(b *testing.B) {
			r := rand.New(rand.NewPCG(42, 42))
			links := make([]uint32, 2*edges)
			for i := 0; i < len(links); i += 2 {
				a := uint32(r.IntN(ids))
				if kind == "stream" {
					a = uint32(int64(i/2) * int64(ids) / int64(edges))
				}
				links[i] = a
				switch {
				case kind == "random" || (kind == "stream" && r.IntN(16) == 0):
					links[i+1] = uint32(r.IntN(int(a) + 1))
					if kind == "random" {
						links[i+1] = uint32(r.IntN(ids))
					}
				default:
					links[i+1] = uint32(min(ids-1, int(a)+1+r.IntN(64)))
				}
			}
			b.ResetTimer()
			var elapsed time.Duration
			merged := 0
			for range b.N {
				b.StopTimer()
				f := New(ids)
				b.StartTimer()
				start := time.Now()
				merged = 0
				for i := 0; i < len(links); i += 2 {
					if f.Union(links[i], links[i+1]) {
						merged++
					}
				}
				elapsed += time.Since(start)
			}
			b.ReportMetric(float64(edges)*float64(b.N)/elapsed.Seconds(), "unions/s")
			b.ReportMetric(BytesPerID, "B/address")
			b.ReportMetric(float64(merged), "merges")
		})
	}
}

func envInt(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil && v > 0 {
		return v
	}
	return def
}
