package main

import (
	"bufio"
	"math/rand/v2"
	"os"
	"os/exec"
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

	cmd := exec.Command(binary(t), args...)
	cmd.Env = append(os.Environ(), "CHAINSLEUTH_CLICKHOUSE="+ch.DSN, "CHAINSLEUTH_BTC_RPC="+chain.Node.URL)
	pipe, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var log strings.Builder
	committed := make(chan struct{})
	scanned := make(chan struct{})
	go func() {
		defer close(scanned)
		sc := bufio.NewScanner(pipe)
		n := 0
		for sc.Scan() {
			log.WriteString(sc.Text() + "\n")
			if strings.Contains(sc.Text(), "batch committed") {
				if n++; n == 5 {
					close(committed)
				}
			}
		}
	}()
	select {
	case <-committed:
	case <-time.After(60 * time.Second):
		t.Fatal("no batch committed within 60s")
	}
	ch.Stop()
	time.Sleep(2 * time.Second)
	ch.Start()
	<-scanned
	if err := cmd.Wait(); err != nil {
		t.Fatalf("ingest did not survive the restart: %v\n%s", err, log.String())
	}
	if !strings.Contains(log.String(), "ClickHouse unavailable, retrying") {
		t.Fatalf("the ingest never saw the server go away:\n%s", log.String())
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
