package metrics

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sort"
	"sync"
	"time"
)

// Registry holds the ingest metrics of one process.
type Registry struct {
	mu     sync.Mutex
	chains map[string]*chainMetrics
}

type chainMetrics struct {
	blocks, txs, batches, errors uint64
	height, target               int64
	lastCommit                   time.Time
}

// New returns an empty registry.
func New() *Registry { return &Registry{chains: map[string]*chainMetrics{}} }

func (r *Registry) chain(name string) *chainMetrics {
	c, ok := r.chains[name]
	if !ok {
		c = &chainMetrics{height: -1, target: -1}
		r.chains[name] = c
	}
	return c
}

// Committed records a committed batch.
func (r *Registry) Committed(chain string, blocks, txs int, height, target int64) {
	r.mu.Lock()
	defer r.mu.Unlock()
	c := r.chain(chain)
	c.blocks += uint64(blocks)
	c.txs += uint64(txs)
	c.batches++
	c.height, c.target = height, target
	c.lastCommit = time.Now()
}

// Failed records a failed run.
func (r *Registry) Failed(chain string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.chain(chain).errors++
}

// ServeHTTP writes the Prometheus text exposition format.
func (r *Registry) ServeHTTP(w http.ResponseWriter, _ *http.Request) {
	r.mu.Lock()
	defer r.mu.Unlock()
	names := make([]string, 0, len(r.chains))
	for n := range r.chains {
		names = append(names, n)
	}
	sort.Strings(names)
	w.Header().Set("Content-Type", "text/plain; version=0.0.4")
	write := func(name, typ, help string, val func(*chainMetrics) string) {
		fmt.Fprintf(w, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, typ)
		for _, n := range names {
			fmt.Fprintf(w, "%s{chain=%q} %s\n", name, n, val(r.chains[n]))
		}
	}
	write("chainsleuth_ingest_blocks_total", "counter", "Blocks committed to ClickHouse.", func(c *chainMetrics) string { return fmt.Sprint(c.blocks) })
	write("chainsleuth_ingest_transactions_total", "counter", "Transactions committed to ClickHouse.", func(c *chainMetrics) string { return fmt.Sprint(c.txs) })
	write("chainsleuth_ingest_batches_total", "counter", "Batches committed to ClickHouse.", func(c *chainMetrics) string { return fmt.Sprint(c.batches) })
	write("chainsleuth_ingest_errors_total", "counter", "Ingest runs that ended in an error.", func(c *chainMetrics) string { return fmt.Sprint(c.errors) })
	write("chainsleuth_ingest_height", "gauge", "Last committed block height.", func(c *chainMetrics) string { return fmt.Sprint(c.height) })
	write("chainsleuth_ingest_target_height", "gauge", "Height the run is heading for.", func(c *chainMetrics) string { return fmt.Sprint(c.target) })
	write("chainsleuth_ingest_last_commit_timestamp_seconds", "gauge", "Unix time of the last commit.", func(c *chainMetrics) string {
		if c.lastCommit.IsZero() {
			return "0"
		}
		return fmt.Sprint(c.lastCommit.Unix())
	})
}

// Serve listens on addr (e.g. 127.0.0.1:9464) and serves /metrics until ctx
// ends. It returns once the listener is bound, so a busy port fails at once.
func (r *Registry) Serve(ctx context.Context, addr string, log *slog.Logger) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("metrics listener on %s: %w (choose another --metrics-addr)", addr, err)
	}
	mux := http.NewServeMux()
	mux.Handle("/metrics", r)
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go func() {
		<-ctx.Done()
		shut, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		_ = srv.Shutdown(shut)
	}()
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Error("metrics server stopped", "err", err)
		}
	}()
	log.Info("serving Prometheus metrics", "url", "http://"+ln.Addr().String()+"/metrics")
	return nil
}
