package cluster_test

import (
	"bufio"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"github.com/chainsleuth/chainsleuth/heuristics/cluster"
	"github.com/chainsleuth/chainsleuth/ingest/pipeline"
	"github.com/chainsleuth/chainsleuth/internal/realdata"
	"github.com/chainsleuth/chainsleuth/internal/replay"
	"github.com/chainsleuth/chainsleuth/internal/testenv"
)

type labelHit struct {
	Address string `json:"address"`
	Labels  []struct {
		Label    string  `json:"label"`
		Category string  `json:"category"`
		Actor    *string `json:"actor"`
	} `json:"labels"`
}

// owner is the service a label names: its actor, else its label.
func (h labelHit) owners() map[string]bool {
	out := map[string]bool{}
	for _, l := range h.Labels {
		if l.Actor != nil && *l.Actor != "" {
			out[*l.Actor] = true
		} else {
			out[l.Label] = true
		}
	}
	return out
}

func readLabels(t *testing.T, dir string) map[string]labelHit {
	f, err := os.Open(filepath.Join(dir, "derived", "label-hits.btc.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	out := map[string]labelHit{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var h labelHit
		if err := json.Unmarshal(sc.Bytes(), &h); err != nil {
			t.Fatal(err)
		}
		out[h.Address] = h
	}
	return out
}

// Co-spend clusters of real mainnet blocks 363703, 370661 and 481829 (ingested one after another, with
// input addresses inferred from scripts) agree with the graphsense-tagpacks labels of their inputs:
// no cluster carries two services' labels, and each co-spending labelled service's addresses form
// one cluster that takes in its unlabelled co-inputs (BlockSci's CoinJoin rule with p = 2 would have
// hidden ChangeTip's 258-input transaction; see CoinJoinParams.MinParticipants). Clustering after each block (incremental) ends where one full run ends.
func TestCoSpendClustersOfMainnetBlocksAgreeWithGraphsenseLabels(t *testing.T) {
	dir := realdata.Dir(t)
	srv, err := replay.NewBitcoin(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	labels := readLabels(t, dir)
	st, _ := testenv.Store(t)
	cfg := cluster.DefaultConfig()
	for _, h := range []int64{363703, 370661, 481829} {
		ingestBTC(t, st, srv.URL(), pipeline.Options{From: h, To: h})
		clusterRun(t, st, "btc", cfg)
	}
	incremental := exported(t, st, "btc")
	err = st.Query(context.Background(), "coinjoins", "SELECT txid, pattern, inputs, outputs, participants, denomination FROM coinjoins FINAL ORDER BY txid", nil, nil,
		func(r driver.Rows) error {
			var txid, pattern string
			var in, out, p uint32
			var d uint64
			err := r.Scan(&txid, &pattern, &in, &out, &p, &d)
			t.Logf("CoinJoin %s: %s, %d inputs, %d outputs, %d × %d sat", txid, pattern, in, out, p, d)
			return err
		})
	if err != nil {
		t.Fatal(err)
	}

	// Which services each cluster holds, and the clusters of each service.
	services := map[uint32]map[string]bool{}
	clustersOf := map[string]map[uint32]bool{}
	size := map[uint32]int{}
	for _, c := range incremental {
		size[c]++
	}
	labelled := 0
	for a, h := range labels {
		c, ok := incremental[a]
		if !ok {
			continue
		}
		labelled++
		for o := range h.owners() {
			if services[c] == nil {
				services[c] = map[string]bool{}
			}
			services[c][o] = true
			if clustersOf[o] == nil {
				clustersOf[o] = map[uint32]bool{}
			}
			clustersOf[o][c] = true
		}
	}
	if labelled < 10 {
		t.Fatalf("only %d labelled addresses were clustered", labelled)
	}
	for c, s := range services {
		if len(s) > 1 {
			t.Errorf("cluster %d (%d addresses) carries the labels of %d services: %v", c, size[c], len(s), s)
		}
	}
	// The co-spending services of the issue: LuckyB.it (363703 and 370661) and ChangeTip (363703), Zaif
	// (370661) — each labelled address sits in one cluster that took in its unlabelled co-inputs. Binance's
	// one labelled address (481829) spends alone: its cluster holds no other service.
	for _, svc := range []string{"luckybit", "changetipcom", "zaif", "binance"} {
		if len(clustersOf[svc]) != 1 {
			t.Errorf("service %s: in %d clusters, want 1 (%v)", svc, len(clustersOf[svc]), clustersOf[svc])
			continue
		}
		for c := range clustersOf[svc] {
			t.Logf("service %s: cluster %d of %d addresses", svc, c, size[c])
			if size[c] < 2 && svc != "binance" {
				t.Errorf("service %s: cluster %d took in no co-input", svc, c)
			}
		}
	}

	full := cfg
	full.Full = true
	clusterRun(t, st, "btc", full)
	once := exported(t, st, "btc")
	if len(once) != len(incremental) {
		t.Fatalf("incremental runs cluster %d addresses, a full run %d", len(incremental), len(once))
	}
	for a, c := range once {
		if incremental[a] != c {
			t.Fatalf("address %s: cluster %d after incremental runs, %d after a full run", a, incremental[a], c)
		}
	}
}
