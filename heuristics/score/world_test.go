package score_test

import (
	"context"
	"fmt"
	"os"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"github.com/chainsleuth/chainsleuth/chain"
	"github.com/chainsleuth/chainsleuth/heuristics/runs"
	"github.com/chainsleuth/chainsleuth/heuristics/score"
	"github.com/chainsleuth/chainsleuth/ingest/store"
	"github.com/chainsleuth/chainsleuth/internal/simulate"
	"github.com/chainsleuth/chainsleuth/internal/testworld"
)

// entityScore is an entity of the truth with the highest score of the
// clusters holding its addresses and contracts.
type entityScore struct {
	id          string
	kind        string
	fundraising bool
	score       float64
}

// rocAUC is the probability that a random fundraising entity outscores a
// random other one (ties count half).
func rocAUC(es []entityScore) float64 {
	var pairs, wins float64
	for _, p := range es {
		if !p.fundraising {
			continue
		}
		for _, n := range es {
			if n.fundraising {
				continue
			}
			pairs++
			switch {
			case p.score > n.score:
				wins++
			case p.score == n.score:
				wins += 0.5
			}
		}
	}
	return wins / pairs
}

// The simulated fundraising entities (token sales and Ponzi-like collectors)
// rank at the top of `top`; the ranking quality is reported as precision at
// k (k = the number of fundraising entities) and ROC AUC over all entities;
// the early-warning alert fires for the fast-growing collectors and for no
// cluster of retail users only.
func TestScoresOfASimulatedWorldRankTheFundraisingEntitiesFirst(t *testing.T) {
	w := testworld.Build(t, seedFromEnv(21))
	ctx := context.Background()
	cfg := score.DefaultConfig()
	cfg.PeriodBlocks = map[string]uint64{chain.Bitcoin: 10, chain.Ethereum: 10} // the simulator's rounds are blocks
	results, err := score.Run(ctx, w.Store, score.Options{Config: cfg, Logger: testworld.Quiet()})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range results {
		t.Logf("%+v", r)
		if r.Unclustered != 0 {
			t.Errorf("%s: %d flows with unclustered addresses after a cluster run", r.Chain, r.Unclustered)
		}
		// Every transfer of the window is a flow once: the window is read in several ranges of heights.
		since, err := time.Parse(time.RFC3339, r.Since)
		if err != nil {
			t.Fatal(err)
		}
		var want uint64
		if err := w.Store.QueryRow(ctx, "count the window's transfers", `SELECT count() FROM transfers FINAL
    WHERE chain = ? AND time >= toDateTime(?, 'UTC') AND kind != 'erc721'
        AND txid NOT IN (SELECT txid FROM coinjoins FINAL WHERE chain = ?)`,
			[]any{r.Chain, uint32(since.Unix()), r.Chain}, &want); err != nil {
			t.Fatal(err)
		}
		if uint64(r.Flows) != want || want < 1000 {
			t.Errorf("%s: %d flows scored, the window holds %d transfers", r.Chain, r.Flows, want)
		}
	}
	top, err := score.Top(ctx, w.Store, 100_000)
	if err != nil {
		t.Fatal(err)
	}
	scoreOf := map[string]float64{} // "chain/cluster" → score
	kindOf := map[string]string{}
	for _, r := range top {
		k := r.Chain + "/" + itoa(r.ClusterID)
		scoreOf[k], kindOf[k] = r.Score, r.Kind
	}
	clusters := map[string]map[string]uint32{}
	for _, c := range []string{chain.Bitcoin, chain.Ethereum} {
		clusters[c] = w.Clusters(t, c)
	}
	clusterKeys := func(e simulate.TruthEntity) []string {
		var keys []string
		for _, a := range append(append([]simulate.ChainAddr{}, e.Addresses...), e.Contracts...) {
			addr := a.Address
			if a.Chain == chain.Ethereum {
				addr = strings.ToLower(addr)
			}
			if c, ok := clusters[a.Chain][addr]; ok {
				keys = append(keys, a.Chain+"/"+itoa(c))
			}
		}
		return keys
	}
	var es []entityScore
	fundraising := 0
	for _, e := range w.Truth.Entities {
		if e.Kind == simulate.KindCoinJoinRound {
			continue // a round of unrelated users, no one's wallet
		}
		best := 0.0
		for _, k := range clusterKeys(e) {
			best = max(best, scoreOf[k])
		}
		es = append(es, entityScore{e.ID, e.Kind, e.Fundraising, best})
		if e.Fundraising {
			fundraising++
		}
	}
	sort.SliceStable(es, func(i, j int) bool { return es[i].score > es[j].score })
	hits := 0
	for _, e := range es[:fundraising] {
		if e.fundraising {
			hits++
		}
	}
	precision, auc := float64(hits)/float64(fundraising), rocAUC(es)
	t.Logf("ranking of %d entities: precision at %d = %.2f, ROC AUC = %.3f; top: %+v", len(es), fundraising, precision, auc, es[:min(8, len(es))])
	if precision < 0.75 || auc < 0.9 {
		t.Errorf("precision at %d = %.2f (want ≥ 0.75), ROC AUC = %.3f (want ≥ 0.9)", fundraising, precision, auc)
	}

	alerts, err := score.Alerts(ctx, w.Store, time.Unix(0, 0))
	if err != nil {
		t.Fatal(err)
	}
	alerted := map[string]bool{}
	for _, a := range alerts {
		alerted[a.Chain+"/"+itoa(a.ClusterID)] = true
	}
	retailOnly := map[string]bool{} // clusters whose truth addresses are all retail
	for k := range alerted {
		retailOnly[k] = true
	}
	for _, e := range w.Truth.Entities {
		for _, k := range clusterKeys(e) {
			if e.Kind != simulate.KindRetail {
				retailOnly[k] = false
			}
		}
	}
	for _, e := range w.Truth.OfKind(simulate.KindPonzi) {
		fired := false
		for _, k := range clusterKeys(*e) {
			fired = fired || alerted[k]
		}
		if !fired {
			t.Errorf("no alert for the fast-growing collector %s", e.ID)
		}
	}
	for k := range alerted {
		if retailOnly[k] {
			t.Errorf("an alert for cluster %s of retail users only", k)
		}
	}
	t.Logf("%d alerts: %+v", len(alerts), alerts)
}

func itoa(v uint32) string { return strconv.FormatUint(uint64(v), 10) }

// seedFromEnv is CHAINSLEUTH_TEST_SEED when set, to try other worlds.
func seedFromEnv(def uint64) uint64 {
	if v, err := strconv.ParseUint(os.Getenv("CHAINSLEUTH_TEST_SEED"), 10, 64); err == nil {
		return v
	}
	return def
}

// A score reads what finished and committed only: the rows of a cluster run
// that is going or died (here: every Ethereum address moved into one
// cluster) and tags of an import that never committed (every address an
// exchange) change no score. It leaves no cluster map behind, its own or one
// a killed run left.
func TestAScoreIgnoresADeadClusterRunAndUncommittedTags(t *testing.T) {
	w := testworld.Build(t, seedFromEnv(22))
	ctx := context.Background()
	cfg := score.DefaultConfig()
	cfg.PeriodBlocks = map[string]uint64{chain.Bitcoin: 10, chain.Ethereum: 10}
	scores := func() string {
		t.Helper()
		res, err := score.Run(ctx, w.Store, score.Options{Config: cfg, Chains: []string{chain.Ethereum}, Logger: testworld.Quiet()})
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		err = w.Store.Query(ctx, "read scores", "SELECT cluster_id, score, kind FROM cluster_scores WHERE chain = ? AND run_id = ? ORDER BY cluster_id",
			[]any{chain.Ethereum, res[0].RunID}, func() { out = nil }, func(r driver.Rows) error {
				var c uint32
				var s float64
				var k string
				err := r.Scan(&c, &s, &k)
				out = append(out, fmt.Sprintf("%d:%.2f:%s", c, s, k))
				return err
			})
		if err != nil {
			t.Fatal(err)
		}
		if len(out) == 0 {
			t.Fatal("no scores")
		}
		return strings.Join(out, " ")
	}
	before := scores()

	var ids []uint32
	var addrs []string
	err := w.Store.Query(ctx, "read ids", "SELECT id, address FROM address_ids WHERE chain = ?", []any{chain.Ethereum}, nil,
		func(r driver.Rows) error {
			var id uint32
			var a string
			err := r.Scan(&id, &a)
			ids, addrs = append(ids, id), append(addrs, a)
			return err
		})
	if err != nil {
		t.Fatal(err)
	}
	dead, err := runs.NewRecorder(w.Store).Start(ctx, "cluster", chain.Ethereum, nil)
	if err != nil {
		t.Fatal(err)
	}
	n := len(ids)
	fill := func(v any) any {
		switch v := v.(type) {
		case string:
			s := make([]string, n)
			for i := range s {
				s[i] = v
			}
			return s
		case uint32:
			s := make([]uint32, n)
			for i := range s {
				s[i] = v
			}
			return s
		default:
			s := make([]uint64, n)
			for i := range s {
				s[i] = v.(uint64)
			}
			return s
		}
	}
	for _, b := range []store.Batch{
		{Table: "address_clusters", Columns: []string{"chain", "address_id", "cluster_id", "run_id"},
			Data: []any{fill(chain.Ethereum), ids, fill(uint32(0)), fill(dead.ID)}},
		{Table: "tags", Columns: []string{"chain", "address", "label", "category", "file", "version"},
			Data: []any{fill(chain.Ethereum), addrs, fill("junk"), fill("exchange"), fill("never-committed.yaml"), fill(uint64(1))}},
	} {
		if err := w.Store.Insert(ctx, b); err != nil {
			t.Fatal(err)
		}
	}
	// A cluster map a killed score run left behind is dropped by the next run, which drops its own too.
	if err := w.Store.Exec(ctx, "leave a map", "CREATE TABLE score_clusters_42 (hash UInt64, known UInt8, cluster UInt32) ENGINE = Join(ANY, LEFT, hash)"); err != nil {
		t.Fatal(err)
	}
	if after := scores(); after != before {
		t.Fatalf("scores with a dead cluster run and uncommitted tags:\n%s\nwant the scores before them:\n%s", after, before)
	}
	// The map filled from address ids 7 at a time, in many chunks, gives the same scores.
	restore := score.SetClusterMapChunk(7)
	if after := scores(); after != before {
		t.Fatalf("scores with the cluster map filled 7 ids at a time:\n%s\nwant:\n%s", after, before)
	}
	restore()
	var maps uint64
	if err := w.Store.QueryRow(ctx, "maps left", "SELECT count() FROM system.tables WHERE database = currentDatabase() AND name LIKE 'score_clusters_%'", nil, &maps); err != nil {
		t.Fatal(err)
	}
	if maps != 0 {
		t.Errorf("%d cluster maps left after a score run", maps)
	}
}
