package score

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"github.com/chainsleuth/chainsleuth/chain"
	"github.com/chainsleuth/chainsleuth/heuristics/cluster"
	"github.com/chainsleuth/chainsleuth/heuristics/runs"
	"github.com/chainsleuth/chainsleuth/ingest/checkpoint"
	"github.com/chainsleuth/chainsleuth/ingest/offchain"
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
	// ClusterRun is the cluster run whose clusters were scored (0: none had finished).
	ClusterRun uint64 `json:"cluster_run"`
	// NewerClusterRuns are cluster runs after ClusterRun with rows in
	// address_cluster_hashes (writing, or failed): some addresses may be
	// missing from this score (buildClusterMap).
	NewerClusterRuns []uint64 `json:"newer_cluster_runs,omitempty"`
	Since            string   `json:"since"`
}

// sortAttempts is how many times a run sorts its flows before it gives up
// on transient failures (sortFlows).
const sortAttempts = 3

// The window's flows of a run, sorted once: FlowsQuery's rows in its order,
// written by one INSERT … SELECT into a TinyLog table (one file per column,
// written and read in one stream, so rows come back in the order they went
// in) and read by both passes. Before, each pass ran FlowsQuery itself: the
// server read, merged (FINAL), joined and sorted the window twice, and the
// second sort ran on the core the scorer needed for pass 1 (measured in
// docs/performance.md). The table is on disk, not in the server's memory.
const (
	// runFlowsDDL creates it (%s: its name); the columns are FlowsQuery's.
	runFlowsDDL = `CREATE TABLE IF NOT EXISTS %s (height UInt64, time UInt32, tx UInt64, flags UInt8, asset String,
    value Float64, from_hash UInt64, to_hash UInt64) ENGINE = TinyLog`
	// runFlowsFill fills it (%[1]s: its name, %[2]s: FlowsQuery; bound as FlowsQuery).
	runFlowsFill = "INSERT INTO %[1]s %[2]s"
	// runFlowsRead reads it in order (%s: its name), in one thread: a current
	// server may otherwise spread the blocks of one stream over several
	// (parallelize_output_from_storages) and hand them over out of order.
	// Each flow's asset comes as its hash, named by runFlowsAssets: the
	// driver made a string of every row's asset, to decode and collect.
	runFlowsRead = `SELECT height, time, tx, flags, cityHash64(asset) AS asset, value, from_hash, to_hash FROM %s
    SETTINGS max_threads = 1`
	// runFlowsAssets names the hashes of the assets of the run's flows
	// (%s: the table).
	runFlowsAssets = "SELECT asset, cityHash64(asset) FROM %s GROUP BY asset"
)

// The addresses a run reads besides the window's flows, each a subquery of
// one column, address.
const (
	// exchangeTagAddresses: bound chain, import kind.
	exchangeTagAddresses = "SELECT address FROM tags WHERE chain = ? AND category = 'exchange' AND " + committed
	// sanctionedAddresses: bound chain, import kind.
	sanctionedAddresses = "SELECT address FROM sanctions WHERE chain = ? AND " + committed
	// companyAddresses: bound chain, import kind.
	companyAddresses = "SELECT address FROM company_addresses WHERE chain = ? AND " + committed
	// depositHotWallets: bound chain, cluster run, role pattern.
	depositHotWallets = `SELECT a AS address FROM cluster_evidence
    WHERE chain = ? AND run_id <= ? AND heuristic = 'deposit' AND merged = 1 AND detail LIKE ?`
)

// windowTransfers selects the transfers of a run's window for the flows
// query (bound: chain, the window's first height, since). The set of
// addresses the map holds is read from the sorted flows, so the two agree.
const windowTransfers = "chain = ? AND height >= ? AND time >= toDateTime(?, 'UTC') AND kind != 'erc721'"

// committed keeps the rows of an off-chain table that belong to a file's
// latest committed import (ingest/offchain/doc.go; bound: the import kind).
const committed = "(file, version) IN (SELECT file, max(version) FROM offchain_imports WHERE kind = ? GROUP BY file)"

// LatestTimeQuery is the time of a chain's latest transfer (bound: chain).
// It reads the whole time column: 0.5-1.8 s at 100M transfers here, some
// 20-60 s at mainnet's 3.3B. latestTransferTime asks LatestTimeNearTipQuery
// first.
const LatestTimeQuery = "SELECT toUInt32(max(time)) FROM transfers WHERE chain = ?"

// LatestTimeNearTipQuery is the time of the latest transfer at or above a
// height, and how many transfers that is (bound: chain, height): it reads
// the tail of transfers' key only.
const LatestTimeNearTipQuery = "SELECT toUInt32(max(time)), count() FROM transfers WHERE chain = ? AND height >= ?"

// tipBlocks is how far below the ingest checkpoint LatestTimeNearTipQuery
// looks. Block times are not strictly increasing on Bitcoin, but a block
// 1,000 blocks (a week) below the tip with a later time than every block
// above it would take miners holding timestamps back for a week; on
// Ethereum they increase.
const tipBlocks = 1000

// latestTransferTime is the time of a chain's latest transfer: from the
// blocks just below its ingest checkpoint when it has one and they hold
// transfers, from the whole table otherwise (data written without ingest,
// or a tip with no transfer for 1,000 blocks).
func latestTransferTime(ctx context.Context, st *store.Store, chainName string) (uint32, error) {
	next, _, _, err := checkpoint.Read(ctx, st, chainName)
	if err != nil {
		return 0, err
	}
	var latest uint32
	if next > tipBlocks {
		var n uint64
		if err := st.QueryRow(ctx, "latest transfer time near the tip", LatestTimeNearTipQuery,
			[]any{chainName, uint64(next - tipBlocks)}, &latest, &n); err != nil {
			return 0, err
		}
		if n > 0 {
			return latest, nil
		}
	}
	err = st.QueryRow(ctx, "latest transfer time", LatestTimeQuery, []any{chainName}, &latest)
	return latest, err
}

// WindowStartQuery is the lowest height of a transfer at or after a time
// (bound: chain, since as a Unix time): every flow of the window is at this
// height or above, so the flows query can say so, and the server reads only
// that range of transfers' key (ordered by chain, then height) and the
// partitions it touches. Block times are not strictly increasing, hence the
// minimum rather than a lookup of one block.
const WindowStartQuery = "SELECT min(height) FROM transfers WHERE chain = ? AND time >= toDateTime(?, 'UTC')"

// WindowEndQuery is the highest height of a transfer at or above a height
// (bound: chain, the window's first height): a read of the window's range of
// transfers' key, which bounds the ranges of FlowsQuery.
const WindowEndQuery = "SELECT max(height) FROM transfers WHERE chain = ? AND height >= ?"

// flowsPieces is how many ranges of heights FlowsQuery reads side by side.
// The server merges the rows of one range (FINAL) in one stream, and the
// rest of the query ran in that stream too, on one core: 12.9-14.1 s for
// 13M flows in one range, 7.5-9.2 s in 4 to 16 (docs/performance.md).
const flowsPieces = 8

// FlowsQuery selects the window's flows, with the hashes of both sides'
// addresses (the scorer looks their clusters up: clusterMap), in the order
// the scorer reads them; sortFlows writes its rows into the run's flows
// table. It reads the window in `pieces` ranges of heights, each bound by
// flowsArgs: chain, the range's first height, since, the next range's first
// height (not for the last range), chain. The window's first height
// (WindowStartQuery) drops no row the time keeps; it is what lets the server
// skip the rest of the table.
func FlowsQuery(pieces int) string {
	ranges := make([]string, max(pieces, 1))
	for i := range ranges {
		below := " AND height < ?"
		if i == len(ranges)-1 {
			below = ""
		}
		ranges[i] = `SELECT height, toUInt32(time) AS time, cityHash64(txid) AS tx, idx,
            toUInt8((from_address = '') * ` + flagSQL(flagNoSender) + ` + (from_address = '` + ZeroAddress + `') * ` + flagSQL(flagZeroSender) + `
                + (kind = '` + string(chain.KindERC20) + `') * ` + flagSQL(flagToken) + `) AS flags,
            asset, value, cityHash64(from_address) AS from_hash, cityHash64(to_address) AS to_hash
        FROM transfers FINAL
        WHERE ` + windowTransfers + below + `
            AND txid NOT IN (SELECT txid FROM coinjoins FINAL WHERE chain = ?)`
	}
	return `SELECT height, time, tx, flags, asset, value, from_hash, to_hash FROM (
        ` + strings.Join(ranges, "\n        UNION ALL ") + `
)
ORDER BY height, tx, idx`
}

// The bits of a flow's flags in FlowsQuery: one column instead of three, a
// third of the columns the sort moves and the readers scan for them.
const (
	flagNoSender   uint8 = 1 << iota // no sender: a coinbase
	flagZeroSender                   // sent from the zero address
	flagToken                        // an ERC-20 transfer
)

// flagSQL is a flag's value in FlowsQuery's text.
func flagSQL(f uint8) string { return strconv.Itoa(int(f)) }

// flowsRanges splits the heights from the window's first to its last into
// at most flowsPieces ranges and returns each one's first height.
func flowsRanges(first, last uint64) []uint64 {
	if last < first {
		return []uint64{first}
	}
	step := (last-first)/flowsPieces + 1
	var out []uint64
	for lo := first; lo <= last && len(out) < flowsPieces; lo += step {
		out = append(out, lo)
	}
	return out
}

// flowsArgs binds FlowsQuery over the ranges that start at firsts.
func flowsArgs(chainName string, firsts []uint64, since uint32) []any {
	var args []any
	for i, lo := range firsts {
		args = append(args, chainName, lo, since)
		if i < len(firsts)-1 {
			args = append(args, firsts[i+1])
		}
		args = append(args, chainName)
	}
	return args
}

// Tagged exchanges, sanctioned addresses, registry companies' addresses (of
// committed imports only) and hot wallets with deposit addresses, each with
// the hash of its address: loadContext looks their clusters up in the map,
// and leaves out the addresses the cluster job has not seen.
const (
	// ExchangeTagsQuery: bound chain, import kind.
	ExchangeTagsQuery = "SELECT cityHash64(address) FROM (" + exchangeTagAddresses + ")"
	// SanctionedQuery: bound chain, import kind.
	SanctionedQuery = "SELECT cityHash64(address) FROM (" + sanctionedAddresses + ")"
	// CompanyAddrsQuery gives each company's addresses in order, so that a
	// cluster with several companies' addresses takes the first company
	// (bound: chain, import kind).
	CompanyAddrsQuery = `SELECT company_id, cityHash64(address) FROM (
    SELECT DISTINCT address, company_id FROM company_addresses WHERE chain = ? AND ` + committed + `
) ORDER BY company_id, address`
	// DepositLinksQuery counts the deposit addresses linked to each hot
	// wallet (bound: chain, cluster run, role pattern).
	DepositLinksQuery = `SELECT cityHash64(a), toUInt64(uniqExact(b)) FROM cluster_evidence
    WHERE chain = ? AND run_id <= ? AND heuristic = 'deposit' AND merged = 1 AND detail LIKE ? GROUP BY a`
)

const depositRole = `%"role":"deposit"%`

// A CoinJoin's apportioned transfers make every participant a payer of
// every other: its transactions are left out (coinjoins, from the cluster
// job).

// gcPercent is the Go collector's GOGC while a run scores, unless the
// GOGC variable sets it. Most of a run's heap is its large tables without
// pointers (the cluster map, the pair tables), which a collection does not
// scan, while the driver makes garbage at every block of rows it reads:
// with the default 100 the heap grew to twice the tables before each
// collection. At 100M transfers: peak RSS 1.85–1.90 GB against 2.44–2.77 GB,
// the time within the noise (docs/performance.md); since the flows' assets
// come as hashes (no string per row), 1.50 GB against 2.18 GB.
const gcPercent = 25

// Run scores every cluster of the chains and stores the scores and alerts
// under a new run (runs table, job "score"). It sets the collector's GOGC
// to gcPercent while it runs (unless the GOGC variable is set), and puts it
// back.
func Run(ctx context.Context, st *store.Store, opts Options) ([]Result, error) {
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if os.Getenv("GOGC") == "" {
		defer debug.SetGCPercent(debug.SetGCPercent(gcPercent))
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
	window, err := ParseWindow(opts.Config.Window)
	if err != nil {
		return res, err
	}
	latest, err := latestTransferTime(ctx, st, chainName)
	if err != nil {
		return res, err
	}
	since := uint32(0)
	if window > 0 && time.Duration(latest)*time.Second > window {
		since = latest - uint32(window/time.Second)
	}
	res.Since = time.Unix(int64(since), 0).UTC().Format(time.RFC3339)
	var fromHeight uint64
	if since > 0 {
		if err := st.QueryRow(ctx, "window's first height", WindowStartQuery, []any{chainName, since}, &fromHeight); err != nil {
			return res, err
		}
	}
	clusterRun, err := cluster.LastFinishedRun(ctx, st, chainName)
	if err != nil {
		return res, err
	}
	if clusterRun == 0 {
		opts.Logger.Warn("no finished cluster run: every flow is unclustered and nothing is scored; run `chainsleuth cluster` first", "chain", chainName)
	}
	res.ClusterRun = clusterRun
	stem := runTablesStem(runID)
	if err := dropLeftTables(ctx, st, opts.Logger); err != nil {
		return res, err
	}
	defer dropRunTables(st, opts.Logger, stem)
	started := time.Now()
	flowsTable, sorted, err := sortFlows(ctx, st, opts.Logger, chainName, stem, fromHeight, since)
	if err != nil {
		return res, err
	}
	opts.Logger.Info("flows sorted", "chain", chainName, "flows", sorted, "took", time.Since(started).Round(time.Millisecond))
	started = time.Now()
	clusters, newer, err := buildClusterMap(ctx, st, opts.Logger, chainName, clusterRun, stem, flowsTable, 2*int(sorted))
	if err != nil {
		return res, err
	}
	if len(newer) > 0 {
		res.NewerClusterRuns = newer
		opts.Logger.Warn("address_cluster_hashes holds rows of cluster runs after the scored one: a cluster run is writing, or one failed and left them. "+
			"A merge may have kept their rows in place of some of the scored run's addresses, which this score then counts as unclustered; "+
			"let the cluster run finish, or run `chainsleuth cluster` (it removes a failed run's rows and checks its own), then score again",
			"chain", chainName, "cluster_run", clusterRun, "newer_runs", newer)
	}
	opts.Logger.Info("cluster map built", "chain", chainName, "addresses", clusters.len(), "took", time.Since(started).Round(time.Millisecond))
	// Each pass reads the sorted flows anew (nothing per flow is kept). Pass
	// 2's read is sent as soon as pass 1's flows arrive, so that its first
	// batches wait in the reader when the scorer wants them.
	readCtx, stopReads := context.WithCancel(ctx)
	defer stopReads()
	query := fmt.Sprintf(runFlowsRead, flowsTable)
	assets, err := readAssets(ctx, st, fmt.Sprintf(runFlowsAssets, flowsTable))
	if err != nil {
		return res, err
	}
	free := make(chan []Flow, 2*flowBatchesAhead)
	var ahead <-chan flowBatch
	pass := 0
	flows := func(yield func([]Flow) error) error {
		pass++
		started, yielded := time.Now(), 0
		defer func() {
			opts.Logger.Info("flows read", "chain", chainName, "pass", pass, "flows", yielded, "took", time.Since(started).Round(time.Millisecond))
		}()
		batches := ahead
		if batches == nil {
			batches = readFlows(readCtx, st, query, nil, assets, clusters, free)
		}
		ahead = nil
		for b := range batches {
			if b.err != nil {
				return b.err
			}
			if pass == 1 {
				if ahead == nil {
					ahead = readFlows(readCtx, st, query, nil, assets, clusters, free)
				}
				res.Flows += len(b.flows)
				res.Unclustered += b.unclustered
			}
			yielded += len(b.flows)
			if err := yield(b.flows); err != nil {
				return err
			}
			select {
			case free <- b.flows:
			default:
			}
		}
		if err := readCtx.Err(); err != nil {
			return err
		}
		if uint64(yielded) != sorted {
			return fmt.Errorf("pass %d read %d flows of the %d sorted: %w; run the score again", pass, yielded, sorted, store.ErrShortWrite)
		}
		return nil
	}
	cctx, err := loadContext(ctx, st, chainName, clusterRun, clusters)
	if err != nil {
		return res, err
	}
	feats, err := Compute(flows, int(sorted), cctx, opts.Config, chainName)
	if err != nil {
		return res, err
	}
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

// loadContext reads tags, sanctions, company addresses and deposit links,
// by cluster through the map m.
func loadContext(ctx context.Context, st *store.Store, chainName string, clusterRun uint64, m *clusterMap) (Context, error) {
	c := Context{ExchangeTag: map[int64]bool{}, DepositLinks: map[int64]int{}, Sanctioned: map[int64]bool{}, Company: map[int64]string{}}
	var hash uint64
	clusters := func(name, q, kind string, into map[int64]bool) error {
		return st.Query(ctx, name, q, []any{chainName, kind}, func() { clear(into) }, func(r driver.Rows) error {
			if err := r.Scan(&hash); err != nil {
				return err
			}
			if id, ok := m.clusterOf(hash); ok {
				into[int64(id)] = true
			}
			return nil
		})
	}
	if err := clusters("read exchange tags", ExchangeTagsQuery, offchain.KindTags, c.ExchangeTag); err != nil {
		return c, err
	}
	if err := clusters("read sanctioned addresses", SanctionedQuery, offchain.KindSanctions, c.Sanctioned); err != nil {
		return c, err
	}
	err := st.Query(ctx, "read company addresses", CompanyAddrsQuery, []any{chainName, offchain.KindCompanies},
		func() { clear(c.Company) }, func(r driver.Rows) error {
			var company string
			if err := r.Scan(&company, &hash); err != nil {
				return err
			}
			if id, ok := m.clusterOf(hash); ok && c.Company[int64(id)] == "" {
				c.Company[int64(id)] = company
			}
			return nil
		})
	if err != nil {
		return c, err
	}
	err = st.Query(ctx, "read deposit links", DepositLinksQuery, []any{chainName, clusterRun, depositRole},
		func() { clear(c.DepositLinks) }, func(r driver.Rows) error {
			var n uint64
			if err := r.Scan(&hash, &n); err != nil {
				return err
			}
			if id, ok := m.clusterOf(hash); ok {
				c.DepositLinks[int64(id)] += int(n)
			}
			return nil
		})
	return c, err
}

// sortFlows writes the window's flows, from fromHeight and since on, into
// the run's flows table in FlowsQuery's order, and returns the table and how
// many flows it holds. The fill is not retried into a table it may have
// half filled (its flows would then come twice): each attempt starts from a
// new table, and the drop and create wait for a server that went away.
func sortFlows(ctx context.Context, st *store.Store, log *slog.Logger, chainName, stem string, fromHeight uint64, since uint32) (string, uint64, error) {
	name := runFlowsName(stem)
	var last uint64
	if err := st.QueryRow(ctx, "window's last height", WindowEndQuery, []any{chainName, fromHeight}, &last); err != nil {
		return "", 0, err
	}
	firsts := flowsRanges(fromHeight, last)
	fill, args := fmt.Sprintf(runFlowsFill, name, FlowsQuery(len(firsts))), flowsArgs(chainName, firsts, since)
	for attempt := 1; ; attempt++ {
		if err := st.Exec(ctx, "drop the table of the run's flows", fmt.Sprintf(runTableDrop, name)); err != nil {
			return "", 0, err
		}
		if err := st.Exec(ctx, "create the table of the run's flows", fmt.Sprintf(runFlowsDDL, name)); err != nil {
			return "", 0, err
		}
		err := st.Conn().Exec(ctx, fill, args...)
		if err == nil {
			break
		}
		if !store.IsTransient(err) || attempt == sortAttempts {
			return "", 0, fmt.Errorf("sort the window's flows (attempt %d): %w", attempt, err)
		}
		log.Warn("sorting the window's flows failed; starting again from an empty table", "attempt", attempt, "err", err)
	}
	var n uint64
	err := st.QueryRow(ctx, "count the window's flows", fmt.Sprintf(runTableCount, name), nil, &n)
	return name, n, err
}
