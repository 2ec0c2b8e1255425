package main

import (
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/chainsleuth/chainsleuth/internal/regtest"
	"github.com/chainsleuth/chainsleuth/internal/testenv"
)

// ClickHouse stopped and restarted in the middle of an ingest: the ingest
// retries with backoff and completes, and the tables equal a clean run's.
func TestIngestSurvivesAClickHouseRestart(t *testing.T) {
	chain := regtest.Start(t, "ch-restart", 105)
	chain.Fill(t, rand.New(rand.NewPCG(9, 9)), 40, 10, 30)
	ch := testenv.StartPrivateClickHouse(t)
	args := []string{"--log-level", "debug", "ingest", "btc", "--confirmations", "1", "--batch-blocks", "2", "--progress", "log"}

	p := startIngest(t, []string{"CHAINSLEUTH_CLICKHOUSE=" + ch.DSN, "CHAINSLEUTH_BTC_RPC=" + chain.Node.URL}, args, 5)
	p.waitCommitted(t)
	ch.Stop()
	time.Sleep(2 * time.Second)
	ch.Start()
	if err := <-p.Done(); err != nil {
		t.Fatalf("ingest did not survive the restart: %v\n%s", err, p.Log())
	}
	if !strings.Contains(p.Log(), "ClickHouse unavailable, retrying") {
		t.Fatalf("the ingest never saw the server go away:\n%s", p.Log())
	}

	clean := testenv.NewDatabase(t)
	if _, stderr, code := runCLI(t, []string{"CHAINSLEUTH_CLICKHOUSE=" + clean, "CHAINSLEUTH_BTC_RPC=" + chain.Node.URL}, args...); code != 0 {
		t.Fatalf("clean ingest exit %d:\n%s", code, stderr)
	}
	want := testenv.Digest(t, openDB(t, clean), testenv.BitcoinTables)
	got := testenv.Digest(t, openDB(t, ch.DSN), testenv.BitcoinTables)
	for table := range want {
		if got[table] != want[table] {
			t.Errorf("%s after the restart: %s; clean run: %s", table, got[table], want[table])
		}
	}
}
