package main

import (
	"math/rand/v2"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

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
	nodeDownThenResume(t, nodeDown{
		chain: "btc", env: "CHAINSLEUTH_BTC_RPC", proxy: proxy, secret: chain.Node.Pass,
		proxied: "http://" + chain.Node.User + ":" + chain.Node.Pass + "@" + proxy.Addr, direct: chain.Node.URL,
		args:   []string{"--log-level", "debug", "ingest", "btc", "--confirmations", "1", "--batch-blocks", "2", "--workers", "2", "--progress", "log"},
		tables: testenv.BitcoinTables,
	})
}

// The same for Ethereum: the dev chain behind a proxy that goes away. The
// client retries a node that does not answer for --rpc-timeout, then fails.
func TestEthereumNodeStoppedMidIngestFailsClearlyAndResumes(t *testing.T) {
	chain := filledDevnet(t, 120, 10)
	proxy := testenv.StartProxy(t, strings.TrimPrefix(chain.URL(), "http://"))
	const pass = "n0de-s3cret"
	nodeDownThenResume(t, nodeDown{
		chain: "eth", env: "CHAINSLEUTH_ETH_RPC", proxy: proxy, secret: pass,
		proxied: "http://chainsleuth:" + pass + "@" + proxy.Addr, direct: chain.URL(),
		args: []string{"--log-level", "debug", "ingest", "eth", "--confirmations", "0", "--batch-blocks", "1", "--workers", "2",
			"--progress", "log", "--rpc-timeout", "3s"},
		tables: testenv.EthereumTables,
	})
}

// nodeDown is a node behind a proxy and the ingest that reads it.
type nodeDown struct {
	chain, env      string // btc or eth, and the variable holding the node URL
	proxy           *testenv.Proxy
	proxied, direct string // the node's URL through the proxy and without it
	secret          string // the password in proxied, never to be printed
	args            []string
	tables          map[string]string
}

func nodeDownThenResume(t *testing.T, n nodeDown) {
	t.Helper()
	db := testenv.NewDatabase(t)
	env := []string{"CHAINSLEUTH_CLICKHOUSE=" + db, n.env + "=" + n.proxied}

	p := startIngest(t, env, n.args, 5)
	p.waitCommitted(t)
	n.proxy.Down()
	start := time.Now()
	err := <-p.Done()
	ee, ok := err.(*exec.ExitError)
	if !ok || ee.ExitCode() != 1 {
		t.Fatalf("ingest with the node gone: %v\n%s", err, p.Log())
	}
	last := lastLine(p.Log())
	t.Logf("error %s after the node went away: %s", time.Since(start).Round(time.Millisecond), last)
	if !strings.Contains(last, n.proxy.Addr) {
		t.Errorf("the error should name the node %s: %s", n.proxy.Addr, last)
	}
	if strings.Contains(p.Log(), n.secret) {
		t.Errorf("the log holds the node's password")
	}

	// Whatever was committed is whole: verify finds no problem up to the checkpoint.
	n.proxy.Up()
	st := openDB(t, db)
	next := checkpoint(t, st, n.chain)
	if next <= 0 {
		t.Fatalf("nothing committed before the node stopped (checkpoint %d)", next)
	}
	if out, stderr, code := runCLI(t, env, "verify", n.chain, "--to", itoa(next-1)); code != 0 {
		t.Fatalf("verify after the node stopped: exit %d\n%s%s", code, out, stderr)
	}
	if _, stderr, code := runCLI(t, env, n.args...); code != 0 {
		t.Fatalf("rerun: exit %d\n%s", code, stderr)
	}
	if out, stderr, code := runCLI(t, env, "verify", n.chain); code != 0 || strings.Contains(out+stderr, n.secret) {
		t.Fatalf("verify after the rerun: exit %d\n%s%s", code, out, stderr)
	}
	clean := testenv.NewDatabase(t)
	if _, stderr, code := runCLI(t, []string{"CHAINSLEUTH_CLICKHOUSE=" + clean, n.env + "=" + n.direct}, n.args...); code != 0 {
		t.Fatalf("clean ingest exit %d:\n%s", code, stderr)
	}
	want := testenv.Digest(t, openDB(t, clean), n.tables)
	got := testenv.Digest(t, st, n.tables)
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
