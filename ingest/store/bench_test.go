package store_test

import (
	"context"
	"crypto/tls"
	"fmt"
	"os"
	"strconv"
	"testing"
	"time"

	ch "github.com/ClickHouse/clickhouse-go/v2"

	"github.com/chainsleuth/chainsleuth/ingest/store"
	"github.com/chainsleuth/chainsleuth/internal/testenv"
)

// transferRows are n rows shaped like the transfers table's.
func transferRows(n int) store.Batch {
	chains, txids, from, to, asset, amount, kind := make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n)
	heights, times, idx, value := make([]uint64, n), make([]time.Time, n), make([]uint32, n), make([]float64, n)
	t0 := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range n {
		chains[i], heights[i], times[i] = "btc", uint64(800_000+i/2000), t0.Add(time.Duration(i/2000)*10*time.Minute)
		txids[i], idx[i] = fmt.Sprintf("%064x", i/3), uint32(i%3)
		from[i], to[i] = fmt.Sprintf("bc1q%038x", i%1_000_003), fmt.Sprintf("bc1q%038x", (i*7919)%1_000_003)
		asset[i], amount[i], value[i], kind[i] = "BTC", strconv.Itoa(1000+i), float64(1000+i)/1e8, "utxo"
	}
	return store.Batch{Table: "transfers",
		Columns: []string{"chain", "height", "time", "txid", "idx", "from_address", "to_address", "asset", "amount", "value", "kind"},
		Data:    []any{chains, heights, times, txids, idx, from, to, asset, amount, value, kind}}
}

// BenchmarkWriteAgainstRawDriver writes the same rows (CHAINSLEUTH_BENCH_WRITE_ROWS, default 1M, shaped like
// transfers) into two copies of the transfers table: once with the driver alone (PrepareBatch, columnar
// Append, Send) and once through store.Insert followed by the row-count check every sink makes. It reports
// both rates and their ratio (target ≥ 0.8).
func BenchmarkWriteAgainstRawDriver(b *testing.B) {
	n := 1_000_000
	if v, err := strconv.Atoi(os.Getenv("CHAINSLEUTH_BENCH_WRITE_ROWS")); err == nil && v > 0 {
		n = v
	}
	st, dsn := testenv.Store(b)
	ctx := context.Background()
	rows := transferRows(n)
	d, err := store.ParseDSN(dsn)
	if err != nil {
		b.Fatal(err)
	}
	opts := &ch.Options{Addr: []string{d.Addr}, Auth: ch.Auth{Database: d.Database, Username: d.User, Password: d.Password}}
	if d.Secure {
		opts.TLS = &tls.Config{}
	}
	raw, err := ch.Open(opts)
	if err != nil {
		b.Fatal(err)
	}
	defer raw.Close()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		for _, t := range []string{"bench_raw", "bench_store"} {
			if err := st.Exec(ctx, "bench table", "DROP TABLE IF EXISTS "+t); err != nil {
				b.Fatal(err)
			}
			if err := st.Exec(ctx, "bench table", "CREATE TABLE "+t+" AS transfers"); err != nil {
				b.Fatal(err)
			}
		}
		b.StartTimer()
		// Each path runs twice, alternating, into emptied tables; the better
		// time of each counts (the machine is shared and noisy).
		rawTime, storeTime := time.Duration(1<<62), time.Duration(1<<62)
		for round := 0; round < 2; round++ {
			b.StopTimer()
			for _, t := range []string{"bench_raw", "bench_store"} {
				if err := st.Exec(ctx, "bench table", "TRUNCATE TABLE "+t); err != nil {
					b.Fatal(err)
				}
			}
			b.StartTimer()
			start := time.Now()
			for from := 0; from < n; from += store.MaxBatchRows {
				to := min(from+store.MaxBatchRows, n)
				batch, err := raw.PrepareBatch(ctx, store.InsertSQL("bench_raw", rows.Columns))
				if err != nil {
					b.Fatal(err)
				}
				for c, col := range rows.Data {
					if err := batch.Column(c).Append(sliceOf(col, from, to)); err != nil {
						b.Fatal(err)
					}
				}
				if err := batch.Send(); err != nil {
					b.Fatal(err)
				}
			}
			rawTime = min(rawTime, time.Since(start))

			start = time.Now()
			ours := rows
			ours.Table = "bench_store"
			if err := st.Insert(ctx, ours); err != nil {
				b.Fatal(err)
			}
			got, err := st.CountWhere(ctx, "bench_store", false, "chain = ? AND height BETWEEN ? AND ?", "btc", uint64(800_000), uint64(800_000+n/2000))
			if err != nil || got != uint64(n) {
				b.Fatalf("%d rows stored of %d (%v)", got, n, err)
			}
			storeTime = min(storeTime, time.Since(start))
		}
		b.ReportMetric(float64(n)/rawTime.Seconds(), "raw_rows/s")
		b.ReportMetric(float64(n)/storeTime.Seconds(), "store_rows/s")
		b.ReportMetric(rawTime.Seconds()/storeTime.Seconds(), "ratio")
		b.ReportMetric(float64(n), "rows")
	}
}

// sliceOf is col[from:to] for a typed column slice.
func sliceOf(col any, from, to int) any {
	switch c := col.(type) {
	case []string:
		return c[from:to]
	case []uint64:
		return c[from:to]
	case []uint32:
		return c[from:to]
	case []float64:
		return c[from:to]
	case []time.Time:
		return c[from:to]
	}
	panic(fmt.Sprintf("sliceOf: %T", col))
}
