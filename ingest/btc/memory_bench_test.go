package btc_test

import (
	"bufio"
	"context"
	"fmt"
	"log/slog"
	"os"
	"runtime/debug"
	"strconv"
	"strings"
	"testing"

	"github.com/chainsleuth/chainsleuth/ingest/btc"
	"github.com/chainsleuth/chainsleuth/ingest/pipeline"
	"github.com/chainsleuth/chainsleuth/internal/testenv"
)

// BenchmarkIngestMemoryAtTwoSizes ingests the first N blocks of a regtest chain, and then all 10×N of them into
// a fresh database, and reports the peak RSS of each ingest (issue 8): prevout resolution keeps a bounded
// cache and one batch, nothing per transaction of the chain, so 10× the chain must not cost 10× the memory.
// Both ingests use the same batch size (20 blocks, so at most 2×20+4 blocks are in flight) and an output cache
// small enough (5,000 outputs) to be full at both sizes; the first 110 blocks (coinbases only) are in both. The process's peak (VmHWM) is reset before each ingest (/proc/self/clear_refs), and its RSS at
// that moment (the test's own wallet and chain, not the ingest's) is reported beside it.
// N is CHAINSLEUTH_BENCH_MEM_BLOCKS (default 100) blocks of CHAINSLEUTH_BENCH_TXS (default 50) transactions.
func BenchmarkIngestMemoryAtTwoSizes(b *testing.B) {
	small := envInt("CHAINSLEUTH_BENCH_MEM_BLOCKS", 100)
	txs := envInt("CHAINSLEUTH_BENCH_TXS", 50)
	ctx := context.Background()
	node, tip := filledChain(b, "memory", 3, small*10, txs)
	quiet := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	b.ResetTimer()
	for range b.N {
		for _, to := range []int64{tip - int64(small*9), tip} {
			b.StopTimer()
			st, _ := testenv.Store(b)
			debug.FreeOSMemory()
			if err := os.WriteFile("/proc/self/clear_refs", []byte("5"), 0); err != nil {
				b.Skipf("cannot reset the peak RSS: %v", err)
			}
			base := procStatusKB(b, "VmRSS")
			b.StartTimer()
			sink := btc.NewSink(st, node, btc.Config{Logger: quiet, CacheEntries: 5_000})
			err := pipeline.Run[btc.Block](ctx, btc.Source{Client: node}, sink, pipeline.Options{
				From: -1, To: to, Workers: 4, BatchBlocks: 20, Logger: quiet,
			})
			if err != nil {
				b.Fatal(err)
			}
			peak := procStatusKB(b, "VmHWM")
			n, err := st.CountWhere(ctx, "btc_txs", false, "")
			if err != nil {
				b.Fatal(err)
			}
			b.ReportMetric(float64(to+1), fmt.Sprintf("blocks_%d", to+1))
			b.ReportMetric(float64(n), fmt.Sprintf("txs_%d", to+1))
			b.ReportMetric(float64(peak)/1024, fmt.Sprintf("peak_RSS_MB_%d", to+1))
			b.ReportMetric(float64(peak-base)/1024, fmt.Sprintf("ingest_RSS_MB_%d", to+1))
		}
	}
}

// procStatusKB reads a kB field of /proc/self/status.
func procStatusKB(b *testing.B, field string) int64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	for s.Scan() {
		if rest, ok := strings.CutPrefix(s.Text(), field+":"); ok {
			kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			if err != nil {
				b.Fatal(err)
			}
			return kb
		}
	}
	b.Fatalf("no %s in /proc/self/status", field)
	return 0
}
