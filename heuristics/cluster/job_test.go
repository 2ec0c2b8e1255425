package cluster_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/chainsleuth/chainsleuth/heuristics/cluster"
	"github.com/chainsleuth/chainsleuth/heuristics/runs"
	"github.com/chainsleuth/chainsleuth/ingest/store"
	"github.com/chainsleuth/chainsleuth/internal/testenv"
)

// finishedRunThenADeadOne clusters a small Ethereum world in a run that finishes, and starts a second run
// that never will, whose rows the test writes: the store, the config, the finished run's export and the
// dead run.
func finishedRunThenADeadOne(t *testing.T) (*store.Store, cluster.Config, map[string]uint32, *runs.Run) {
	t.Helper()
	st, _ := testenv.Store(t)
	writeETH(t, st, 10, []ethTx{{height: 1, from: "0xa", to: "0xb", value: 1}, {height: 2, from: "0xb", to: "0xc", value: 1}})
	cfg := cluster.DefaultConfig()
	clusterRun(t, st, "eth", cfg)
	before := exported(t, st, "eth")
	dead, err := runs.NewRecorder(st).Start(context.Background(), cluster.JobName, "eth", cfg)
	if err != nil {
		t.Fatal(err)
	}
	return st, cfg, before, dead
}

// What a run that died wrote is never shown (cluster show and export read the last finished run) and is
// removed by the next run, which ends with the clusters the dead run's predecessor left; an ingest checkpoint below the watermark is refused until a full run.
func TestARunCleansUpAfterADeadRunAndRefusesAStaleChain(t *testing.T) {
	st, cfg, before, dead := finishedRunThenADeadOne(t)
	ctx := context.Background()
	for _, b := range []store.Batch{
		{Table: "address_ids", Columns: []string{"chain", "address", "id", "run_id"},
			Data: []any{[]string{"eth"}, []string{"0xjunk"}, []uint32{999}, []uint64{dead.ID}}},
		{Table: "address_clusters", Columns: []string{"chain", "address_id", "cluster_id", "run_id"},
			Data: []any{[]string{"eth"}, []uint32{0}, []uint32{999}, []uint64{dead.ID}}},
	} {
		if err := st.Insert(ctx, b); err != nil {
			t.Fatal(err)
		}
	}
	if during := exported(t, st, "eth"); fmt.Sprint(during) != fmt.Sprint(before) {
		t.Errorf("export with a dead run's rows in the tables: %v, want the finished run's %v", during, before)
	}
	if v, err := cluster.Show(ctx, st, "eth", "0xa", 10); err != nil || v.ClusterID == 999 {
		t.Errorf("show with a dead run's rows in the tables: %+v, %v", v, err)
	}
	if _, err := cluster.Show(ctx, st, "eth", "0xjunk", 10); !errors.Is(err, cluster.ErrNotFound) {
		t.Errorf("show of an address only the dead run saw: %v, want ErrNotFound", err)
	}
	res := clusterRun(t, st, "eth", cfg)
	if res.From != 11 || res.Blocks != 0 {
		t.Errorf("a run with nothing new: %+v", res)
	}
	after := exported(t, st, "eth")
	if fmt.Sprint(after) != fmt.Sprint(before) {
		t.Fatalf("after the dead run's cleanup: %v, before it: %v", after, before)
	}

	cp := store.Batch{Table: "ingest_checkpoints", Columns: []string{"chain", "next_height", "last_hash", "version", "updated_at"},
		Data: []any{[]string{"eth"}, []uint64{5}, []string{"0x"}, []uint64{uint64(time.Now().UnixNano())}, []time.Time{time.Now().UTC()}}}
	if err := st.Insert(ctx, cp); err != nil {
		t.Fatal(err)
	}
	if _, err := cluster.Run(ctx, st, runs.NewRecorder(st), "eth", cfg); !errors.Is(err, cluster.ErrStale) {
		t.Fatalf("checkpoint below the watermark: %v, want ErrStale", err)
	}
	full := cfg
	full.Full = true
	if res := clusterRun(t, st, "eth", full); res.To != 5 || res.Addresses != 3 {
		t.Errorf("full run after the rollback: %+v", res)
	}
}

// A run that died wrote a row for an address of the finished run, and a merge kept it in place of the
// finished run's row before the next run deleted it: the address's cluster is gone. The next run says so
// and asks for a full run, instead of taking the address for a cluster of its own; the full run rebuilds it.
func TestARunRefusesToGoOnWhenAMergeReplacedTheFinishedRunsRows(t *testing.T) {
	st, cfg, before, dead := finishedRunThenADeadOne(t)
	ctx := context.Background()
	rows := store.Batch{Table: "address_clusters", Columns: []string{"chain", "address_id", "cluster_id", "run_id"},
		Data: []any{[]string{"eth"}, []uint32{0}, []uint32{2}, []uint64{dead.ID}}}
	if err := st.Insert(ctx, rows); err != nil {
		t.Fatal(err)
	}
	if err := st.Exec(ctx, "merge", "OPTIMIZE TABLE address_clusters FINAL"); err != nil {
		t.Fatal(err)
	}
	cfg.Logger = quiet()
	if _, err := cluster.Run(ctx, st, runs.NewRecorder(st), "eth", cfg); !errors.Is(err, cluster.ErrLostRows) {
		t.Fatalf("a run after the finished run's row was merged away: %v, want ErrLostRows", err)
	}
	full := cfg
	full.Full = true
	clusterRun(t, st, "eth", full)
	if after := exported(t, st, "eth"); fmt.Sprint(after) != fmt.Sprint(before) {
		t.Errorf("after the full run: %v, before the loss: %v", after, before)
	}
}

// A run that fails after writing rows removes them at once, not at the next run: until then, a merge could
// put them in place of the finished run's rows. Here it fails at the check of its copy into
// address_cluster_hashes (a Null table now: it keeps nothing), after its address ids and clusters were
// written.
func TestAFailedRunRemovesItsRowsAtOnce(t *testing.T) {
	st, _ := testenv.Store(t)
	ctx := context.Background()
	writeETH(t, st, 10, []ethTx{{height: 1, from: "0xa", to: "0xb", value: 1}, {height: 2, from: "0xb", to: "0xc", value: 1}})
	cfg := cluster.DefaultConfig()
	first := clusterRun(t, st, "eth", cfg)
	writeETH(t, st, 12, []ethTx{{height: 11, from: "0xd", to: "0xe", value: 1}})
	for _, q := range []string{"DROP TABLE address_cluster_hashes",
		"CREATE TABLE address_cluster_hashes (chain String, hash UInt64, cluster_id UInt32, run_id UInt64) ENGINE = Null"} {
		if err := st.Exec(ctx, "replace address_cluster_hashes", q); err != nil {
			t.Fatal(err)
		}
	}
	cfg.Logger = quiet()
	if _, err := cluster.Run(ctx, st, runs.NewRecorder(st), "eth", cfg); !errors.Is(err, store.ErrCountMismatch) {
		t.Fatalf("a run whose copy into address_cluster_hashes kept nothing: %v, want ErrCountMismatch", err)
	}
	for _, table := range []string{"address_ids", "address_clusters"} {
		n, err := st.CountWhere(ctx, table, false, "chain = ? AND run_id > ?", "eth", first.RunID)
		if err != nil {
			t.Fatal(err)
		}
		if n != 0 {
			t.Errorf("%s holds %d rows of the failed run after it returned", table, n)
		}
	}
}
