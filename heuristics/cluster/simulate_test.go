package cluster_test

import (
	"context"
	"fmt"
	"sort"
	"testing"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"github.com/chainsleuth/chainsleuth/heuristics/cluster"
	"github.com/chainsleuth/chainsleuth/ingest/pipeline"
	"github.com/chainsleuth/chainsleuth/ingest/store"
	"github.com/chainsleuth/chainsleuth/internal/simulate"
	"github.com/chainsleuth/chainsleuth/internal/testenv"
	"github.com/chainsleuth/chainsleuth/internal/testworld"
)

func ingestETH(t *testing.T, st *store.Store, url string, o pipeline.Options) {
	testworld.IngestETH(t, st, url, o)
}

// pairwise precision and recall of clusters against the truth, over the truth's addresses that were
// clustered: a pair of addresses is predicted when they share a cluster and true when one entity controls
// both.
func pairwise(clusters map[string]uint32, owners map[string]string, chain string) (precision, recall float64, n int) {
	pairs := func(k int) float64 { return float64(k) * float64(k-1) / 2 }
	byCluster, byEntity, cell := map[uint32]int{}, map[string]int{}, map[string]int{}
	for a, c := range clusters {
		e, ok := owners[chain+":"+a]
		if !ok {
			continue
		}
		n++
		byCluster[c]++
		byEntity[e]++
		cell[fmt.Sprint(c, "/", e)]++
	}
	var tp, predicted, actual float64
	for _, k := range cell {
		tp += pairs(k)
	}
	for _, k := range byCluster {
		predicted += pairs(k)
	}
	for _, k := range byEntity {
		actual += pairs(k)
	}
	precision, recall = 1, 1
	if predicted > 0 {
		precision = tp / predicted
	}
	if actual > 0 {
		recall = tp / actual
	}
	return precision, recall, n
}

// A small simulated world on regtest btcd and the Ethereum dev chain, ingested in two halves and clustered
// after each: pairwise precision and recall against truth.json, CoinJoin participants kept apart, each
// exchange's addresses (deposit addresses included) in one cluster, and the incremental runs equal to one
// full run.
func TestClustersOfASimulatedWorldMatchItsTruth(t *testing.T) {
	const seed = 11
	res, nodes := testworld.Simulate(t, seed)
	ctx := context.Background()
	st, _ := testenv.Store(t)
	cfg := cluster.DefaultConfig()
	cfg.ChunkBlocks = 7 // several ranges per run
	midBTC, midETH := (res.BTC.FirstHeight+res.BTC.LastHeight)/2, int64(res.ETH.FirstBlock+res.ETH.LastBlock)/2
	ingestBTC(t, st, nodes.BTCURL, pipeline.Options{From: 0, To: midBTC})
	ingestETH(t, st, nodes.ETHURL, pipeline.Options{From: 0, To: midETH})
	for _, c := range cluster.Chains() {
		clusterRun(t, st, c, cfg)
	}
	ingestBTC(t, st, nodes.BTCURL, pipeline.Options{From: 0, To: res.BTC.LastHeight})
	ingestETH(t, st, nodes.ETHURL, pipeline.Options{From: 0, To: int64(res.ETH.LastBlock)})
	owners := res.Truth.Owners()
	got := map[string]map[string]uint32{}
	for _, c := range cluster.Chains() {
		clusterRun(t, st, c, cfg)
		got[c] = exported(t, st, c)
		// After a second, incremental run: the clusters by address hash agree with those by id.
		sameClusters(t, c+" by hash after incremental runs", byHash(t, st, c), got[c])
		prec, rec, n := pairwise(got[c], owners, c)
		t.Logf("%s: %d addresses of the truth clustered: pairwise precision %.3f, recall %.3f", c, n, prec, rec)
		if n == 0 {
			t.Fatalf("%s: no address of the truth was clustered", c)
		}
		if prec < 0.95 {
			t.Errorf("%s: pairwise precision %.3f, want at least 0.95", c, prec)
		}
		byHeuristic := map[string]uint64{}
		err := st.Query(ctx, "evidence", "SELECT heuristic, count() FROM cluster_evidence FINAL WHERE chain = ? GROUP BY heuristic", []any{c}, nil,
			func(r driver.Rows) error {
				var h string
				var n uint64
				err := r.Scan(&h, &n)
				byHeuristic[h] = n
				return err
			})
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("%s: evidence by heuristic %v", c, byHeuristic)
		want := map[string][]string{"btc": {cluster.CoSpend, cluster.Change}, "eth": {cluster.Deposit, cluster.Airdrop, cluster.SelfAuth}}
		for _, h := range want[c] {
			if byHeuristic[h] == 0 {
				t.Errorf("%s: no %s evidence", c, h)
			}
		}
	}

	t.Run("CoinJoin participants stay apart", func(t *testing.T) {
		if len(res.BTC.CoinJoins) == 0 {
			t.Fatal("the world has no CoinJoin")
		}
		for _, cj := range res.BTC.CoinJoins {
			var n uint64
			if err := st.QueryRow(ctx, "coinjoin", "SELECT count() FROM coinjoins FINAL WHERE txid = ?", []any{cj.TxID}, &n); err != nil || n != 1 {
				t.Errorf("CoinJoin %s not recorded (%v)", cj.TxID, err)
			}
			entityOf := map[uint32]string{}
			err := st.Query(ctx, "inputs", "SELECT address FROM btc_inputs FINAL WHERE txid = ?", []any{cj.TxID}, nil, func(r driver.Rows) error {
				var a string
				if err := r.Scan(&a); err != nil {
					return err
				}
				c, e := got["btc"][a], owners["btc:"+a]
				if prev, ok := entityOf[c]; ok && prev != e {
					t.Errorf("CoinJoin %s: participants %s and %s share cluster %d", cj.TxID, prev, e, c)
				}
				entityOf[c] = e
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
		}
	})

	t.Run("each exchange's addresses join the exchange", func(t *testing.T) {
		for _, x := range res.Truth.OfKind(simulate.KindExchange) {
			for _, c := range cluster.Chains() {
				count := map[uint32]int{}
				seen := 0
				for _, a := range x.Addresses {
					if a.Chain != c {
						continue
					}
					if id, ok := got[c][a.Address]; ok {
						count[id]++
						seen++
					}
				}
				var sizes []int
				for _, k := range count {
					sizes = append(sizes, k)
				}
				sort.Sort(sort.Reverse(sort.IntSlice(sizes)))
				t.Logf("%s on %s: %d addresses seen, in clusters of %v", x.ID, c, seen, sizes[:min(len(sizes), 5)])
				if seen > 0 && float64(sizes[0]) < 0.9*float64(seen) {
					t.Errorf("%s on %s: the largest cluster holds %d of its %d addresses", x.ID, c, sizes[0], seen)
				}
			}
		}
	})

	t.Run("incremental runs equal a full run", func(t *testing.T) {
		for _, c := range cluster.Chains() {
			full := cfg
			full.Full, full.ChunkBlocks = true, 1000
			clusterRun(t, st, c, full)
			once := exported(t, st, c)
			if len(once) != len(got[c]) {
				t.Fatalf("%s: %d addresses after incremental runs, %d after a full run", c, len(got[c]), len(once))
			}
			for a, id := range once {
				if got[c][a] != id {
					t.Fatalf("%s: address %s in cluster %d incrementally, %d in a full run", c, a, got[c][a], id)
				}
			}
			// The clusters by address hash (the score's map) agree with the clusters by id.
			sameClusters(t, c+" by hash after a full run", byHash(t, st, c), once)
		}
	})

	t.Run("the change heuristic adds recall on Bitcoin", func(t *testing.T) {
		withChange := cfg
		withChange.Full, withChange.Heuristics = true, append([]string{cluster.Change}, cluster.DefaultHeuristics...)
		clusterRun(t, st, "btc", withChange)
		prec, rec, n := pairwise(exported(t, st, "btc"), owners, "btc")
		t.Logf("btc with change: %d addresses: pairwise precision %.3f, recall %.3f", n, prec, rec)
		if prec < 0.9 {
			t.Errorf("btc with change: precision %.3f, want at least 0.9", prec)
		}
	})
}
