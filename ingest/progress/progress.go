package progress

import (
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/chainsleuth/chainsleuth/ingest/pipeline"
)

// Reporter turns pipeline.Progress events into a bar or logs.
type Reporter struct {
	mu       sync.Mutex
	out      io.Writer
	bar      bool
	log      *slog.Logger
	chain    string
	started  time.Time
	lastLog  time.Time
	every    time.Duration
	blocks   int
	txs      int
	height   int64
	drawn    bool
	maxWidth int
}

// New reports for chain; mode is "auto" (bar on a terminal), "bar" or "log".
func New(chain, mode string, log *slog.Logger) *Reporter {
	bar := mode == "bar" || mode == "auto" && isTerminal(os.Stderr)
	return &Reporter{out: os.Stderr, bar: bar, log: log, chain: chain, started: time.Now(), every: 10 * time.Second, maxWidth: 30}
}

func isTerminal(f *os.File) bool {
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// Update records a committed batch.
func (r *Reporter) Update(p pipeline.Progress) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.blocks += p.Blocks
	r.txs += p.Txs
	r.height = p.Height
	el := time.Since(r.started).Seconds()
	bps, tps := float64(r.blocks)/el, float64(r.txs)/el
	left := p.Target - p.Height
	eta := "-"
	if bps > 0 && left > 0 {
		eta = (time.Duration(float64(left)/bps) * time.Second).Round(time.Second).String()
	} else if left <= 0 {
		eta = "0s"
	}
	if r.bar {
		total := p.Target - p.Start + 1
		done := p.Height - p.Start + 1
		frac := 1.0
		if total > 0 {
			frac = min(float64(done)/float64(total), 1)
		}
		fill := int(frac * float64(r.maxWidth))
		fmt.Fprintf(r.out, "\r%s [%s%s] %d/%d  %.1f blk/s  %.0f tx/s  ETA %s   ", r.chain,
			strings.Repeat("#", fill), strings.Repeat("-", r.maxWidth-fill), p.Height, p.Target, bps, tps, eta)
		r.drawn = true
		return
	}
	if time.Since(r.lastLog) >= r.every || left <= 0 {
		r.lastLog = time.Now()
		r.log.Info("ingest progress", "chain", r.chain, "height", p.Height, "target", p.Target,
			"blocks", r.blocks, "txs", r.txs, "blocks_per_s", round1(bps), "tx_per_s", round1(tps), "eta", eta)
	}
}

// Done ends the bar's line and logs a summary.
func (r *Reporter) Done() {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.drawn {
		fmt.Fprintln(r.out)
	}
	el := time.Since(r.started)
	r.log.Info("ingest finished", "chain", r.chain, "blocks", r.blocks, "txs", r.txs, "height", r.height, "elapsed", el.Round(time.Millisecond))
}

func round1(v float64) float64 { return float64(int64(v*10)) / 10 }
