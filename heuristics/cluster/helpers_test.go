package cluster_test

import (
	"context"
	"log/slog"
	"testing"

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
