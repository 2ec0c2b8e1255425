package scaledata_test

import (
	"net/url"

	"context"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

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

// BenchmarkAddressLookupOnGeneratedTransfers fills a database with
// CHAINSLEUTH_BENCH_SCALE_TRANSFERS generated transfers (default 100M; kept
// in database chainsleuth_scale between runs, since generating them takes
// minutes) and times an address lookup — its totals and its last 100
// transfers from transfers_by_address — for 200 random addresses
// (target: under 50 ms).
func BenchmarkAddressLookupOnGeneratedTransfers(b *testing.B) {
	n := uint64(100_000_000)
	if v, err := strconv.ParseUint(os.Getenv("CHAINSLEUTH_BENCH_SCALE_TRANSFERS"), 10, 64); err == nil && v > 0 {
		n = v
	}
	u, err := url.Parse(testenv.ClickHouseDSN(b))
	if err != nil {
		b.Fatal(err)
	}
	u.Path = "/chainsleuth_scale"
	ctx := context.Background()
	st, err := store.Open(ctx, u.String(), store.Options{CreateDatabase: true})
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
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
