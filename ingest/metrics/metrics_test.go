package metrics

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"testing"
)

func TestMetricsAreServedInThePrometheusTextFormat(t *testing.T) {
	r := New()
	r.Committed("btc", 10, 250, 109, 500)
	r.Committed("btc", 5, 50, 114, 500)
	r.Failed("eth")
	l, _ := net.Listen("tcp", "127.0.0.1:0")
	addr := l.Addr().String()
	l.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	if err := r.Serve(ctx, addr, slog.New(slog.NewTextHandler(io.Discard, nil))); err != nil {
		t.Fatal(err)
	}
	resp, err := http.Get("http://" + addr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, want := range []string{
		`chainsleuth_ingest_blocks_total{chain="btc"} 15`,
		`chainsleuth_ingest_transactions_total{chain="btc"} 300`,
		`chainsleuth_ingest_height{chain="btc"} 114`,
		`chainsleuth_ingest_errors_total{chain="eth"} 1`,
		"# TYPE chainsleuth_ingest_height gauge",
	} {
		if !strings.Contains(string(body), want) {
			t.Errorf("missing %q in:\n%s", want, body)
		}
	}
	if err := r.Serve(ctx, addr, slog.Default()); err == nil || !strings.Contains(err.Error(), "--metrics-addr") {
		t.Errorf("a busy port should fail clearly, got %v", err)
	}
}
