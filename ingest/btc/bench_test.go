package btc_test

import (
	"context"
	"log/slog"
	"math/rand/v2"
	"os"
	"runtime/pprof"
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
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		// Raw: getblockhash + getblock <hash> 0 for every block, no decoding.
		start := time.Now()
		if err := rawFetch(ctx, node, tip, workers); err != nil {
			b.Fatal(err)
		}
		raw := time.Since(start)

		b.StopTimer()
		st, _ := testenv.Store(b)
		b.StartTimer()
		start = time.Now()
		sink := btc.NewSink(st, node, btc.Config{Logger: quiet})
		var rows, txCount int
		if os.Getenv("CHAINSLEUTH_BENCH_PROFILE") != "" {
			f, _ := os.Create(os.Getenv("CHAINSLEUTH_BENCH_PROFILE"))
			pprof.StartCPUProfile(f)
			defer pprof.StopCPUProfile()
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
		for _, t := range []string{"btc_blocks", "btc_txs", "btc_inputs", "btc_outputs", "transfers", "transfers_by_address"} {
			n, err := st.CountWhere(ctx, t, false, "")
			if err != nil {
				b.Fatal(err)
			}
			rows += int(n)
			b.ReportMetric(float64(n), t+"_rows")
		}
		n := float64(tip + 1)
		b.ReportMetric(n/raw.Seconds(), "raw_blocks/s")
		b.ReportMetric(n/ing.Seconds(), "ingest_blocks/s")
		b.ReportMetric(float64(txCount)/ing.Seconds(), "ingest_tx/s")
		b.ReportMetric(float64(rows)/ing.Seconds(), "ingest_rows/s")
		b.ReportMetric(raw.Seconds()/ing.Seconds(), "ratio")
		b.ReportMetric(n, "blocks")
	}
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
