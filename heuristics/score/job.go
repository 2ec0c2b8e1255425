package score

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"github.com/chainsleuth/chainsleuth/chain"
	"github.com/chainsleuth/chainsleuth/heuristics/runs"
	"github.com/chainsleuth/chainsleuth/ingest/store"
)

// Job is the name of score runs in the runs table.
const Job = "score"

// ZeroAddress is the sender of minted tokens.
const ZeroAddress = "0x0000000000000000000000000000000000000000"

// Options of a score run.
type Options struct {
	Config Config
	// Chains to score; default both.
	Chains []string
	// Recorder records the run (default: runs.NewRecorder of the store).
	Recorder *runs.Recorder
	Logger   *slog.Logger
}

// Result is what a run did on one chain.
type Result struct {
	Chain    string `json:"chain"`
	RunID    uint64 `json:"run_id"`
	Flows    int    `json:"flows"`
	Clusters int    `json:"clusters_scored"`
	Alerts   int    `json:"alerts"`
	// Unclustered counts flows with an address the cluster job has not seen
	// (run `chainsleuth cluster` after ingesting).
	Unclustered int     `json:"unclustered_flows"`
	Top         float64 `json:"top_score"`
	Since       string  `json:"since"`
}

// Queries of a run (all bound).
const (
	AddressIDsQuery      = "SELECT address, id FROM address_ids FINAL WHERE chain = ?"
	AddressClustersQuery = "SELECT address_id, cluster_id FROM address_clusters FINAL WHERE chain = ?"
	LatestTimeQuery      = "SELECT toUInt32(max(time)) FROM transfers WHERE chain = ?"
	FlowsQuery           = `SELECT height, time, txid, from_address, to_address, asset, value, kind
FROM transfers FINAL WHERE chain = ? AND time >= toDateTime(?, 'UTC') AND kind != 'erc721'
    AND txid NOT IN (SELECT txid FROM coinjoins FINAL WHERE chain = ?)
ORDER BY height, txid, idx`
	ExchangeTagsQuery = "SELECT DISTINCT address FROM tags FINAL WHERE chain = ? AND category = 'exchange'"
	SanctionedQuery   = "SELECT DISTINCT address FROM sanctions FINAL WHERE chain = ?"
	CompanyAddrsQuery = "SELECT address, company_id FROM company_addresses FINAL WHERE chain = ? ORDER BY company_id"
	DepositLinksQuery = `SELECT a, uniqExact(b) FROM cluster_evidence FINAL
WHERE chain = ? AND heuristic = 'deposit' AND merged = 1 AND detail LIKE ? GROUP BY a`
)

const depositRole = `%"role":"deposit"%`

// A CoinJoin's apportioned transfers make every participant a payer of
// every other: its transactions are left out (coinjoins, from the cluster
// job).

// Run scores every cluster of the chains and stores the scores and alerts
// under a new run (runs table, job "score").
func Run(ctx context.Context, st *store.Store, opts Options) ([]Result, error) {
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if len(opts.Chains) == 0 {
		opts.Chains = []string{chain.Bitcoin, chain.Ethereum}
	}
	if err := opts.Config.Validate(); err != nil {
		return nil, fmt.Errorf("score config: %w", err)
	}
	rec := opts.Recorder
	if rec == nil {
		rec = runs.NewRecorder(st)
	}
	var out []Result
	for _, c := range opts.Chains {
		run, err := rec.Start(ctx, Job, c, opts.Config)
		if err != nil {
			return out, err
		}
		res, err := scoreChain(ctx, st, opts, c, run.ID)
		if err != nil {
			_ = run.Fail(ctx, err)
			return out, fmt.Errorf("score %s: %w", c, err)
		}
		if err := run.Finish(ctx, res, 0); err != nil {
			return out, err
		}
		opts.Logger.Info("scored", "chain", c, "run", run.ID, "flows", res.Flows, "clusters", res.Clusters, "alerts", res.Alerts, "top", res.Top)
		out = append(out, res)
	}
	return out, nil
}

func scoreChain(ctx context.Context, st *store.Store, opts Options, chainName string, runID uint64) (Result, error) {
	res := Result{Chain: chainName, RunID: runID}
	clusterOf, err := loadClusters(ctx, st, chainName)
	if err != nil {
		return res, err
	}
	window, err := ParseWindow(opts.Config.Window)
	if err != nil {
		return res, err
	}
	var latest uint32
	if err := st.QueryRow(ctx, "latest transfer time", LatestTimeQuery, []any{chainName}, &latest); err != nil {
		return res, err
	}
	since := uint32(0)
	if window > 0 && time.Duration(latest)*time.Second > window {
		since = latest - uint32(window/time.Second)
	}
	res.Since = time.Unix(int64(since), 0).UTC().Format(time.RFC3339)
	cl := func(addr string) int64 {
		if c, ok := clusterOf[addr]; ok {
			return c
		}
		return NoCluster
	}
	var flows []Flow
	err = st.Query(ctx, "read flows", FlowsQuery, []any{chainName, since, chainName}, func() { flows = flows[:0]; res.Unclustered = 0 },
		func(r driver.Rows) error {
			var f Flow
			var kind string
			if err := r.Scan(&f.Height, &f.Time, &f.TxID, &f.From, &f.To, &f.Asset, &f.Value, &kind); err != nil {
				return err
			}
			f.Token = kind == string(chain.KindERC20)
			f.Mint = f.Token && f.From == ZeroAddress
			f.FromCluster, f.ToCluster = cl(f.From), cl(f.To)
			if f.From == "" || f.Mint {
				f.FromCluster = NoCluster
			}
			if (f.From != "" && !f.Mint && f.FromCluster == NoCluster) || f.ToCluster == NoCluster {
				res.Unclustered++
			}
			flows = append(flows, f)
			return nil
		})
	if err != nil {
		return res, err
	}
	res.Flows = len(flows)
	cctx, err := loadContext(ctx, st, chainName, cl)
	if err != nil {
		return res, err
	}
	feats := Compute(flows, cctx, opts.Config, chainName)
	scores, alerts := EvaluateAll(feats, opts.Config, chainName)
	kinds := map[int64]string{}
	for _, s := range scores {
		kinds[s.Cluster] = s.Kind
	}
	if err := st.Insert(ctx, scoreRows(chainName, runID, opts.Config.Version, scores)); err != nil {
		return res, err
	}
	if err := st.Insert(ctx, alertRows(chainName, runID, alerts, kinds)); err != nil {
		return res, err
	}
	for _, check := range []struct {
		table string
		want  int
	}{{"cluster_scores", len(scores)}, {"alerts", len(alerts)}} {
		n, err := st.CountWhere(ctx, check.table, false, "chain = ? AND run_id = ?", chainName, runID)
		if err != nil {
			return res, err
		}
		if n != uint64(check.want) {
			return res, fmt.Errorf("%s of run %d: %d rows written, %d stored: %w", check.table, runID, check.want, n, store.ErrCountMismatch)
		}
	}
	res.Clusters, res.Alerts = len(scores), len(alerts)
	if len(scores) > 0 {
		res.Top = scores[0].Score
	}
	return res, nil
}

// loadClusters maps every clustered address of the chain to its cluster id.
func loadClusters(ctx context.Context, st *store.Store, chainName string) (map[string]int64, error) {
	ids := map[string]uint32{}
	err := st.Query(ctx, "read address ids", AddressIDsQuery, []any{chainName}, func() { clear(ids) },
		func(r driver.Rows) error {
			var a string
			var id uint32
			if err := r.Scan(&a, &id); err != nil {
				return err
			}
			ids[a] = id
			return nil
		})
	if err != nil {
		return nil, err
	}
	clusterOfID := make(map[uint32]uint32, len(ids))
	err = st.Query(ctx, "read address clusters", AddressClustersQuery, []any{chainName}, func() { clear(clusterOfID) },
		func(r driver.Rows) error {
			var id, c uint32
			if err := r.Scan(&id, &c); err != nil {
				return err
			}
			clusterOfID[id] = c
			return nil
		})
	if err != nil {
		return nil, err
	}
	out := make(map[string]int64, len(ids))
	for a, id := range ids {
		c, ok := clusterOfID[id]
		if !ok {
			c = id // an address alone in its cluster
		}
		out[a] = int64(c)
	}
	return out, nil
}

// loadContext reads tags, sanctions, company addresses and deposit links,
// by cluster.
func loadContext(ctx context.Context, st *store.Store, chainName string, cl func(string) int64) (Context, error) {
	c := Context{ExchangeTag: map[int64]bool{}, DepositLinks: map[int64]int{}, Sanctioned: map[int64]bool{}, Company: map[int64]string{}}
	addrs := func(name, q string, into map[int64]bool) error {
		return st.Query(ctx, name, q, []any{chainName}, nil, func(r driver.Rows) error {
			var a string
			if err := r.Scan(&a); err != nil {
				return err
			}
			if id := cl(a); id != NoCluster {
				into[id] = true
			}
			return nil
		})
	}
	if err := addrs("read exchange tags", ExchangeTagsQuery, c.ExchangeTag); err != nil {
		return c, err
	}
	if err := addrs("read sanctioned addresses", SanctionedQuery, c.Sanctioned); err != nil {
		return c, err
	}
	err := st.Query(ctx, "read company addresses", CompanyAddrsQuery, []any{chainName}, nil, func(r driver.Rows) error {
		var a, company string
		if err := r.Scan(&a, &company); err != nil {
			return err
		}
		if id := cl(a); id != NoCluster && c.Company[id] == "" {
			c.Company[id] = company
		}
		return nil
	})
	if err != nil {
		return c, err
	}
	err = st.Query(ctx, "read deposit links", DepositLinksQuery, []any{chainName, depositRole}, nil, func(r driver.Rows) error {
		var hot string
		var n uint64
		if err := r.Scan(&hot, &n); err != nil {
			return err
		}
		if id := cl(hot); id != NoCluster {
			c.DepositLinks[id] += int(n)
		}
		return nil
	})
	return c, err
}
