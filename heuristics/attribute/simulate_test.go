package attribute_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
	"github.com/btcsuite/btcd/chaincfg/v2"

	"github.com/chainsleuth/chainsleuth/heuristics/attribute"
	"github.com/chainsleuth/chainsleuth/heuristics/runs"
	"github.com/chainsleuth/chainsleuth/heuristics/score"
	"github.com/chainsleuth/chainsleuth/ingest/offchain"
	"github.com/chainsleuth/chainsleuth/ingest/store"
	"github.com/chainsleuth/chainsleuth/internal/simulate"
	"github.com/chainsleuth/chainsleuth/internal/testworld"
)

// attached is a chain's cluster → company → method, of the latest finished attribute run.
func attached(t *testing.T, st *store.Store, chain string) map[uint32]map[string]string {
	t.Helper()
	ctx := context.Background()
	last, err := runs.NewRecorder(st).Last(ctx, attribute.JobName, chain)
	if err != nil || last == nil {
		t.Fatalf("no finished attribute run on %s (%v)", chain, err)
	}
	out := map[uint32]map[string]string{}
	err = st.Query(ctx, "attached", "SELECT cluster_id, company_id, method FROM cluster_companies WHERE chain = ? AND run_id = ?",
		[]any{chain, last.ID}, nil, func(r driver.Rows) error {
			var c uint32
			var id, m string
			if err := r.Scan(&c, &id, &m); err != nil {
				return err
			}
			if out[c] == nil {
				out[c] = map[string]string{}
			}
			out[c][id] = m
			return nil
		})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func attributeRun(t *testing.T, st *store.Store, chain string) *attribute.Result {
	t.Helper()
	cfg := attribute.DefaultConfig()
	cfg.Logger = testworld.Quiet()
	res, err := attribute.Run(context.Background(), st, runs.NewRecorder(st), chain, cfg)
	if err != nil {
		t.Fatalf("attribute %s: %v", chain, err)
	}
	t.Logf("attribute %s: %+v", chain, *res)
	return res
}

// mainCluster is the cluster holding most of an entity's addresses on a chain (0, false when none is
// clustered).
func mainCluster(e *simulate.TruthEntity, chain string, clusters map[string]uint32) (uint32, int, bool) {
	count := map[uint32]int{}
	best, n := uint32(0), 0
	for _, a := range append(append([]simulate.ChainAddr{}, e.Addresses...), e.Contracts...) {
		if a.Chain != chain {
			continue
		}
		if c, ok := clusters[a.Address]; ok {
			count[c]++
			if count[c] > n || (count[c] == n && c < best) {
				best, n = c, count[c]
			}
		}
	}
	return best, n, n > 0
}

// A simulated world (regtest btcd and the dev chain, ingested and clustered) with its company registry
// imported: every company is attached by address to its entity's main cluster on each chain where the
// registry names an address, and to no cluster of another entity. Tags and actors made from the truth
// then attach the companies by actor id, domain and name too; a tag naming one exchange on another
// exchange's cluster is listed as a conflict, not hidden.
func TestEveryCompanyOfASimulatedRegistryIsAttachedToItsEntitysCluster(t *testing.T) {
	const seed = 23
	w := testworld.Build(t, seed)
	ctx := context.Background()
	st := w.Store
	dir := t.TempDir()
	companiesCSV := filepath.Join(dir, "companies.csv")
	if err := w.Result.WriteFiles("", companiesCSV); err != nil {
		t.Fatal(err)
	}
	im := offchain.New(st, offchain.Options{Addresser: offchain.Addresser{BTC: &chaincfg.RegressionNetParams}, Logger: testworld.Quiet()})
	rep, err := im.ImportCompanies(ctx, companiesCSV)
	if err != nil || rep.Rejected > 0 {
		t.Fatalf("import companies: %v %+v", err, rep)
	}
	owners := w.Truth.Owners()
	entityOf := map[string]*simulate.TruthEntity{}
	for i := range w.Truth.Entities {
		if e := &w.Truth.Entities[i]; e.CompanyID != nil {
			entityOf[*e.CompanyID] = e
		}
	}
	clusters := map[string]map[string]uint32{}
	for _, c := range attribute.Chains() {
		attributeRun(t, st, c)
		clusters[c] = w.Clusters(t, c)
	}

	// check asserts that each company is attached (by address) to the cluster of every address the
	// registry names for it, and only to clusters whose labelled addresses are mostly its entity's (but
	// for the cluster the test mislabels on purpose).
	check := func(t *testing.T, mislabelled uint32) map[string]map[uint32]map[string]string {
		all := map[string]map[uint32]map[string]string{}
		for _, chain := range attribute.Chains() {
			got := attached(t, st, chain)
			all[chain] = got
			for _, co := range w.Result.Companies {
				e := entityOf[co.CompanyID]
				var at []uint32
				for cl, cs := range got {
					if cs[co.CompanyID] != "" {
						at = append(at, cl)
					}
				}
				main, n, _ := mainCluster(e, chain, clusters[chain])
				t.Logf("%s %s (%s, %s): attached to clusters %v; its main cluster %d holds %d of its addresses", chain,
					co.CompanyID, co.Name, e.ID, at, main, n)
				for _, a := range co.Addresses {
					cl, ok := clusters[chain][a.Address]
					if a.Chain != chain || !ok {
						continue
					}
					if m := got[cl][co.CompanyID]; m != attribute.MethodAddress {
						t.Errorf("%s: company %s (%s): the cluster %d of its registry address %s has it by %q, want address",
							chain, co.CompanyID, co.Name, cl, a.Address, m)
					}
				}
			}
			for cl, cs := range got {
				if chain == "btc" && cl == mislabelled {
					continue
				}
				byEntity := map[string]int{}
				total := 0
				for a, c := range clusters[chain] {
					if e, ok := owners[chain+":"+a]; ok && c == cl {
						byEntity[e]++
						total++
					}
				}
				for id := range cs {
					if e := entityOf[id]; e != nil && byEntity[e.ID]*2 <= total {
						t.Errorf("%s: company %s attached to cluster %d, where %s holds %d of %d labelled addresses (%v)",
							chain, id, cl, e.ID, byEntity[e.ID], total, byEntity)
					}
				}
			}
		}
		return all
	}
	t.Run("by registry address", func(t *testing.T) {
		check(t, 1<<31)
		if n := len(w.Result.Companies); n == 0 {
			t.Fatal("the world has no company")
		}
	})

	t.Run("by actor id, domain and name, with a conflict listed", func(t *testing.T) {
		// Tags from the truth: one address of the main cluster of each company's entity (not a registry
		// address) tagged with an actor whose ActorPack entry carries the company's name and first domain;
		// and on the first exchange's Bitcoin hot wallet (a registry address) its own actor's tag and a
		// wrong one, the second exchange's.
		var tags, actors strings.Builder
		tags.WriteString("chain,address,label,category,source,actor,confidence\n")
		actors.WriteString("title: simulated actors\ncreator: test\nactors:\n")
		actorOf := map[string]string{}
		tagged := map[string]uint32{} // chain:company → the main cluster tagged
		for _, co := range w.Result.Companies {
			e := entityOf[co.CompanyID]
			actor := "sim-" + strings.ToLower(co.CompanyID)
			actorOf[e.ID] = actor
			uri := ""
			if len(co.Domains) > 0 {
				uri = "https://www." + co.Domains[0]
			}
			fmt.Fprintf(&actors, "- id: %s\n  label: %q\n  uri: %q\n  categories: [%s]\n", actor, co.Name, uri, e.Kind)
			registered := map[string]bool{}
			for _, a := range co.Addresses {
				registered[a.Address] = true
			}
			for _, chain := range attribute.Chains() {
				main, _, ok := mainCluster(e, chain, clusters[chain])
				if !ok {
					continue
				}
				for _, a := range e.Addresses {
					if a.Chain == chain && !registered[a.Address] && clusters[chain][a.Address] == main {
						fmt.Fprintf(&tags, "%s,%s,%s,%s,test,%s,80\n", chain, a.Address, e.ID, e.Kind, actor)
						tagged[chain+":"+co.CompanyID] = main
						break
					}
				}
			}
		}
		exchanges := w.Truth.OfKind(simulate.KindExchange)
		if len(exchanges) < 2 {
			t.Fatalf("the world has %d exchanges, the conflict needs two", len(exchanges))
		}
		var victim string
		var victimCluster uint32
		for _, co := range w.Result.Companies {
			if entityOf[co.CompanyID] == exchanges[0] {
				for _, a := range co.Addresses {
					if c, ok := clusters[a.Chain][a.Address]; ok && a.Chain == "btc" {
						victim, victimCluster = a.Address, c
						fmt.Fprintf(&tags, "btc,%s,hot wallet,exchange,test,%s,60\n", a.Address, actorOf[exchanges[0].ID])
						fmt.Fprintf(&tags, "btc,%s,mislabelled,exchange,test,%s,30\n", a.Address, actorOf[exchanges[1].ID])
						break
					}
				}
			}
		}
		if victim == "" {
			t.Fatal("the first exchange has no registry address on btc")
		}
		for name, body := range map[string]string{"sim-tags.csv": tags.String(), "sim.actorpack.yaml": actors.String()} {
			if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		rep, err := im.ImportTags(ctx, filepath.Join(dir, "sim-tags.csv"), filepath.Join(dir, "sim.actorpack.yaml"))
		if err != nil || rep.Rejected > 0 || rep.FailedFile > 0 {
			t.Fatalf("import tags: %v %+v", err, rep)
		}
		results := map[string]*attribute.Result{}
		for _, c := range attribute.Chains() {
			results[c] = attributeRun(t, st, c)
		}
		got := check(t, victimCluster)
		// The tagged main clusters now carry their companies too, by domain (the strongest tag method;
		// actor ids are sim-… and match no company id).
		if len(tagged) == 0 {
			t.Fatal("no main cluster was tagged")
		}
		for key, main := range tagged {
			chain, id, _ := strings.Cut(key, ":")
			t.Logf("%s: company %s on its tagged main cluster %d by %q", chain, id, main, got[chain][main][id])
			if m := got[chain][main][id]; m != attribute.MethodDomain && m != attribute.MethodAddress {
				t.Errorf("%s: company %s on its tagged main cluster %d by %q, want domain (or address)", chain, id, main, m)
			}
		}
		for _, chain := range attribute.Chains() {
			// Only the current run's rows remain.
			for _, table := range []string{"cluster_actors", "cluster_companies", "attribution_conflicts"} {
				var n uint64
				if err := st.QueryRow(ctx, "runs", "SELECT uniqExact(run_id) FROM "+table+" WHERE chain = ?", []any{chain}, &n); err != nil {
					t.Fatal(err)
				}
				if n > 1 {
					t.Errorf("%s holds rows of %d runs on %s, want only the latest", table, n, chain)
				}
			}
		}
		var kinds []string
		err = st.Query(ctx, "conflicts", "SELECT kind FROM attribution_conflicts WHERE chain = 'btc' AND run_id = ? AND cluster_id = ? ORDER BY kind",
			[]any{results["btc"].RunID, victimCluster}, nil, func(r driver.Rows) error {
				var k string
				err := r.Scan(&k)
				kinds = append(kinds, k)
				return err
			})
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("conflicts on %s's cluster %d: %v; all: btc %v, eth %v", exchanges[0].ID, victimCluster, kinds,
			results["btc"].ConflictsByKind, results["eth"].ConflictsByKind)
		if strings.Join(kinds, ",") != "company,company_actor,owner" {
			t.Errorf("conflicts on the mislabelled cluster %d: %v, want company, company_actor and owner", victimCluster, kinds)
		}
		if results["btc"].Conflicts != 3 || results["eth"].Conflicts != 0 {
			t.Errorf("conflicts btc %d, eth %d: want only the three of the mislabelled cluster", results["btc"].Conflicts, results["eth"].Conflicts)
		}
	})
	t.Run("company show reads a company by name with its clusters, flows, score and addresses", func(t *testing.T) {
		if _, err := score.Run(ctx, st, score.Options{Config: score.DefaultConfig(), Logger: testworld.Quiet()}); err != nil {
			t.Fatalf("score: %v", err)
		}
		for _, co := range w.Result.Companies {
			v, err := attribute.ShowCompany(ctx, st, strings.ToUpper(co.Name)) // a name as a user types it
			if err != nil {
				t.Errorf("show %s (%s): %v", co.CompanyID, co.Name, err)
				continue
			}
			if v.CompanyID != co.CompanyID || len(v.Addresses) != len(co.Addresses) {
				t.Errorf("show %q: company %s with %d addresses, want %s with %d", co.Name, v.CompanyID, len(v.Addresses), co.CompanyID, len(co.Addresses))
			}
			inflow, scored := 0.0, 0
			for _, cl := range v.Clusters {
				if cl.Size == 0 || cl.Confidence <= 0 || cl.Method == "" {
					t.Errorf("%s: cluster %+v", co.CompanyID, cl)
				}
				if cl.Score != nil { // the score run writes the clusters it scored, not all
					scored++
				}
				for _, f := range cl.Flows {
					inflow += f.Inflow
				}
			}
			for _, a := range v.Addresses {
				if a.ClusterID == nil {
					continue
				}
				if !slices.ContainsFunc(v.Clusters, func(c attribute.CompanyCluster) bool { return c.Chain == a.Chain && c.ClusterID == *a.ClusterID }) {
					t.Errorf("%s: registry address %s:%s is in cluster %d, which show does not list", co.CompanyID, a.Chain, a.Address, *a.ClusterID)
				}
			}
			if inflow <= 0 || !v.Scored || scored == 0 {
				t.Errorf("%s: clusters received %v in total; %d of %d clusters scored", co.CompanyID, inflow, scored, len(v.Clusters))
			}
			t.Logf("%s (%s): %d clusters (%d scored), inflow %.4f in all assets", co.CompanyID, co.Name, len(v.Clusters), scored, inflow)
		}
		if _, err := attribute.ShowCompany(ctx, st, "no such company"); !errors.Is(err, attribute.ErrNotFound) {
			t.Errorf("an unknown company: %v, want ErrNotFound", err)
		}
	})
}
