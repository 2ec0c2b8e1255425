package cluster_test

import (
	"context"
	"log/slog"
	"testing"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"github.com/chainsleuth/chainsleuth/heuristics/cluster"
	"github.com/chainsleuth/chainsleuth/heuristics/runs"
	"github.com/chainsleuth/chainsleuth/ingest/pipeline"
	"github.com/chainsleuth/chainsleuth/ingest/store"
	"github.com/chainsleuth/chainsleuth/internal/testworld"
)

func quiet() *slog.Logger { return testworld.Quiet() }

func ingestBTC(t *testing.T, st *store.Store, url string, o pipeline.Options) {
	testworld.IngestBTC(t, st, url, o)
}

// clusterRun runs the cluster job and fails the test on error.
func clusterRun(t *testing.T, st *store.Store, chain string, cfg cluster.Config) *cluster.Result {
	t.Helper()
	cfg.Logger = quiet()
	res, err := cluster.Run(context.Background(), st, runs.NewRecorder(st), chain, cfg)
	if err != nil {
		t.Fatalf("cluster %s: %v", chain, err)
	}
	t.Logf("cluster %s: %+v", chain, *res)
	return res
}

// exported is a chain's address → cluster id.
func exported(t *testing.T, st *store.Store, chain string) map[string]uint32 {
	t.Helper()
	out := map[string]uint32{}
	err := cluster.Export(context.Background(), st, chain, func(a string, c uint32) error {
		if _, dup := out[a]; dup {
			t.Errorf("export lists %s twice", a)
		}
		out[a] = c
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// byHash is every address's cluster as address_cluster_hashes has it (the latest run's row for the
// address's hash), for the addresses of address_ids; an address with no row there is left out.
func byHash(t *testing.T, st *store.Store, chain string) map[string]uint32 {
	t.Helper()
	out := map[string]uint32{}
	err := st.Query(context.Background(), "clusters by hash", `SELECT address, cluster_id FROM (
    SELECT address, cityHash64(address) AS hash FROM address_ids WHERE chain = ?
) AS a ANY INNER JOIN (
    SELECT hash, argMax(cluster_id, run_id) AS cluster_id FROM address_cluster_hashes WHERE chain = ? GROUP BY hash
) AS h USING hash`, []any{chain, chain}, func() { clear(out) }, func(r driver.Rows) error {
		var a string
		var c uint32
		err := r.Scan(&a, &c)
		out[a] = c
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// sameClusters fails unless two maps of address → cluster are equal.
func sameClusters(t *testing.T, what string, got, want map[string]uint32) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d addresses, want %d", what, len(got), len(want))
	}
	for a, c := range want {
		if g, ok := got[a]; !ok || g != c {
			t.Fatalf("%s: address %s in cluster %d (listed: %v), want %d", what, a, g, ok, c)
		}
	}
}
