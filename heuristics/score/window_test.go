package score

import (
	"context"
	"fmt"
	"math"
	"reflect"
	"runtime/debug"
	"testing"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"github.com/chainsleuth/chainsleuth/chain"
	"github.com/chainsleuth/chainsleuth/heuristics/cluster"
	"github.com/chainsleuth/chainsleuth/ingest/offchain"
	"github.com/chainsleuth/chainsleuth/ingest/store"
	"github.com/chainsleuth/chainsleuth/internal/testenv"
	"github.com/chainsleuth/chainsleuth/internal/testworld"
)

// The cluster map holds the addresses a run reads, not every address: the
// window's, and the context's (tags, sanctions, registry companies, deposit
// hot wallets). The context by cluster is therefore the same whatever the
// window, even a window with no transfer at all, while the map holds fewer
// keys.
func TestTheContextOfARunDoesNotDependOnItsWindow(t *testing.T) {
	w := testworld.Build(t, 23)
	ctx, st := context.Background(), w.Store
	// Tag, sanction and register a few addresses the cluster job has seen, as committed imports.
	var addrs []string
	err := st.Query(ctx, "some addresses", "SELECT address FROM address_ids WHERE chain = ? ORDER BY id LIMIT 6",
		[]any{chain.Ethereum}, func() { addrs = nil }, func(r driver.Rows) error {
			var a string
			err := r.Scan(&a)
			addrs = append(addrs, a)
			return err
		})
	if err != nil || len(addrs) < 6 {
		t.Fatalf("addresses of the world: %v, %v", addrs, err)
	}
	const file = "window-test"
	eth, v := []string{chain.Ethereum, chain.Ethereum}, []uint64{1, 1}
	for _, b := range []store.Batch{
		{Table: "offchain_imports", Columns: []string{"kind", "file", "version"},
			Data: []any{[]string{offchain.KindTags, offchain.KindSanctions, offchain.KindCompanies}, []string{file, file, file}, []uint64{1, 1, 1}}},
		{Table: "tags", Columns: []string{"chain", "address", "label", "category", "file", "version"},
			Data: []any{eth, addrs[0:2], []string{"x", "x"}, []string{"exchange", "exchange"}, []string{file, file}, v}},
		{Table: "sanctions", Columns: []string{"chain", "address", "file", "version"},
			Data: []any{eth, addrs[2:4], []string{file, file}, v}},
		{Table: "company_addresses", Columns: []string{"chain", "address", "company_id", "file", "version"},
			Data: []any{eth, addrs[4:6], []string{"C1", "C2"}, []string{file, file}, v}},
	} {
		if err := st.Insert(ctx, b); err != nil {
			t.Fatal(err)
		}
	}
	clusterRun, err := cluster.LastFinishedRun(ctx, st, chain.Ethereum)
	if err != nil || clusterRun == 0 {
		t.Fatalf("cluster run: %d, %v", clusterRun, err)
	}
	contextOf := func(runID, fromHeight uint64, since uint32) (Context, int) {
		t.Helper()
		stem := runTablesStem(runID)
		defer dropRunTables(st, testworld.Quiet(), stem)
		flows, n, err := sortFlows(ctx, st, testworld.Quiet(), chain.Ethereum, stem, fromHeight, since)
		if err != nil {
			t.Fatal(err)
		}
		m, newer, err := buildClusterMap(ctx, st, testworld.Quiet(), chain.Ethereum, clusterRun, stem, flows, 2*int(n))
		if err != nil || len(newer) > 0 {
			t.Fatalf("the map: runs after the cluster run %v, %v", newer, err)
		}
		c, err := loadContext(ctx, st, chain.Ethereum, clusterRun, m)
		if err != nil {
			t.Fatal(err)
		}
		return c, m.len()
	}
	all, allKeys := contextOf(1, 0, 0)
	none, noneKeys := contextOf(2, math.MaxUint64, math.MaxUint32)
	if len(all.ExchangeTag) == 0 || len(all.Sanctioned) == 0 || len(all.Company) == 0 || len(all.DepositLinks) == 0 {
		t.Fatalf("the context misses a kind: %+v", all)
	}
	if !reflect.DeepEqual(all, none) {
		t.Errorf("context with every transfer in the window:\n%+v\nwith none:\n%+v", all, none)
	}
	// Each hot wallet counts its deposit addresses once: the links by cluster add up to the
	// distinct deposit addresses of each hot wallet (cluster_evidence has a row per link).
	var links uint64
	if err := st.QueryRow(ctx, "deposit links", `SELECT toUInt64(sum(n)) FROM (SELECT a, uniqExact(b) AS n FROM cluster_evidence
    WHERE chain = ? AND run_id <= ? AND heuristic = 'deposit' AND merged = 1 AND detail LIKE ? GROUP BY a)`,
		[]any{chain.Ethereum, clusterRun, depositRole}, &links); err != nil {
		t.Fatal(err)
	}
	total, most := 0, 0
	for _, n := range all.DepositLinks {
		total, most = total+n, max(most, n)
	}
	if uint64(total) != links || most < 2 {
		t.Errorf("deposit links by cluster add up to %d (at most %d in one), want the %d of cluster_evidence, a cluster with several", total, most, links)
	}
	if noneKeys >= allKeys {
		t.Errorf("the map of an empty window holds %d keys, of the whole chain %d: want fewer", noneKeys, allKeys)
	}
	t.Logf("map keys: %d with every transfer, %d with none; context: %+v", allKeys, noneKeys, all)
}

// The run's flows table holds the flows query's rows once each and in its
// order, even when an earlier attempt left it half filled (sortFlows starts
// each attempt from a new table).
func TestTheSortedFlowsAreTheFlowsQuerysRowsOnce(t *testing.T) {
	w := testworld.Build(t, 23)
	ctx, st := context.Background(), w.Store
	clusterRun, err := cluster.LastFinishedRun(ctx, st, chain.Ethereum)
	if err != nil || clusterRun == 0 {
		t.Fatalf("cluster run: %d, %v", clusterRun, err)
	}
	stem := runTablesStem(1)
	defer dropRunTables(st, testworld.Quiet(), stem)
	rows := func(query string, args ...any) []string {
		t.Helper()
		var out []string
		err := st.Query(ctx, "read flows", query, args, func() { out = nil }, func(r driver.Rows) error {
			var f Flow
			var unix uint32
			var flags uint8
			var fromHash, toHash uint64
			err := r.Scan(&f.Height, &unix, &f.Tx, &flags, &f.Asset, &f.Value, &fromHash, &toHash)
			out = append(out, fmt.Sprint(f.Height, unix, f.Tx, flags, f.Asset, f.Value, fromHash, toHash))
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	want := rows(FlowsQuery(1), chain.Ethereum, uint64(0), uint32(0), chain.Ethereum)
	if len(want) < 100 {
		t.Fatalf("a world of %d flows", len(want))
	}
	// A half-filled table from an attempt that failed: the first half of the flows.
	flows := runFlowsName(stem)
	if err := st.Exec(ctx, "create", fmt.Sprintf(runFlowsDDL, flows)); err != nil {
		t.Fatal(err)
	}
	if err := st.Exec(ctx, "half fill", fmt.Sprintf(runFlowsFill, flows, FlowsQuery(1)+" LIMIT ?"),
		chain.Ethereum, uint64(0), uint32(0), chain.Ethereum, uint64(len(want)/2)); err != nil {
		t.Fatal(err)
	}
	table, n, err := sortFlows(ctx, st, testworld.Quiet(), chain.Ethereum, stem, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	got := rows(fmt.Sprintf("SELECT height, time, tx, flags, asset, value, from_hash, to_hash FROM %s", table))
	if n != uint64(len(want)) || !reflect.DeepEqual(got, want) {
		t.Fatalf("sorted table: %d rows (counted %d), want the flows query's %d in its order", len(got), n, len(want))
	}
}

// The flows query's ranges start at the window's first height, increase, and
// number at most flowsPieces; the last one is open above, so together they
// hold every height from the first on.
func TestTheWindowIsSplitIntoIncreasingRangesFromItsFirstHeight(t *testing.T) {
	for _, c := range []struct {
		first, last uint64
		want        []uint64
	}{
		{100, 99, []uint64{100}}, // no transfer at or above the first height
		{100, 100, []uint64{100}},
		{100, 103, []uint64{100, 101, 102, 103}},
		{0, 15, []uint64{0, 2, 4, 6, 8, 10, 12, 14}},
		{29013, 33333, []uint64{29013, 29554, 30095, 30636, 31177, 31718, 32259, 32800}},
	} {
		if got := flowsRanges(c.first, c.last); !reflect.DeepEqual(got, c.want) {
			t.Errorf("flowsRanges(%d, %d) = %v, want %v", c.first, c.last, got, c.want)
		}
	}
	if got := flowsArgs("btc", []uint64{10, 20}, 7); !reflect.DeepEqual(got, []any{"btc", uint64(10), uint32(7), uint64(20), "btc", "btc", uint64(20), uint32(7), "btc"}) {
		t.Errorf("flowsArgs = %v", got)
	}
}

// The map built from the clusters by address hash (what the cluster job
// writes since migration 8) and the map built from address ids (databases
// clustered before it) give the same scores and alerts.
func TestTheClusterMapByHashScoresAsTheMapByID(t *testing.T) {
	w := testworld.Build(t, 23)
	ctx, st := context.Background(), w.Store
	cfg := DefaultConfig()
	cfg.PeriodBlocks = map[string]uint64{chain.Bitcoin: 10, chain.Ethereum: 10}
	rows := func(byHash bool) []string {
		t.Helper()
		clusterRun, err := cluster.LastFinishedRun(ctx, st, chain.Ethereum)
		if err != nil {
			t.Fatal(err)
		}
		if _, _, got, err := clusterHashesComplete(ctx, st, chain.Ethereum, clusterRun); err != nil || got != byHash {
			t.Fatalf("clusters by hash complete: %v (%v), want %v", got, err, byHash)
		}
		// The run sets the collector's GOGC for itself and puts the caller's back.
		before := debug.SetGCPercent(77)
		res, err := Run(ctx, st, Options{Config: cfg, Chains: []string{chain.Ethereum}, Logger: testworld.Quiet()})
		if after := debug.SetGCPercent(before); after != 77 {
			t.Errorf("GOGC after a run: %d, want the caller's 77", after)
		}
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		err = st.Query(ctx, "scores", `SELECT cluster_id, score, kind, payers, evidence FROM cluster_scores
    WHERE chain = ? AND run_id = ? ORDER BY cluster_id`, []any{chain.Ethereum, res[0].RunID}, func() { out = nil },
			func(r driver.Rows) error {
				var c, payers uint32
				var s float64
				var kind, ev string
				err := r.Scan(&c, &s, &kind, &payers, &ev)
				out = append(out, fmt.Sprint(c, s, kind, payers, ev))
				return err
			})
		if err != nil {
			t.Fatal(err)
		}
		if len(out) < 10 || res[0].Unclustered != 0 {
			t.Fatalf("%d scores, %d unclustered flows", len(out), res[0].Unclustered)
		}
		return append(out, fmt.Sprint("alerts ", res[0].Alerts, " flows ", res[0].Flows))
	}
	byHash := rows(true)
	if err := st.DeleteWhere(ctx, "address_cluster_hashes", "chain = ?", chain.Ethereum); err != nil {
		t.Fatal(err)
	}
	byID := rows(false)
	if !reflect.DeepEqual(byHash, byID) {
		t.Fatalf("scores with the map by hash:\n%v\nby id:\n%v", byHash, byID)
	}
}

// The map by hash takes each address's row of the latest cluster run up to
// the one scored, for the addresses of the run's set only: of the base run,
// or of a later one, the latest among several.
func TestTheClusterMapByHashTakesTheLatestRunUpToTheScoredOne(t *testing.T) {
	st, _ := testenv.Store(t)
	ctx := context.Background()
	// Base run 1; runs 2 and 3 moved h1 (3 moved it back near its base cluster), 3 moved h2; run 4 is
	// after the scored run 3.
	const h1, h2, h3, h4, h5 = uint64(1 << 62), uint64(3 << 62), uint64(5), uint64(7), ^uint64(0)
	if err := st.Insert(ctx, store.Batch{Table: "address_cluster_hashes", Columns: []string{"chain", "hash", "cluster_id", "run_id"},
		Data: []any{[]string{"btc", "btc", "btc", "btc", "btc", "btc", "btc", "btc"}, []uint64{h1, h1, h1, h1, h2, h2, h3, h5},
			[]uint32{5, 3, 9, 13, 7, 2, 8, 11}, []uint64{1, 3, 2, 4, 1, 3, 1, 1}}}); err != nil {
		t.Fatal(err)
	}
	stem := runTablesStem(99)
	defer dropRunTables(st, testworld.Quiet(), stem)
	set := runAddressesName(stem)
	for _, q := range []string{fmt.Sprintf(runAddressesDDL, set),
		fmt.Sprintf("INSERT INTO %s SELECT arrayJoin([toUInt64(%d), toUInt64(%d), toUInt64(%d), toUInt64(%d)])", set, h1, h2, h4, h5)} {
		if err := st.Exec(ctx, "set up", q); err != nil {
			t.Fatal(err)
		}
	}
	runs, newer, err := clusterHashRunsUpTo(ctx, st, "btc", 3)
	if err != nil || !reflect.DeepEqual(runs, []uint64{1, 2, 3}) || !reflect.DeepEqual(newer, []uint64{4}) {
		t.Fatalf("runs up to 3: %v, after it: %v (%v), want 1, 2, 3 and 4", runs, newer, err)
	}
	m := &clusterMap{}
	if err := fillClusterMapByHash(ctx, st, m, "btc", 3, set, runs); err != nil {
		t.Fatal(err)
	}
	for h, want := range map[uint64]int64{h1: 3, h2: 2, h3: NoCluster, h4: NoCluster, h5: 11} {
		got := int64(NoCluster)
		if c, ok := m.clusterOf(h); ok {
			got = int64(c)
		}
		if got != want {
			t.Errorf("hash %d: cluster %d, want %d", h, got, want)
		}
	}
	if m.len() != 3 {
		t.Errorf("the map holds %d addresses, want 3", m.len())
	}
	// A row of a run the list does not hold (a run that finished after the list was read) is an error,
	// not a silent choice.
	if err := fillClusterMapByHash(ctx, st, &clusterMap{}, "btc", 3, set, []uint64{1, 3}); err == nil {
		t.Error("rows of run 2, which the list of runs lacks, were taken without an error")
	}
}
