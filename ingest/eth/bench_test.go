package eth_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/chainsleuth/chainsleuth/chain/ethereum"
	"github.com/chainsleuth/chainsleuth/ingest/eth"
	"github.com/chainsleuth/chainsleuth/ingest/pipeline"
	"github.com/chainsleuth/chainsleuth/internal/devnet"
	"github.com/chainsleuth/chainsleuth/internal/testenv"
)

// BenchmarkIngestAgainstRawFetch ingests a dev chain of at least 1,000
// blocks × 50 transactions (payments, ERC-20 transfers and crowdsale
// purchases with an internal transfer each), with receipts and callTracer
// traces, and in the same run fetches the same blocks, receipts and traces
// over JSON-RPC without decoding them. It reports both rates and their ratio
// (target ≥ 0.9). Size with CHAINSLEUTH_BENCH_ETH_BLOCKS / _TXS.
func BenchmarkIngestAgainstRawFetch(b *testing.B) {
	blocks := envInt("CHAINSLEUTH_BENCH_ETH_BLOCKS", 1000)
	txs := envInt("CHAINSLEUTH_BENCH_ETH_TXS", 50)
	workers := envInt("CHAINSLEUTH_BENCH_WORKERS", 4)
	ctx := context.Background()
	chain, err := devnet.Start(ctx, devnet.Config{})
	if err != nil {
		b.Fatal(err)
	}
	defer chain.Close()
	fill, err := devnet.FillBlocks(ctx, chain, blocks, txs)
	if err != nil {
		b.Fatal(err)
	}
	b.Logf("filled %d blocks × %d txs in %s", blocks, txs, fill.Elapsed.Round(time.Second))
	tip := int64(chain.Head())
	level := slog.LevelWarn
	if os.Getenv("CHAINSLEUTH_BENCH_DEBUG") != "" {
		level = slog.LevelDebug
	}
	quiet := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))
	node, err := ethereum.Dial(ctx, chain.URL(), ethereum.Options{Traces: ethereum.TracesDebug, Logger: quiet})
	if err != nil {
		b.Fatal(err)
	}
	defer node.Close()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		// The raw fetch runs before and after the ingest and counts as the
		// mean of both: the dev chain shares this machine's cores and its
		// background work (log indexing after the fill) fades over the run.
		busy0, busyOK := testenv.MachineBusy()
		start := time.Now()
		if err := rawFetch(ctx, chain.URL(), tip, workers); err != nil {
			b.Fatal(err)
		}
		raw := time.Since(start)
		busy1, _ := testenv.MachineBusy()

		b.StopTimer()
		st, _ := testenv.Store(b)
		b.StartTimer()
		busy2, _ := testenv.MachineBusy()
		stopProfile := testenv.ProfileCPU(b)
		start = time.Now()
		var txCount int
		err := pipeline.Run[eth.Block](ctx, eth.Source{Client: node}, eth.NewSink(st, node, eth.Config{Logger: quiet}), pipeline.Options{
			From: -1, To: tip, Workers: workers, Logger: quiet,
			Progress: func(p pipeline.Progress) { txCount += p.Txs },
		})
		if err != nil {
			b.Fatal(err)
		}
		ing := time.Since(start)
		busy3, _ := testenv.MachineBusy()
		stopProfile()
		start = time.Now()
		if err := rawFetch(ctx, chain.URL(), tip, workers); err != nil {
			b.Fatal(err)
		}
		raw2 := time.Since(start)
		busy4, _ := testenv.MachineBusy()
		rawBusy := (busy1 - busy0 + busy4 - busy3) / 2
		raw = (raw + raw2) / 2
		var rows uint64
		for table := range testenv.EthereumTables {
			n, err := st.CountWhere(ctx, table, false, "")
			if err != nil {
				b.Fatal(err)
			}
			rows += n
		}
		n := float64(tip + 1)
		b.ReportMetric(n/raw.Seconds(), "raw_blocks/s")
		b.ReportMetric(n/ing.Seconds(), "ingest_blocks/s")
		b.ReportMetric(float64(txCount)/ing.Seconds(), "ingest_tx/s")
		b.ReportMetric(float64(rows)/ing.Seconds(), "ingest_rows/s")
		b.ReportMetric(raw.Seconds()/ing.Seconds(), "ratio")
		if busyOK {
			// Cores the machine kept busy in each step (the node, ClickHouse
			// and this process alike), and the raw fetch's CPU time over the
			// ingest's: where the raw fetch keeps every core busy, the
			// ratio cannot exceed it (and where the ingest does too, the
			// ratio is it).
			b.ReportMetric(rawBusy.Seconds()/raw.Seconds(), "raw_busy_cores")
			b.ReportMetric((busy3-busy2).Seconds()/ing.Seconds(), "ingest_busy_cores")
			b.ReportMetric(rawBusy.Seconds()/(busy3-busy2).Seconds(), "cpu_ratio")
		}
		b.ReportMetric(n, "blocks")
		b.ReportMetric(float64(txCount), "txs")
	}
}

// rawFetch asks the node for every block with its transactions, its
// receipts and its callTracer traces, one batch request per block, and
// reads the answers without decoding them.
func rawFetch(ctx context.Context, url string, tip int64, workers int) error {
	jobs := make(chan int64)
	errs := make(chan error, workers)
	var wg sync.WaitGroup
	// Uncompressed, as the ingest's client asks a node on this machine.
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: workers, DisableCompression: true}}
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for h := range jobs {
				num := "0x" + strconv.FormatInt(h, 16)
				body := fmt.Sprintf(`[{"jsonrpc":"2.0","id":1,"method":"eth_getBlockByNumber","params":[%q,true]},`+
					`{"jsonrpc":"2.0","id":2,"method":"eth_getBlockReceipts","params":[%q]},`+
					`{"jsonrpc":"2.0","id":3,"method":"debug_traceBlockByNumber","params":[%q,{"tracer":"callTracer"}]}]`, num, num, num)
				req, _ := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewBufferString(body))
				req.Header.Set("Content-Type", "application/json")
				resp, err := client.Do(req)
				if err == nil {
					_, err = io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
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
