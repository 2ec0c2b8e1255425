package scaledata_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"github.com/chainsleuth/chainsleuth/heuristics/cluster"
	"github.com/chainsleuth/chainsleuth/heuristics/score"
	"github.com/chainsleuth/chainsleuth/ingest/store"
	"github.com/chainsleuth/chainsleuth/internal/scaledata"
	"github.com/chainsleuth/chainsleuth/internal/testenv"
)

// Queries an address page makes: its totals, and its latest history.
const (
	totalsQuery = `SELECT direction, count(), sum(value), min(height), max(height) FROM transfers_by_address
WHERE chain = ? AND address = ? GROUP BY direction`
	historyQuery = `SELECT height, txid, idx, direction, counterparty, value FROM transfers_by_address
WHERE chain = ? AND address = ? ORDER BY height DESC LIMIT 100`
)

func drain(driver.Rows) error { return nil }

// scaleStore is database chainsleuth_scale (CHAINSLEUTH_BENCH_SCALE_DB) with
// CHAINSLEUTH_BENCH_SCALE_TRANSFERS generated transfers (default 100M; kept
// between runs and shared by the benchmarks here, since generating them
// takes minutes), and their number.
func scaleStore(b *testing.B) (*store.Store, uint64) {
	n := uint64(100_000_000)
	if v, err := strconv.ParseUint(os.Getenv("CHAINSLEUTH_BENCH_SCALE_TRANSFERS"), 10, 64); err == nil && v > 0 {
		n = v
	}
	u, err := url.Parse(testenv.ClickHouseDSN(b))
	if err != nil {
		b.Fatal(err)
	}
	u.Path = "/chainsleuth_scale"
	if db := os.Getenv("CHAINSLEUTH_BENCH_SCALE_DB"); db != "" {
		u.Path = "/" + db
	}
	ctx := context.Background()
	st, err := store.Open(ctx, u.String(), store.Options{CreateDatabase: true})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { st.Close() })
	if _, err := st.Migrate(ctx); err != nil {
		b.Fatal(err)
	}
	start := time.Now()
	err = scaledata.Generate(ctx, st, n, 10_000_000, func(done uint64, took time.Duration) {
		b.Logf("generated %d transfers (%s for the last step)", done, took.Round(time.Second))
	})
	if err != nil {
		b.Fatal(err)
	}
	b.Logf("dataset of %d transfers ready in %s", n, time.Since(start).Round(time.Second))
	return st, n
}

// BenchmarkAddressLookupOnGeneratedTransfers times an address lookup on the
// generated transfers (scaleStore) — its totals and its last 100 transfers
// from transfers_by_address — for 200 random addresses (target: under
// 50 ms).
func BenchmarkAddressLookupOnGeneratedTransfers(b *testing.B) {
	st, n := scaleStore(b)
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(1, 2))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		var lat []time.Duration
		for range 200 {
			addr := scaledata.Address(rng.Uint64N(scaledata.AddressPool))
			t0 := time.Now()
			if err := st.Query(ctx, "totals", totalsQuery, []any{"btc", addr}, nil, drain); err != nil {
				b.Fatal(err)
			}
			if err := st.Query(ctx, "history", historyQuery, []any{"btc", addr}, nil, drain); err != nil {
				b.Fatal(err)
			}
			lat = append(lat, time.Since(t0))
		}
		slices.Sort(lat)
		ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
		b.ReportMetric(ms(lat[len(lat)/2]), "p50_ms")
		b.ReportMetric(ms(lat[len(lat)*95/100]), "p95_ms")
		b.ReportMetric(ms(lat[len(lat)-1]), "max_ms")
		b.ReportMetric(float64(n), "transfers")
	}
}

// BenchmarkScoreOnGeneratedTransfers scores the generated transfers
// (scaleStore) with the default configuration, its 30-day window included
// (blocks of 144 per period, a day of Bitcoin), after giving their addresses
// ids and 200,000 synthetic clusters as a finished cluster run
// (scaledata.AssignClusters, once per dataset). It reports the time of a
// run (target: under 30 s at 100M transfers), the flows in the window, and
// the process's peak RSS (VmHWM; the score runs in it).
func BenchmarkScoreOnGeneratedTransfers(b *testing.B) {
	if scaledata.ClusterRunJob != cluster.JobName {
		b.Fatalf("scaledata records cluster runs as %q, the cluster job is %q", scaledata.ClusterRunJob, cluster.JobName)
	}
	st, n := scaleStore(b)
	ctx := context.Background()
	start := time.Now()
	if _, err := scaledata.AssignClusters(ctx, st, n, 200_000); err != nil {
		b.Fatal(err)
	}
	b.Logf("addresses in clusters in %s", time.Since(start).Round(time.Second))
	cfg := score.DefaultConfig()
	cfg.PeriodBlocks = map[string]uint64{"btc": 144}
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	var flows int
	b.ResetTimer()
	for range b.N {
		res, err := score.Run(ctx, st, score.Options{Config: cfg, Chains: []string{"btc"}, Logger: quiet})
		if err != nil {
			b.Fatal(err)
		}
		flows = res[0].Flows
	}
	b.StopTimer()
	b.ReportMetric(b.Elapsed().Seconds()/float64(b.N), "s/run")
	b.ReportMetric(float64(flows), "flows")
	b.ReportMetric(float64(n), "transfers")
	if kb, err := peakRSSKB(); err == nil {
		b.ReportMetric(float64(kb)/1024, "peak_rss_MB")
	}
}

// peakRSSKB is the process's peak resident set (VmHWM of /proc/self/status).
func peakRSSKB() (int, error) {
	raw, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(string(raw), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			return strconv.Atoi(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")))
		}
	}
	return 0, fmt.Errorf("no VmHWM in /proc/self/status")
}
