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

// What a run that died wrote is never shown (cluster show and export read the last finished run) and is
// removed by the next run, which ends with the clusters the dead run's predecessor left; an ingest checkpoint below the watermark is refused until a full run.
func TestARunCleansUpAfterADeadRunAndRefusesAStaleChain(t *testing.T) {
	st, _ := testenv.Store(t)
	ctx := context.Background()
	writeETH(t, st, 10, []ethTx{{height: 1, from: "0xa", to: "0xb", value: 1}, {height: 2, from: "0xb", to: "0xc", value: 1}})
	cfg := cluster.DefaultConfig()
	clusterRun(t, st, "eth", cfg)
	before := exported(t, st, "eth")

	dead, err := runs.NewRecorder(st).Start(ctx, cluster.JobName, "eth", cfg)
	if err != nil {
		t.Fatal(err)
	}
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
