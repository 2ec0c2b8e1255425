package attribute

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"github.com/chainsleuth/chainsleuth/heuristics/runs"
	"github.com/chainsleuth/chainsleuth/ingest/offchain"
	"github.com/chainsleuth/chainsleuth/ingest/store"
)

// JobName is the job's name in the runs table.
const JobName = "attribute"

// ClusterJob is the job whose runs attribution reads the clusters of.
const ClusterJob = "cluster"

// Chains the job attributes.
func Chains() []string { return []string{"btc", "eth"} }

// Config of a run.
type Config struct {
	Params Params       `json:"params"`
	Logger *slog.Logger `json:"-"`
}

// DefaultConfig has the documented defaults.
func DefaultConfig() Config { return Config{Params: DefaultParams()} }

// Result counts what a run did.
type Result struct {
	Chain      string `json:"chain"`
	RunID      uint64 `json:"run_id"`
	ClusterRun uint64 `json:"cluster_run"`
	// TaggedAddresses and RegistryAddresses: distinct addresses with committed tags, or named by the
	// registry, that the chain's clusters hold.
	TaggedAddresses   int `json:"tagged_addresses"`
	RegistryAddresses int `json:"registry_addresses"`
	// ClustersAttributed: clusters with at least one owner or company.
	ClustersAttributed  int `json:"clusters_attributed"`
	ClustersWithActor   int `json:"clusters_with_actor"` // of them, with an owner that is an ActorPack actor
	ClustersWithCompany int `json:"clusters_with_company"`
	// CompaniesAttached: distinct companies attached to at least one cluster (of the Companies known).
	CompaniesAttached int            `json:"companies_attached"`
	Companies         int            `json:"companies"`
	Actors            int            `json:"actors"`
	Conflicts         int            `json:"conflicts"`
	ConflictsByKind   map[string]int `json:"conflicts_by_kind"`
	Rows              map[string]int `json:"rows"`
}

// ErrNoClusters is returned when the chain has no finished cluster run to attribute.
var ErrNoClusters = errors.New("no finished cluster run: run `chainsleuth cluster` first")

// Run attributes one chain's clusters and records the run.
func Run(ctx context.Context, st *store.Store, rec *runs.Recorder, chain string, cfg Config) (*Result, error) {
	if !slices.Contains(Chains(), chain) {
		return nil, fmt.Errorf("attribute: unknown chain %q (use %s)", chain, strings.Join(Chains(), " or "))
	}
	log := cfg.Logger
	if log == nil {
		log = slog.Default()
	}
	clusterRun, err := rec.Last(ctx, ClusterJob, chain)
	if err != nil {
		return nil, err
	}
	if clusterRun == nil {
		return nil, fmt.Errorf("attribute %s: %w", chain, ErrNoClusters)
	}
	last, err := rec.Last(ctx, JobName, chain)
	if err != nil {
		return nil, err
	}
	var after uint64
	if last != nil {
		after = last.ID
	}
	params := struct {
		Params     Params `json:"params"`
		ClusterRun uint64 `json:"cluster_run"`
	}{cfg.Params, clusterRun.ID}
	run, err := rec.Start(ctx, JobName, chain, params)
	if err != nil {
		return nil, err
	}
	res := &Result{Chain: chain, RunID: run.ID, ClusterRun: clusterRun.ID, ConflictsByKind: map[string]int{}, Rows: map[string]int{}}
	if err := do(ctx, st, chain, cfg.Params, clusterRun.ID, after, run.ID, res, log); err != nil {
		if ferr := run.Fail(context.WithoutCancel(ctx), err); ferr != nil {
			log.Warn("could not record the failed run", "run", run.ID, "err", ferr)
		}
		return nil, fmt.Errorf("attribute %s run %d: %w", chain, run.ID, err)
	}
	if err := run.Finish(ctx, res, 0); err != nil {
		return nil, err
	}
	// The rows of older runs are not read any more (readers keep the latest finished run's).
	if err := cleanup(ctx, st, chain, run.ID, run.ID, log); err != nil {
		log.Warn("could not remove the rows of older attribute runs; the next run will", "chain", chain, "err", err)
	}
	return res, nil
}

// cleanup deletes a chain's rows of runs below keepFrom or above keepTo.
func cleanup(ctx context.Context, st *store.Store, chain string, keepFrom, keepTo uint64, log *slog.Logger) error {
	for _, t := range writtenTables {
		n, err := st.CountWhere(ctx, t, false, cleanupWhere, chain, keepFrom, keepTo)
		if err != nil {
			return err
		}
		if n == 0 {
			continue
		}
		log.Info("removing rows of other attribute runs", "chain", chain, "table", t, "rows", n)
		if err := st.DeleteWhere(ctx, t, cleanupWhere, chain, keepFrom, keepTo); err != nil {
			return err
		}
	}
	return nil
}

func do(ctx context.Context, st *store.Store, chain string, p Params, clusterRun, after, runID uint64, res *Result, log *slog.Logger) error {
	// Rows of runs that started after the last finished one died with them.
	if err := cleanup(ctx, st, chain, 0, after, log); err != nil {
		return err
	}
	actors, err := readActors(ctx, st)
	if err != nil {
		return err
	}
	companies, err := readCompanies(ctx, st)
	if err != nil {
		return err
	}
	res.Actors, res.Companies = len(actors), len(companies)
	tags, err := readTags(ctx, st, chain, clusterRun)
	if err != nil {
		return err
	}
	registry, err := readRegistry(ctx, st, chain, clusterRun)
	if err != nil {
		return err
	}
	m := newMatcher(p, actors, companies)
	ats := attributeAll(m, tags, registry, res)
	log.Info("attributed", "chain", chain, "clusters", res.ClustersAttributed, "companies", res.CompaniesAttached, "conflicts", res.Conflicts)
	for _, b := range rows(chain, runID, ats) {
		res.Rows[b.Table] = b.Len()
		if b.Len() == 0 {
			continue
		}
		if err := st.Insert(ctx, b); err != nil {
			return err
		}
		n, err := st.CountWhere(ctx, b.Table, true, runWhere, chain, runID)
		if err != nil {
			return err
		}
		if n != uint64(b.Len()) {
			return fmt.Errorf("%s holds %d rows of run %d, %d were written: %w", b.Table, n, runID, b.Len(), store.ErrShortWrite)
		}
	}
	return nil
}

// attributeAll groups the hits by cluster and attributes each cluster, in cluster order.
func attributeAll(m *matcher, tags []TagHit, registry []RegistryHit, res *Result) []*Attribution {
	tagsOf, registryOf := map[uint32][]TagHit{}, map[uint32][]RegistryHit{}
	var clusters []uint32
	seen := func(c uint32) {
		if _, ok := tagsOf[c]; !ok {
			if _, ok := registryOf[c]; !ok {
				clusters = append(clusters, c)
			}
		}
	}
	tagged, registered := map[string]bool{}, map[string]bool{}
	for _, t := range tags {
		seen(t.Cluster)
		tagsOf[t.Cluster] = append(tagsOf[t.Cluster], t)
		tagged[t.Address] = true
	}
	for _, r := range registry {
		seen(r.Cluster)
		registryOf[r.Cluster] = append(registryOf[r.Cluster], r)
		registered[r.Address] = true
	}
	slices.Sort(clusters)
	res.TaggedAddresses, res.RegistryAddresses = len(tagged), len(registered)
	attached := map[string]bool{}
	var out []*Attribution
	for _, c := range clusters {
		at := m.attribute(c, tagsOf[c], registryOf[c])
		if len(at.Owners) == 0 && len(at.Companies) == 0 {
			continue
		}
		out = append(out, at)
		res.ClustersAttributed++
		for _, o := range at.Owners {
			if m.actors[o.Actor] != nil {
				res.ClustersWithActor++
				break
			}
		}
		if len(at.Companies) > 0 {
			res.ClustersWithCompany++
		}
		for _, a := range at.Companies {
			attached[a.CompanyID] = true
		}
		for _, x := range at.Conflicts {
			res.Conflicts++
			res.ConflictsByKind[x.Kind]++
		}
	}
	res.CompaniesAttached = len(attached)
	return out
}

// resolved is the cluster of a row: its own id when no cluster run moved it.
func resolved(id, cluster uint32, clustered uint8) uint32 {
	if clustered == 0 {
		return id
	}
	return cluster
}

func readTags(ctx context.Context, st *store.Store, chain string, clusterRun uint64) ([]TagHit, error) {
	var out []TagHit
	err := st.Query(ctx, "read the tags of "+chain+" clusters", tagsSQL, labelledArgs(chain, clusterRun, offchain.KindTags),
		func() { out = out[:0] }, func(r driver.Rows) error {
			var t TagHit
			var id uint32
			var clustered uint8
			err := r.Scan(&t.Address, &id, &t.Cluster, &clustered, &t.Label, &t.Category, &t.Abuse, &t.Actor, &t.Level, &t.File)
			t.Cluster = resolved(id, t.Cluster, clustered)
			out = append(out, t)
			return err
		})
	return out, err
}

func readRegistry(ctx context.Context, st *store.Store, chain string, clusterRun uint64) ([]RegistryHit, error) {
	var out []RegistryHit
	err := st.Query(ctx, "read the registry addresses of "+chain+" clusters", registrySQL, labelledArgs(chain, clusterRun, offchain.KindCompanies),
		func() { out = out[:0] }, func(r driver.Rows) error {
			var h RegistryHit
			var id uint32
			var clustered uint8
			err := r.Scan(&h.Address, &id, &h.Cluster, &clustered, &h.CompanyID, &h.File)
			h.Cluster = resolved(id, h.Cluster, clustered)
			out = append(out, h)
			return err
		})
	return out, err
}

func readActors(ctx context.Context, st *store.Store) ([]Actor, error) {
	var out []Actor
	err := st.Query(ctx, "read actors", actorsSQL, []any{offchain.KindActors}, func() { out = out[:0] }, func(r driver.Rows) error {
		var a Actor
		err := r.Scan(&a.ID, &a.Label, &a.LabelNormalized, &a.Domains, &a.Aliases)
		out = append(out, a)
		return err
	})
	return out, err
}

func readCompanies(ctx context.Context, st *store.Store) ([]Company, error) {
	var out []Company
	err := st.Query(ctx, "read companies", companiesSQL, []any{offchain.KindCompanies}, func() { out = out[:0] }, func(r driver.Rows) error {
		var c Company
		err := r.Scan(&c.ID, &c.Name, &c.NameNormalized, &c.Domains, &c.Aliases)
		out = append(out, c)
		return err
	})
	return out, err
}
