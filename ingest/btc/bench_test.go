package btc_test

import (
	"context"
	"log/slog"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/chainsleuth/chainsleuth/chain/bitcoin"
	"github.com/chainsleuth/chainsleuth/ingest/btc"
	"github.com/chainsleuth/chainsleuth/ingest/pipeline"
	"github.com/chainsleuth/chainsleuth/internal/regtest"
	"github.com/chainsleuth/chainsleuth/internal/testenv"
)

// BenchmarkIngestAgainstRawFetch ingests a regtest chain of at least 300
// blocks × 50 transactions and, in the same run, fetches the same blocks from
// the node without processing them. It reports both rates and their ratio
// (target ≥ 0.9). Size with CHAINSLEUTH_BENCH_BLOCKS / _TXS.
func BenchmarkIngestAgainstRawFetch(b *testing.B) {
	blocks := envInt("CHAINSLEUTH_BENCH_BLOCKS", 300)
	txs := envInt("CHAINSLEUTH_BENCH_TXS", 50)
	workers := envInt("CHAINSLEUTH_BENCH_WORKERS", 4)
	ctx := context.Background()
	node, tip := filledChain(b, "bench", 1, blocks, txs)
	level := slog.LevelWarn
	if os.Getenv("CHAINSLEUTH_BENCH_DEBUG") != "" {
		level = slog.LevelDebug
	}
	quiet := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))
	rounds := envInt("CHAINSLEUTH_BENCH_ROUNDS", 5)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		// Rounds of a raw fetch then an ingest into a fresh database, each
		// round's ratio from its own pair: the machine's speed drifts over
		// seconds, so the median of the pairs is the figure.
		var ratios, raws, ings, rowRates, txRates, rawCores, ingCores, cpuRatios []float64
		n := float64(tip + 1)
		for r := 0; r < rounds; r++ {
			busy0, busyOK := testenv.MachineBusy()
			start := time.Now()
			if err := rawFetch(ctx, node, tip, workers); err != nil {
				b.Fatal(err)
			}
			raw := time.Since(start)
			busy1, _ := testenv.MachineBusy()

			b.StopTimer()
			st, _ := testenv.Store(b)
			busy2, _ := testenv.MachineBusy()
			b.StartTimer()
			start = time.Now()
			sink := btc.NewSink(st, node, btc.Config{Logger: quiet})
			var rows, txCount int
			stopProfile := func() {}
			if r == 0 { // the first round's ingest
				stopProfile = testenv.ProfileCPU(b)
			}
			err := pipeline.Run[btc.Block](ctx, btc.Source{Client: node}, sink, pipeline.Options{
				From: -1, To: tip, Workers: workers, Logger: quiet,
				BatchRows: envInt("CHAINSLEUTH_BENCH_BATCH_ROWS", 0), BatchBlocks: envInt("CHAINSLEUTH_BENCH_BATCH_BLOCKS", 0),
				Progress: func(p pipeline.Progress) { txCount += p.Txs },
			})
			if err != nil {
				b.Fatal(err)
			}
			ing := time.Since(start)
			busy3, _ := testenv.MachineBusy()
			stopProfile()
			b.StopTimer()
			for _, t := range []string{"btc_blocks", "btc_txs", "btc_inputs", "btc_outputs", "transfers", "transfers_by_address"} {
				c, err := st.CountWhere(ctx, t, false, "")
				if err != nil {
					b.Fatal(err)
				}
				rows += int(c)
				if r == 0 {
					b.ReportMetric(float64(c), t+"_rows")
				}
			}
			b.StartTimer()
			ratios = append(ratios, raw.Seconds()/ing.Seconds())
			raws = append(raws, n/raw.Seconds())
			ings = append(ings, n/ing.Seconds())
			rowRates = append(rowRates, float64(rows)/ing.Seconds())
			txRates = append(txRates, float64(txCount)/ing.Seconds())
			if busyOK {
				rawCores = append(rawCores, (busy1-busy0).Seconds()/raw.Seconds())
				ingCores = append(ingCores, (busy3-busy2).Seconds()/ing.Seconds())
				cpuRatios = append(cpuRatios, (busy1-busy0).Seconds()/(busy3-busy2).Seconds())
			}
		}
		if len(cpuRatios) > 0 {
			// Cores the machine kept busy in each step, and the raw fetch's
			// CPU time over the ingest's: where the raw fetch keeps every
			// core busy, the ratio cannot exceed it (and where the ingest
			// does too, the ratio is it).
			b.ReportMetric(median(rawCores), "raw_busy_cores")
			b.ReportMetric(median(ingCores), "ingest_busy_cores")
			b.ReportMetric(median(cpuRatios), "cpu_ratio")
		}
		b.ReportMetric(median(raws), "raw_blocks/s")
		b.ReportMetric(median(ings), "ingest_blocks/s")
		b.ReportMetric(median(txRates), "ingest_tx/s")
		b.ReportMetric(median(rowRates), "ingest_rows/s")
		b.ReportMetric(median(ratios), "ratio")
		b.ReportMetric(slices.Min(ratios), "ratio_min")
		b.ReportMetric(slices.Max(ratios), "ratio_max")
		b.ReportMetric(n, "blocks")
	}
}

// median of xs (sorted in place).
func median(xs []float64) float64 {
	slices.Sort(xs)
	return xs[len(xs)/2]
}

// filledChain starts a regtest chain of 110 blocks, adds blocks × txs transactions (seeded by seed), and dials
// it; the node stops with the benchmark.
func filledChain(b *testing.B, name string, seed uint64, blocks, txs int) (*bitcoin.Client, int64) {
	chain := regtest.Start(b, name, 110)
	setup := time.Now()
	chain.Fill(b, rand.New(rand.NewPCG(seed, seed+1)), blocks, txs, 500)
	b.Logf("filled %d blocks × %d txs in %s", blocks, txs, time.Since(setup).Round(time.Second))
	node, err := bitcoin.Dial(context.Background(), chain.Node.URL)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(node.Close)
	tip, err := node.TipHeight(context.Background())
	if err != nil {
		b.Fatal(err)
	}
	return node, tip
}

func rawFetch(ctx context.Context, node *bitcoin.Client, tip int64, workers int) error {
	jobs := make(chan int64)
	errs := make(chan error, workers)
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for h := range jobs {
				hash, err := node.BlockHash(ctx, h)
				if err == nil {
					_, err = node.FetchRawBlock(ctx, hash)
				}
				if err != nil {
					select {
					case errs <- err:
					default:
					}
				}
			}
		}()
	}
	for h := int64(0); h <= tip; h++ {
		jobs <- h
	}
	close(jobs)
	wg.Wait()
	close(errs)
	return <-errs
}

func envInt(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil && v > 0 {
		return v
	}
	return def
}
