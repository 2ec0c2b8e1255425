package cluster_test

import (
	"context"
	"testing"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"github.com/chainsleuth/chainsleuth/heuristics/cluster"
	"github.com/chainsleuth/chainsleuth/internal/testworld"
)

// The super-cluster guard on a simulated world, every heuristic on (change too). In these worlds a weak
// link rarely joins two clusters that both hold several addresses (the unit test covers the sizes), so
// the guard size is 1, every cluster counts as large, and every weak link (change 0.5, airdrop 0.7,
// deposit 0.8) between two clusters is held back: each is in held_merges with both sizes and its evidence
// says it did not merge; the guarded clusters split the unguarded ones and never join what those keep
// apart; co-spends and self-authorizations (confidence ≥ 0.9) are never held.
func TestTheGuardHoldsWeakLinksBetweenLargeClustersOfASimulatedWorld(t *testing.T) {
	w := testworld.Build(t, 24)
	ctx := context.Background()
	held := 0
	for _, chainName := range cluster.Chains() {
		cfg := cluster.DefaultConfig()
		cfg.Heuristics = cluster.AllHeuristics
		cfg.Full = true
		cfg.Guard.MinSize = 0
		clusterRun(t, w.Store, chainName, cfg)
		open := exported(t, w.Store, chainName)

		cfg.Guard.MinSize = 1
		res := clusterRun(t, w.Store, chainName, cfg)
		guarded := exported(t, w.Store, chainName)
		held += res.Held

		// A refinement: every guarded cluster lies inside one unguarded cluster, and there are more of them
		// when something was held.
		inside := map[uint32]uint32{}
		for a, g := range guarded {
			o, ok := open[a]
			if !ok {
				t.Fatalf("%s: %s is clustered with the guard only", chainName, a)
			}
			if prev, seen := inside[g]; seen && prev != o {
				t.Fatalf("%s: guarded cluster %d spans unguarded clusters %d and %d", chainName, g, prev, o)
			}
			inside[g] = o
		}
		openClusters := map[uint32]bool{}
		for _, o := range open {
			openClusters[o] = true
		}
		if res.Held > 0 && len(inside) <= len(openClusters) {
			t.Errorf("%s: %d links held but %d guarded clusters for %d unguarded", chainName, res.Held, len(inside), len(openClusters))
		}

		rows := 0
		err := w.Store.Query(ctx, "held merges", `SELECT heuristic, confidence, a_size, b_size, a_cluster != b_cluster
FROM held_merges WHERE chain = ? AND run_id = ?`, []any{chainName, res.RunID}, nil, func(r driver.Rows) error {
			var heuristic string
			var confidence float64
			var aSize, bSize uint64
			var apart uint8
			if err := r.Scan(&heuristic, &confidence, &aSize, &bSize, &apart); err != nil {
				return err
			}
			rows++
			if heuristic == cluster.CoSpend || confidence >= cfg.Guard.StrongConfidence || aSize < 1 || bSize < 1 || apart != 1 {
				t.Errorf("%s: held %s link: confidence %v, sizes %d and %d, apart %d", chainName, heuristic, confidence, aSize, bSize, apart)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if rows != res.Held {
			t.Errorf("%s: %d held merges stored, the run held %d", chainName, rows, res.Held)
		}
		for merged, want := range map[uint8]int{0: res.Held, 1: 0} {
			var n uint64
			err := w.Store.QueryRow(ctx, "evidence of held merges", `SELECT count() FROM (
    SELECT DISTINCT heuristic, tx, a, b FROM cluster_evidence WHERE chain = ? AND run_id = ? AND merged = ?
        AND (heuristic, tx, a, b) IN (SELECT heuristic, tx, a, b FROM held_merges WHERE chain = ? AND run_id = ?))`,
				[]any{chainName, res.RunID, merged, chainName, res.RunID}, &n)
			if err != nil {
				t.Fatal(err)
			}
			if int(n) != want {
				t.Errorf("%s: %d held links have evidence with merged = %d, want %d", chainName, n, merged, want)
			}
		}
		t.Logf("%s: %d links held; %d clusters with the guard, %d without", chainName, res.Held, len(inside), len(openClusters))
	}
	if held == 0 {
		t.Fatal("the guard held no link on either chain")
	}
}
