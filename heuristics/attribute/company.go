package attribute

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	ch "github.com/ClickHouse/clickhouse-go/v2"
	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"github.com/chainsleuth/chainsleuth/heuristics/runs"
	"github.com/chainsleuth/chainsleuth/ingest/offchain"
	"github.com/chainsleuth/chainsleuth/ingest/store"
)

// ScoreJob is the job whose latest finished run's cluster_scores `company show` reports (heuristics/score).
const ScoreJob = "score"

// Readers of one company: `chainsleuth company show`.
const (
	// findCompanySQL: committed companies whose id, normalised name or an alias is the argument (bound:
	// kind, id, normalised name, alias).
	findCompanySQL = `SELECT DISTINCT company_id, name, registration_no, jurisdiction, status, domains, aliases FROM companies
WHERE (file, version) IN (` + committedSQL + `) AND (company_id = ? OR name_normalized = ? OR has(aliases, ?))
ORDER BY company_id LIMIT 20`
	// companyAddressesSQL: the committed registry addresses of a company (bound: kind, company id).
	companyAddressesSQL = `SELECT DISTINCT chain, address FROM company_addresses
WHERE (file, version) IN (` + committedSQL + `) AND company_id = ? ORDER BY chain, address`
	// companyClustersSQL: the clusters a company is attached to by an attribute run (bound: chain, run,
	// company id).
	companyClustersSQL = `SELECT cluster_id, confidence, method, methods FROM cluster_companies
WHERE chain = ? AND run_id = ? AND company_id = ? ORDER BY confidence DESC, cluster_id`
	// addressClustersSQL: the cluster of addresses (bound: chain, cluster run, addresses, chain, cluster
	// run, chain, cluster run, addresses).
	addressClustersSQL = `SELECT address, id, cluster_id, clustered FROM (
    SELECT DISTINCT address, id FROM address_ids WHERE chain = ? AND run_id <= ? AND address IN ?
) AS a ANY LEFT JOIN (` + clusterOfAddressesSQL + `) AS c USING id`
	clusterOfAddressesSQL = `SELECT address_id AS id, argMax(cluster_id, run_id) AS cluster_id, toUInt8(1) AS clustered
    FROM address_clusters WHERE chain = ? AND run_id <= ? AND address_id IN (
        SELECT id FROM address_ids WHERE chain = ? AND run_id <= ? AND address IN ?)
    GROUP BY address_id`
	// clusterSizesSQL: the sizes of clusters (bound: chain, cluster run, cluster ids).
	clusterSizesSQL = `SELECT cluster_id, argMax(size, run_id) FROM clusters WHERE chain = ? AND run_id <= ? AND cluster_id IN ?
GROUP BY cluster_id`
	// membersOfSQL is the subquery of a cluster's addresses (bound: chain, cluster run, chain, cluster
	// run, cluster id).
	membersOfSQL = `SELECT address FROM address_ids WHERE chain = ? AND run_id <= ? AND id IN (
    SELECT address_id FROM (SELECT address_id, argMax(cluster_id, run_id) AS current FROM address_clusters
        WHERE chain = ? AND run_id <= ? GROUP BY address_id) WHERE current = ?)`
	// flowsSQL: what a cluster received from and sent to addresses outside it, per asset (bound: chain,
	// then membersOfSQL's twice).
	flowsSQL = `SELECT asset, direction, count(), sum(value) FROM transfers_by_address FINAL
WHERE chain = ? AND address IN (` + membersOfSQL + `) AND counterparty NOT IN (` + membersOfSQL + `)
GROUP BY asset, direction ORDER BY asset, direction`
	// scoresTableSQL: whether cluster_scores exists (migration 0005).
	scoresTableSQL = "SELECT count() FROM system.tables WHERE database = currentDatabase() AND name = 'cluster_scores'"
	// scoresSQL: the scores of clusters in a score run (bound: chain, run, cluster ids).
	scoresSQL = `SELECT cluster_id, score, kind, reasons FROM cluster_scores WHERE chain = ? AND run_id = ? AND cluster_id IN ?
ORDER BY cluster_id`
)

// CompanyView is one company as `chainsleuth company show` prints it.
type CompanyView struct {
	CompanyID      string           `json:"company_id"`
	Name           string           `json:"name"`
	RegistrationNo string           `json:"registration_no"`
	Jurisdiction   string           `json:"jurisdiction"`
	Status         string           `json:"status"`
	Domains        []string         `json:"domains"`
	Aliases        []string         `json:"aliases"`
	Clusters       []CompanyCluster `json:"clusters"`
	Addresses      []CompanyAddress `json:"addresses"`
	// Scored says whether a score run was read (false when the schema has no cluster_scores or no chain
	// has a finished score run).
	Scored bool `json:"scored"`
}

// CompanyCluster is a cluster the company is attached to, with its flows and latest score.
type CompanyCluster struct {
	Chain      string   `json:"chain"`
	ClusterID  uint32   `json:"cluster_id"`
	Size       uint64   `json:"size"`
	Confidence float64  `json:"confidence"`
	Method     string   `json:"method"`
	Methods    []string `json:"methods"`
	Flows      []Flow   `json:"flows"`
	Score      *Score   `json:"score"`
}

// Flow is what a cluster received from and sent to addresses outside it, in whole units of one asset.
type Flow struct {
	Asset        string  `json:"asset"`
	Inflow       float64 `json:"inflow"`
	InTransfers  uint64  `json:"in_transfers"`
	Outflow      float64 `json:"outflow"`
	OutTransfers uint64  `json:"out_transfers"`
}

// Score is a cluster's fundraising-flow score of the latest finished score run.
type Score struct {
	RunID   uint64   `json:"run_id"`
	Score   float64  `json:"score"`
	Kind    string   `json:"kind"`
	Reasons []string `json:"reasons"`
}

// CompanyAddress is an address the registry names for the company, with its cluster when the chain's
// clusters hold it.
type CompanyAddress struct {
	Chain     string  `json:"chain"`
	Address   string  `json:"address"`
	ClusterID *uint32 `json:"cluster_id"`
}

// ErrNotFound is returned for a company no committed registry import holds.
var ErrNotFound = errors.New("no such company")

// ErrAmbiguous is returned for a name that several companies share.
var ErrAmbiguous = errors.New("several companies match")

// ShowCompany reads a company by id, normalised name or alias, with its clusters (of each chain's latest
// finished attribute run), their flows and scores, and its registry addresses.
func ShowCompany(ctx context.Context, st *store.Store, idOrName string) (*CompanyView, error) {
	var found []CompanyView
	err := st.Query(ctx, "find a company", findCompanySQL, []any{offchain.KindCompanies, idOrName, offchain.NormalizeName(idOrName), idOrName},
		func() { found = found[:0] }, func(r driver.Rows) error {
			var v CompanyView
			err := r.Scan(&v.CompanyID, &v.Name, &v.RegistrationNo, &v.Jurisdiction, &v.Status, &v.Domains, &v.Aliases)
			if n := len(found); n == 0 || found[n-1].CompanyID != v.CompanyID {
				found = append(found, v)
			}
			return err
		})
	if err != nil {
		return nil, err
	}
	switch {
	case len(found) == 0:
		return nil, fmt.Errorf("company %q: %w (give a company id, name or alias of an imported registry: `chainsleuth import companies FILE`)", idOrName, ErrNotFound)
	case len(found) > 1:
		var ids []string
		for _, f := range found {
			ids = append(ids, f.CompanyID+" ("+f.Name+")")
		}
		return nil, fmt.Errorf("company %q: %w: %s; give the company id", idOrName, ErrAmbiguous, strings.Join(ids, ", "))
	}
	v := &found[0]
	v.Clusters, v.Addresses = []CompanyCluster{}, []CompanyAddress{}
	err = st.Query(ctx, "read a company's addresses", companyAddressesSQL, []any{offchain.KindCompanies, v.CompanyID}, nil,
		func(r driver.Rows) error {
			var a CompanyAddress
			err := r.Scan(&a.Chain, &a.Address)
			v.Addresses = append(v.Addresses, a)
			return err
		})
	if err != nil {
		return nil, err
	}
	var scored uint64
	if err := st.QueryRow(ctx, "look for cluster_scores", scoresTableSQL, nil, &scored); err != nil {
		return nil, err
	}
	rec := runs.NewRecorder(st)
	for _, chain := range Chains() {
		clusterRun, err := rec.Last(ctx, ClusterJob, chain)
		if err != nil || clusterRun == nil {
			if err != nil {
				return nil, err
			}
			continue
		}
		if err := v.addressClusters(ctx, st, chain, clusterRun.ID); err != nil {
			return nil, err
		}
		if err := v.clusters(ctx, st, rec, chain, clusterRun.ID, scored > 0); err != nil {
			return nil, err
		}
	}
	return v, nil
}

func (v *CompanyView) addressClusters(ctx context.Context, st *store.Store, chain string, clusterRun uint64) error {
	var set []any
	for _, a := range v.Addresses {
		if a.Chain == chain {
			set = append(set, a.Address)
		}
	}
	if len(set) == 0 {
		return nil
	}
	addrs := ch.GroupSet{Value: set}
	of := map[string]uint32{}
	err := st.Query(ctx, "read the clusters of a company's addresses", addressClustersSQL,
		[]any{chain, clusterRun, addrs, chain, clusterRun, chain, clusterRun, addrs}, nil, func(r driver.Rows) error {
			var a string
			var id, c uint32
			var clustered uint8
			err := r.Scan(&a, &id, &c, &clustered)
			of[a] = resolved(id, c, clustered)
			return err
		})
	for i, a := range v.Addresses {
		if c, ok := of[a.Address]; ok && a.Chain == chain {
			v.Addresses[i].ClusterID = &c
		}
	}
	return err
}

func (v *CompanyView) clusters(ctx context.Context, st *store.Store, rec *runs.Recorder, chain string, clusterRun uint64, scored bool) error {
	run, err := rec.Last(ctx, JobName, chain)
	if err != nil || run == nil {
		return err
	}
	var cs []CompanyCluster
	err = st.Query(ctx, "read a company's clusters", companyClustersSQL, []any{chain, run.ID, v.CompanyID}, nil, func(r driver.Rows) error {
		c := CompanyCluster{Chain: chain, Flows: []Flow{}}
		err := r.Scan(&c.ClusterID, &c.Confidence, &c.Method, &c.Methods)
		cs = append(cs, c)
		return err
	})
	if err != nil || len(cs) == 0 {
		return err
	}
	ids := make([]any, len(cs))
	for i, c := range cs {
		ids[i] = c.ClusterID
	}
	sizes := map[uint32]uint64{}
	err = st.Query(ctx, "read cluster sizes", clusterSizesSQL, []any{chain, clusterRun, ch.GroupSet{Value: ids}}, nil, func(r driver.Rows) error {
		var c uint32
		var n uint64
		err := r.Scan(&c, &n)
		sizes[c] = n
		return err
	})
	if err != nil {
		return err
	}
	scores := map[uint32]*Score{}
	if scored {
		if scores, err = readScores(ctx, st, rec, chain, ids); err != nil {
			return err
		}
		v.Scored = v.Scored || scores != nil
	}
	for i := range cs {
		c := &cs[i]
		c.Size, c.Score = sizes[c.ClusterID], scores[c.ClusterID]
		if c.Flows, err = flows(ctx, st, chain, clusterRun, c.ClusterID); err != nil {
			return err
		}
	}
	v.Clusters = append(v.Clusters, cs...)
	return nil
}

// readScores reads the scores of clusters in the chain's latest finished score run (nil when none).
func readScores(ctx context.Context, st *store.Store, rec *runs.Recorder, chain string, ids []any) (map[uint32]*Score, error) {
	run, err := rec.Last(ctx, ScoreJob, chain)
	if err != nil || run == nil {
		return nil, err
	}
	out := map[uint32]*Score{}
	err = st.Query(ctx, "read cluster scores", scoresSQL, []any{chain, run.ID, ch.GroupSet{Value: ids}}, nil, func(r driver.Rows) error {
		s := &Score{RunID: run.ID}
		var c uint32
		err := r.Scan(&c, &s.Score, &s.Kind, &s.Reasons)
		out[c] = s
		return err
	})
	return out, err
}

// flows reads a cluster's inflow from and outflow to addresses outside it, per asset.
func flows(ctx context.Context, st *store.Store, chain string, clusterRun uint64, cluster uint32) ([]Flow, error) {
	members := []any{chain, clusterRun, chain, clusterRun, cluster}
	args := append(append([]any{chain}, members...), members...)
	out := []Flow{}
	err := st.Query(ctx, "read a cluster's flows", flowsSQL, args, func() { out = out[:0] }, func(r driver.Rows) error {
		var asset string
		var dir int8
		var n uint64
		var sum float64
		if err := r.Scan(&asset, &dir, &n, &sum); err != nil {
			return err
		}
		i := slices.IndexFunc(out, func(f Flow) bool { return f.Asset == asset })
		if i < 0 {
			out, i = append(out, Flow{Asset: asset}), len(out)
		}
		if dir > 0 {
			out[i].Inflow, out[i].InTransfers = sum, n
		} else {
			out[i].Outflow, out[i].OutTransfers = sum, n
		}
		return nil
	})
	return out, err
}
