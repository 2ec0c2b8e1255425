package main

import (
	"context"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/chainsleuth/chainsleuth/ingest/store"
	"github.com/chainsleuth/chainsleuth/internal/regtest"
	"github.com/chainsleuth/chainsleuth/internal/testenv"
)

// crashRun is what a run of killIngestRepeatedly did.
type crashRun struct{ kills, rollbacks, reorgs, rewinds int }

// killIngestRepeatedly runs `chainsleuth args…` against the database at dsn
// and kills it with SIGKILL after a random number of committed batches plus
// a random jitter, so that kills land at every stage of a commit cycle
// (fetching, inserting, verifying, writing the checkpoint), until a run ends
// by itself. After each kill, reorg is called with the checkpoint the killed
// run left and the number of kills so far; it may reorganise the node's
// chain there and says whether it did.
func killIngestRepeatedly(t *testing.T, dsn string, env, args []string, chainName string, reorg func(next int64, kills int) bool) crashRun {
	t.Helper()
	env = append([]string{"CHAINSLEUTH_CLICKHOUSE=" + dsn}, env...)
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 1))
	var r crashRun
	for attempt := 0; attempt < 80; attempt++ {
		p := startIngest(t, env, args, 1+rng.IntN(6))
		finished := false
		select {
		case err := <-p.Done():
			if err != nil {
				t.Fatalf("ingest run %d failed: %v\n%s", attempt, err, p.Log())
			}
			finished = true
		case <-p.Committed():
			time.Sleep(time.Duration(rng.IntN(40_000)) * time.Microsecond)
			p.Kill()
			r.kills++
			next := checkpoint(t, openDB(t, dsn), chainName)
			t.Logf("kill %d: checkpoint %d", r.kills, next)
			if reorg(next, r.kills) {
				r.reorgs++
			}
		}
		// A run that found rows above the checkpoint proves the previous kill
		// landed between a batch's rows and its checkpoint.
		r.rollbacks += strings.Count(p.Log(), "rolling back rows above the checkpoint")
		r.rewinds += strings.Count(p.Log(), "reorg: rolling back to the fork point")
		if finished {
			break
		}
	}
	if r.reorgs == 0 {
		t.Fatal("no reorg happened at a checkpoint during the kills")
	}
	if r.kills < 10 {
		t.Fatalf("only %d runs were killed mid-ingest; the chain ingests too fast to test", r.kills)
	}
	if _, stderr, code := runCLI(t, env, args...); code != 0 {
		t.Fatalf("final ingest exit %d:\n%s", code, stderr)
	}
	return r
}

// sameTables fails the test unless the two databases hold the same rows.
func sameTables(t *testing.T, crashed, clean string, tables map[string]string, r crashRun) {
	t.Helper()
	want := testenv.Digest(t, openDB(t, clean), tables)
	got := testenv.Digest(t, openDB(t, crashed), tables)
	for table := range tables {
		if got[table] != want[table] {
			t.Errorf("%s after %d kills: %s; clean run: %s", table, r.kills, got[table], want[table])
		}
	}
	t.Logf("%d kill -9s during ingest, %d reorgs at the checkpoint (%d rewinds by the ingest), %d table rollbacks of partial batches; tables equal a clean run",
		r.kills, r.reorgs, r.rewinds, r.rollbacks)
}

func TestKillNineDuringIngestThenResumeEqualsACleanRun(t *testing.T) {
	if testing.Short() {
		t.Skip("crash test runs real processes; skipped with -short")
	}
	chain := regtest.Start(t, "crash-test", 110)
	chain.Fill(t, rand.New(rand.NewPCG(7, 7)), 120, 12, 40)
	ctx := context.Background()
	args := []string{"--log-level", "debug", "ingest", "btc", "--confirmations", "1", "--batch-blocks", "1", "--workers", "3", "--progress", "log"}
	env := []string{"CHAINSLEUTH_BTC_RPC=" + chain.Node.URL}

	crashed := testenv.NewDatabase(t)
	lastReorg, reorgs := 0, 0
	r := killIngestRepeatedly(t, crashed, env, args, "btc", func(next int64, kills int) bool {
		// Now and then the node reorganises exactly where the killed run
		// may have left rows of a half-committed batch: those rows belong
		// to orphaned blocks now and must not survive the resume.
		tip, err := chain.Node.Height(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if kills-lastReorg < 3 || reorgs >= 3 || next <= 111 || next > tip {
			return false
		}
		chain.Reorg(t, next, 1)
		lastReorg = kills
		reorgs++
		return true
	})
	clean := testenv.NewDatabase(t)
	if _, stderr, code := runCLI(t, append([]string{"CHAINSLEUTH_CLICKHOUSE=" + clean}, env...), args...); code != 0 {
		t.Fatalf("clean ingest exit %d:\n%s", code, stderr)
	}
	sameTables(t, crashed, clean, testenv.BitcoinTables, r)
}

func TestKillNineDuringEthereumIngestThenResumeEqualsACleanRun(t *testing.T) {
	if testing.Short() {
		t.Skip("crash test runs real processes; skipped with -short")
	}
	chain := filledDevnet(t, 150, 20)
	args := []string{"--log-level", "debug", "ingest", "eth", "--confirmations", "0", "--batch-blocks", "1", "--workers", "3", "--progress", "log"}
	env := []string{"CHAINSLEUTH_ETH_RPC=" + chain.URL()}

	crashed := testenv.NewDatabase(t)
	lastReorg, reorgs := 0, 0
	r := killIngestRepeatedly(t, crashed, env, args, "eth", func(next int64, kills int) bool {
		// Replace the blocks from just below the checkpoint on: the rows of
		// a half-committed batch there now belong to orphaned blocks.
		head := int64(chain.Head())
		if kills-lastReorg < 3 || reorgs >= 3 || next < 10 || next > head {
			return false
		}
		if _, err := chain.Reorg(int(head - next + 2)); err != nil {
			t.Fatal(err)
		}
		lastReorg = kills
		reorgs++
		return true
	})
	if r.rewinds == 0 {
		t.Error("the ingest never saw a stored block replaced by the reorgs")
	}
	clean := testenv.NewDatabase(t)
	if _, stderr, code := runCLI(t, append([]string{"CHAINSLEUTH_CLICKHOUSE=" + clean}, env...), args...); code != 0 {
		t.Fatalf("clean ingest exit %d:\n%s", code, stderr)
	}
	sameTables(t, crashed, clean, testenv.EthereumTables, r)
}

// checkpoint reads the next height a chain's ingest would write.
func checkpoint(t *testing.T, st *store.Store, chainName string) int64 {
	t.Helper()
	var next uint64
	err := st.QueryRow(context.Background(), "checkpoint", "SELECT next_height FROM ingest_checkpoints WHERE chain = ? ORDER BY version DESC LIMIT 1", []any{chainName}, &next)
	if err != nil {
		return -1
	}
	return int64(next)
}
