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

func TestKillNineDuringIngestThenResumeEqualsACleanRun(t *testing.T) {
	if testing.Short() {
		t.Skip("crash test runs real processes; skipped with -short")
	}
	chain := regtest.Start(t, "crash-test", 110)
	chain.Fill(t, rand.New(rand.NewPCG(7, 7)), 120, 12, 40)
	ctx := context.Background()
	tip, err := chain.Node.Height(ctx)
	if err != nil {
		t.Fatal(err)
	}
	args := []string{"--log-level", "debug", "ingest", "btc", "--confirmations", "1", "--batch-blocks", "1", "--workers", "3", "--progress", "log"}

	crashed := testenv.NewDatabase(t)
	env := []string{"CHAINSLEUTH_CLICKHOUSE=" + crashed, "CHAINSLEUTH_BTC_RPC=" + chain.Node.URL}
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 1))
	kills, rollbacks, reorgs, lastReorg := 0, 0, 0, 0
	for attempt := 0; attempt < 80; attempt++ {
		// Kill after a random number of committed batches plus a random
		// jitter, so kills land at every stage of a commit cycle: fetching,
		// inserting, verifying, writing the checkpoint.
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
			kills++
			// Now and then the node reorganises exactly where the killed run
			// may have left rows of a half-committed batch: those rows belong
			// to orphaned blocks now and must not survive the resume.
			t.Logf("kill %d: checkpoint %d of %d", kills, checkpoint(t, openDB(t, crashed)), tip)
			if reorgs < 3 && kills-lastReorg >= 3 {
				if next := checkpoint(t, openDB(t, crashed)); next > 111 && next <= tip {
					chain.Reorg(t, next, 1)
					reorgs++
					lastReorg = kills
					if tip, err = chain.Node.Height(ctx); err != nil {
						t.Fatal(err)
					}
				}
			}
		}
		// A run that found rows above the checkpoint proves the previous kill
		// landed between a batch's rows and its checkpoint.
		rollbacks += strings.Count(p.Log(), "rolling back rows above the checkpoint")
		if finished {
			break
		}
	}
	if reorgs == 0 {
		t.Fatal("no reorg happened at a checkpoint during the kills")
	}
	if kills < 10 {
		t.Fatalf("only %d runs were killed mid-ingest; the chain of %d blocks ingests too fast to test", kills, tip+1)
	}
	if _, stderr, code := runCLI(t, []string{"CHAINSLEUTH_CLICKHOUSE=" + crashed, "CHAINSLEUTH_BTC_RPC=" + chain.Node.URL}, args...); code != 0 {
		t.Fatalf("final ingest exit %d:\n%s", code, stderr)
	}
	clean := testenv.NewDatabase(t)
	if _, stderr, code := runCLI(t, []string{"CHAINSLEUTH_CLICKHOUSE=" + clean, "CHAINSLEUTH_BTC_RPC=" + chain.Node.URL}, args...); code != 0 {
		t.Fatalf("clean ingest exit %d:\n%s", code, stderr)
	}
	want := testenv.Digest(t, openDB(t, clean), testenv.BitcoinTables)

	got := testenv.Digest(t, openDB(t, crashed), testenv.BitcoinTables)
	for table := range testenv.BitcoinTables {
		if got[table] != want[table] {
			t.Errorf("%s after %d kills: %s; clean run: %s", table, kills, got[table], want[table])
		}
	}
	t.Logf("%d kill -9s during ingest of %d blocks, %d reorgs at the checkpoint, %d table rollbacks of partial batches; tables equal a clean run", kills, tip+1, reorgs, rollbacks)
}

// checkpoint reads the next height the Bitcoin ingest would write.
func checkpoint(t *testing.T, st *store.Store) int64 {
	t.Helper()
	var next uint64
	err := st.QueryRow(context.Background(), "checkpoint", "SELECT next_height FROM ingest_checkpoints WHERE chain = 'btc' ORDER BY version DESC LIMIT 1", nil, &next)
	if err != nil {
		return -1
	}
	return int64(next)
}
