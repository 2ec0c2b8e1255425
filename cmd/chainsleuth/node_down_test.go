package main

import (
	"math/rand/v2"
	"os/exec"
	"strconv"
	"strings"
	"testing"

	"github.com/chainsleuth/chainsleuth/internal/regtest"
	"github.com/chainsleuth/chainsleuth/internal/testenv"
)

// The node stopped in the middle of an ingest: the run ends with one clear
// error naming the node, commits no partial block, and a rerun once the node
// is back completes to tables equal to a clean run's.
func TestNodeStoppedMidIngestFailsClearlyAndResumes(t *testing.T) {
	chain := regtest.Start(t, "node-down", 105)
	chain.Fill(t, rand.New(rand.NewPCG(11, 11)), 40, 10, 30)
	// btcd wipes its regtest chain when it restarts, so the node "goes away"
	// behind a proxy that refuses and resets connections.
	proxy := testenv.StartProxy(t, chain.Node.RPCAddr)
	url := "http://" + chain.Node.User + ":" + chain.Node.Pass + "@" + proxy.Addr
	db := testenv.NewDatabase(t)
	env := []string{"CHAINSLEUTH_CLICKHOUSE=" + db, "CHAINSLEUTH_BTC_RPC=" + url}
	args := []string{"--log-level", "debug", "ingest", "btc", "--confirmations", "1", "--batch-blocks", "2", "--workers", "2", "--progress", "log"}

	p := startIngest(t, env, args, 5)
	p.waitCommitted(t)
	proxy.Down()
	err := <-p.Done()
	ee, ok := err.(*exec.ExitError)
	if !ok || ee.ExitCode() != 1 {
		t.Fatalf("ingest with the node gone: %v\n%s", err, p.Log())
	}
	last := lastLine(p.Log())
	t.Logf("error with the node gone: %s", last)
	if !strings.Contains(last, proxy.Addr) || strings.Contains(last, chain.Node.Pass) {
		t.Fatalf("the error should name the node (and not its password): %s", last)
	}

	// Whatever was committed is whole: verify finds no problem up to the checkpoint.
	proxy.Up()
	st := openDB(t, db)
	next := checkpoint(t, st, "btc")
	if next <= 0 {
		t.Fatalf("nothing committed before the node stopped (checkpoint %d)", next)
	}
	if out, stderr, code := runCLI(t, env, "verify", "btc", "--to", itoa(next-1)); code != 0 {
		t.Fatalf("verify after the node stopped: exit %d\n%s%s", code, out, stderr)
	}
	if _, stderr, code := runCLI(t, env, args...); code != 0 {
		t.Fatalf("rerun: exit %d\n%s", code, stderr)
	}
	clean := testenv.NewDatabase(t)
	if _, stderr, code := runCLI(t, []string{"CHAINSLEUTH_CLICKHOUSE=" + clean, "CHAINSLEUTH_BTC_RPC=" + chain.Node.URL}, args...); code != 0 {
		t.Fatalf("clean ingest exit %d:\n%s", code, stderr)
	}
	want := testenv.Digest(t, openDB(t, clean), testenv.BitcoinTables)
	got := testenv.Digest(t, st, testenv.BitcoinTables)
	for table := range want {
		if got[table] != want[table] {
			t.Errorf("%s after the node came back: %s; clean run: %s", table, got[table], want[table])
		}
	}
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return lines[len(lines)-1]
}

func itoa(v int64) string { return strconv.FormatInt(v, 10) }
