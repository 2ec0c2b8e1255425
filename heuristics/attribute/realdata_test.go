package attribute_test

import (
	"bufio"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"github.com/chainsleuth/chainsleuth/heuristics/attribute"
	"github.com/chainsleuth/chainsleuth/heuristics/cluster"
	"github.com/chainsleuth/chainsleuth/heuristics/runs"
	"github.com/chainsleuth/chainsleuth/ingest/offchain"
	"github.com/chainsleuth/chainsleuth/ingest/pipeline"
	"github.com/chainsleuth/chainsleuth/internal/realdata"
	"github.com/chainsleuth/chainsleuth/internal/replay"
	"github.com/chainsleuth/chainsleuth/internal/testenv"
	"github.com/chainsleuth/chainsleuth/internal/testworld"
)

// labelHit is a line of derived/label-hits.btc.jsonl: a labelled address seen in the real blocks.
type labelHit struct {
	Address string `json:"address"`
	Labels  []struct {
		Label string  `json:"label"`
		Actor *string `json:"actor"`
	} `json:"labels"`
}

// procStatus is a field of /proc/self/status (VmRSS: the resident set; VmHWM: its peak since the last
// resetPeakRSS), or "?".
func procStatus(field string) string {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return "?"
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, field+":"); ok {
			return strings.TrimSpace(v)
		}
	}
	return "?"
}

// resetPeakRSS starts VmHWM again from the current resident set (Linux clear_refs 5).
func resetPeakRSS() { _ = os.WriteFile("/proc/self/clear_refs", []byte("5"), 0o644) }

// The real GraphSense TagPacks and ActorPack, imported in full, attribute the co-spend clusters of mainnet
// blocks 363703, 370661 and 481829: every address of label-hits.btc.jsonl the clusters hold has its
// label's owner (actor, or the label) among its cluster's owners, and that owner ranks first unless the
// cluster's tags disagree, which is then listed as an owner conflict. Time and memory of the attribution
// are logged.
func TestTheRealTagPacksAttributeTheClustersOfMainnetBlocks(t *testing.T) {
	dir := realdata.Dir(t)
	srv, err := replay.NewBitcoin(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	st, _ := testenv.Store(t)
	ctx := context.Background()
	for _, h := range []int64{363703, 370661, 481829} {
		testworld.IngestBTC(t, st, srv.URL(), pipeline.Options{From: h, To: h})
	}
	ccfg := cluster.DefaultConfig()
	ccfg.Logger = testworld.Quiet()
	cres, err := cluster.Run(ctx, st, runs.NewRecorder(st), "btc", ccfg)
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	rep, err := offchain.New(st, offchain.Options{Logger: testworld.Quiet()}).ImportTags(ctx, filepath.Join(dir, "graphsense-tagpacks"))
	if err != nil || rep.FailedFile > 0 {
		t.Fatalf("import the TagPacks: %v (%d files failed)", err, rep.FailedFile)
	}
	t.Logf("clustered %d addresses into %d clusters; imported %d tags and actors in %s", cres.Addresses, cres.Clusters,
		rep.Loaded, time.Since(start).Round(time.Millisecond))

	runtime.GC()
	resetPeakRSS()
	rssBefore := procStatus("VmRSS")
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	start = time.Now()
	cfg := attribute.DefaultConfig()
	cfg.Logger = testworld.Quiet()
	res, err := attribute.Run(ctx, st, runs.NewRecorder(st), "btc", cfg)
	if err != nil {
		t.Fatal(err)
	}
	elapsed := time.Since(start)
	runtime.ReadMemStats(&after)
	t.Logf("attributed btc in %s: %+v; allocated %.1f MB (Go heap in use %.1f MB before, %.1f MB after); resident set %s before, peak %s during it",
		elapsed.Round(time.Millisecond), *res, float64(after.TotalAlloc-before.TotalAlloc)/1e6, float64(before.HeapInuse)/1e6,
		float64(after.HeapInuse)/1e6, rssBefore, procStatus("VmHWM"))
	if res.ClustersWithActor == 0 {
		t.Fatal("no cluster was attributed to an actor")
	}

	// Owners and conflicts of each cluster, as stored.
	type owner struct {
		actor, label string
		rank         uint16
		confidence   float64
		tagged       uint32
	}
	owners := map[uint32][]owner{}
	err = st.Query(ctx, "owners", "SELECT cluster_id, actor, label, rank, confidence, tagged_addresses FROM cluster_actors WHERE chain = 'btc' AND run_id = ? ORDER BY cluster_id, rank",
		[]any{res.RunID}, nil, func(r driver.Rows) error {
			var c uint32
			var o owner
			err := r.Scan(&c, &o.actor, &o.label, &o.rank, &o.confidence, &o.tagged)
			owners[c] = append(owners[c], o)
			return err
		})
	if err != nil {
		t.Fatal(err)
	}
	conflicts := map[uint32][]string{}
	err = st.Query(ctx, "conflicts", "SELECT cluster_id, kind, items FROM attribution_conflicts WHERE chain = 'btc' AND run_id = ? ORDER BY cluster_id, kind",
		[]any{res.RunID}, nil, func(r driver.Rows) error {
			var c uint32
			var kind string
			var items []string
			err := r.Scan(&c, &kind, &items)
			conflicts[c] = append(conflicts[c], kind)
			t.Logf("conflict on cluster %d (%d addresses tagged by its first owner): %s %v", c, owners[c][0].tagged, kind, items)
			return err
		})
	if err != nil {
		t.Fatal(err)
	}

	clusters := map[string]uint32{}
	size := map[uint32]int{}
	err = cluster.Export(ctx, st, "btc", func(a string, c uint32) error {
		clusters[a] = c
		size[c]++
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(filepath.Join(dir, "derived", "label-hits.btc.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	checked, first := 0, 0
	for sc.Scan() {
		var h labelHit
		if err := json.Unmarshal(sc.Bytes(), &h); err != nil {
			t.Fatal(err)
		}
		c, ok := clusters[h.Address]
		if !ok {
			continue
		}
		checked++
		var names []string
		for _, o := range owners[c] {
			names = append(names, o.actor, o.label)
		}
		for _, l := range h.Labels {
			want := l.Label
			if l.Actor != nil && *l.Actor != "" {
				want = *l.Actor
			}
			if !slices.Contains(names, want) {
				t.Errorf("%s (label %q, owner %s): its cluster %d has owners %v", h.Address, l.Label, want, c, owners[c])
				continue
			}
			top := owners[c][0]
			if top.actor == want || top.label == want {
				first++
			} else if !slices.Contains(conflicts[c], attribute.ConflictOwner) {
				t.Errorf("%s (owner %s): cluster %d ranks %s first and lists no owner conflict", h.Address, want, c, top.actor)
			}
		}
		t.Logf("%s: cluster %d of %d addresses, owners %v, conflicts %v", h.Address, c, size[c], owners[c], conflicts[c])
	}
	if checked < 10 {
		t.Fatalf("only %d labelled addresses are clustered", checked)
	}
	t.Logf("%d label-hit addresses in the clusters; their owner ranks first for %d labels; %d conflicts (%v) over %d attributed clusters",
		checked, first, res.Conflicts, res.ConflictsByKind, res.ClustersAttributed)
}
