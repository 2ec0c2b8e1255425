package score

import (
	"context"
	"fmt"
	"log/slog"
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
	Since      string `json:"since"`
}

// Clusters are those the last finished cluster run left (run_id <= it):
// rows of a cluster run that is going or died are never read. address_ids
// holds one id per address up to that run (a run's ids are never rewritten
// by a later one; a full run deletes them first); address_clusters holds a
// row per run that moved an address, so the latest up to the run wins.
// Tables are not read with FINAL: FINAL would keep a newer run's row and the
// run filter would then drop the address.

// runIDsFill collects into the table %[2]s the id and hash of every address
// of the set %[1]s (runAddressesFill) that the cluster job has seen: one read
// of address_ids, ordered by address, so that the map's chunks read this
// table by id instead of address_ids again (bound: chain, cluster run). The
// set is applied outside the read of address_ids, so that with --cluster
// (address_ids a Distributed table) it is applied where the set is.
const runIDsFill = `INSERT INTO %[2]s SELECT id, hash FROM (
    SELECT id, cityHash64(address) AS hash FROM address_ids WHERE chain = ? AND run_id <= ?
) WHERE hash IN %[1]s`

// clusterByHash is every address of the run's ids table %[1]s with an id in
// [lo, hi), by its hash, with its cluster, or the address's own id when it
// was never merged (bound: lo, hi, chain, cluster run, lo, hi, lo, hi). The
// ids of address_clusters are its key, so a chunk reads its range only; the
// ids table is sent along to the shards with --cluster (GLOBAL IN).
const clusterByHash = `SELECT hash, if(merged = 1, cluster_id, id) AS cluster FROM (
    SELECT id, hash FROM %[1]s WHERE id >= ? AND id < ?
) AS i ANY LEFT JOIN (
    SELECT address_id AS id, argMax(cluster_id, run_id) AS cluster_id, toUInt8(1) AS merged FROM address_clusters
    WHERE chain = ? AND run_id <= ? AND address_id >= ? AND address_id < ?
        AND address_id GLOBAL IN (SELECT id FROM %[1]s WHERE id >= ? AND id < ?)
    GROUP BY address_id
) AS c USING id`

// The cluster map from address_cluster_hashes, which the cluster job writes
// beside address_clusters: the clusters of the run's addresses are read by
// their hash, with no read of address_ids and no join. A full cluster run
// deletes every earlier run's rows, so the table's first run up to the
// scored one (the base) holds each address once, and the runs after it
// only the addresses they moved or added. The latest run's row of an
// address wins: the map is a Join(ANY) table, which keeps the first row of
// a key, and is filled with the later runs' rows first, latest first, then
// with the base's. No grouping: 7.2 s against 14.8 s for an argMax of every
// row by hash at 20M of 49M addresses (docs/performance.md).
const (
	// clusterRunsByID is the first run of address_clusters up to the cluster
	// run (bound: chain, cluster run); clusterRunsByHash the same of
	// address_cluster_hashes.
	clusterRunsByID   = "SELECT min(run_id) FROM address_clusters WHERE chain = ? AND run_id <= ?"
	clusterRunsByHash = "SELECT min(run_id) FROM address_cluster_hashes WHERE chain = ? AND run_id <= ?"
	// runHashesDDL creates the table of the run's clusters by hash (%s: its name).
	runHashesDDL = "CREATE TABLE IF NOT EXISTS %s (hash UInt64, cluster_plus_one UInt32, run_id UInt64) ENGINE = Memory"
	// runHashesFill collects into %[1]s the rows of every address of the set
	// %[2]s up to the cluster run (bound: chain, cluster run). The set is
	// applied outside the read, as in runIDsFill.
	runHashesFill = `INSERT INTO %[1]s SELECT hash, cluster_id + 1, run_id FROM (
    SELECT hash, cluster_id, run_id FROM address_cluster_hashes WHERE chain = ? AND run_id <= ?
) WHERE hash IN %[2]s`
	// clusterMapFromLaterRuns fills the map %[1]s with the rows of %[2]s of
	// the runs after the base (bound: the base run), the latest run first;
	// clusterMapFromBase then with the base's rows (bound: the base run).
	clusterMapFromLaterRuns = "INSERT INTO %[1]s SELECT hash, cluster_plus_one FROM %[2]s WHERE run_id > ? ORDER BY run_id DESC"
	clusterMapFromBase      = "INSERT INTO %[1]s SELECT hash, cluster_plus_one FROM %[2]s WHERE run_id = ?"
)

// runHashesName is the table of a score run's clusters by hash.
func runHashesName(clusterMap string) string { return clusterMap + "_hashes" }

// clusterMapChunk is how many address ids one insert into the cluster map
// reads, when it is built from address ids. In one insert, the join's right side and the map's growth hit the
// server's per-query memory limit (7.45 GiB here) at 39M addresses; in chunks
// a query holds one chunk's join and at most one resize of the map.
// A variable so that tests can make chunks small.
var clusterMapChunk uint64 = 10_000_000

// clusterMapIDs is the largest id of the run's ids table (%s), which bounds
// the fill's chunks, and its count of rows. The map must hold a key for
// each distinct hash among them: as many as the rows unless address_ids
// still held an address twice (rows a merge had not yet replaced), and then
// clusterMapHashes counts them (counting distinct hashes every time took
// 2.5 s of 28 at 20M addresses).
const (
	clusterMapIDs    = "SELECT max(id), count() FROM %s"
	clusterMapHashes = "SELECT uniqExact(hash) FROM %s"
)

// The cluster map of a run: a Join-engine table (an in-memory hash table the
// server keeps) from cityHash64(address) to the address's cluster, built
// once per run and chain and read by every query of the run, then dropped.
// It holds the addresses the run reads, not every address of the chain: the
// sides of the window's transfers, and the tagged, sanctioned, registered and
// deposit-linked addresses (runAddressesFill). Their hashes are first
// collected in a Set-engine table beside the map, so the map's memory grows
// with the window, not with the chain. Their clusters then come from
// address_cluster_hashes (fillClusterMapByHash), or, on a database clustered
// before the cluster job wrote that table, from address_ids and
// address_clusters: the ids and hashes in a Memory-engine table (runIDsFill),
// then chunks of ids joined with address_clusters.
// Before it, each of the flows query's two joins built the same table anew
// in both passes (10 s each at 16.5M addresses). Keys are 64-bit hashes, not
// addresses: two addresses sharing one would share a cluster in the score
// (a 6% chance of one such pair among 1.5B addresses). The map holds the
// cluster id plus one, so that 0, joinGet's value for a key the map does not
// hold, marks an address the cluster job has not seen. Queries read it with
// joinGet: one lookup per address, where a join also built a row of both
// columns (measured in docs/performance.md).
//
// The table is local to the server the scorer is connected to (with
// --cluster too: the flows are read through the Distributed tables in a
// subquery, and joinGet runs on the level above it, here). One score run at a time: a run drops
// the maps that earlier runs left (clusterMapPrefix).
const (
	clusterMapPrefix = "score_clusters_"
	// clusterMapDDL creates the map (%s: its name).
	clusterMapDDL = "CREATE TABLE IF NOT EXISTS %s (hash UInt64, cluster_plus_one UInt32) ENGINE = Join(ANY, LEFT, hash)"
	// runAddressesDDL creates the set of the run's address hashes (%s: its name).
	runAddressesDDL = "CREATE TABLE IF NOT EXISTS %s (hash UInt64) ENGINE = Set"
	// runIDsDDL creates the table of the run's address ids (%s: its name).
	runIDsDDL = "CREATE TABLE IF NOT EXISTS %s (id UInt32, hash UInt64) ENGINE = Memory"
	// clusterMapFill fills the map %[2]s with one chunk of ids (%[1]s: the ids table; bound as clusterByHash).
	clusterMapFill = "INSERT INTO %[2]s SELECT hash, cluster + 1 FROM (" + clusterByHash + ")"
	// runTableCount counts the rows of the map or another table of the run
	// (%s: its name).
	runTableCount = "SELECT count() FROM %s"
	// runTableDrop drops the map or another table of the run (%s: its name).
	runTableDrop = "DROP TABLE IF EXISTS %s"
	// clusterMapsLeft lists the maps in the database (bound: the prefix as a LIKE pattern).
	clusterMapsLeft = "SELECT name FROM system.tables WHERE database = currentDatabase() AND name LIKE ?"
)

// clusterMapName is the map of a score run.
func clusterMapName(runID uint64) string { return fmt.Sprintf("%s%d", clusterMapPrefix, runID) }

// runAddressesName is the set of a score run's address hashes, and
// runIDsName the table of their ids: names with the maps' prefix, so that a
// run drops those earlier runs left too.
func runAddressesName(clusterMap string) string { return clusterMap + "_addresses" }
func runIDsName(clusterMap string) string       { return clusterMap + "_ids" }

// sortAttempts is how many times a run sorts its flows before it gives up
// on transient failures (sortFlows).
const sortAttempts = 3

// runFlowsName is the table of a score run's flows (runFlowsDDL).
func runFlowsName(clusterMap string) string { return clusterMap + "_flows" }

// The window's flows of a run, sorted once: FlowsQuery's rows in its order,
// written by one INSERT … SELECT into a TinyLog table (one file per column,
// written and read in one stream, so rows come back in the order they went
// in) and read by both passes. Before, each pass ran FlowsQuery itself: the
// server read, merged (FINAL), joined and sorted the window twice, and the
// second sort ran on the core the scorer needed for pass 1 (measured in
// docs/performance.md). The table is on disk, not in the server's memory.
const (
	// runFlowsDDL creates it (%s: its name); the columns are FlowsQuery's.
	runFlowsDDL = `CREATE TABLE IF NOT EXISTS %s (height UInt64, time DateTime('UTC'), tx UInt64, no_sender UInt8,
    zero_sender UInt8, asset String, value Float64, token UInt8, from_known UInt8, from_cluster UInt32,
    to_known UInt8, to_cluster UInt32) ENGINE = TinyLog`
	// runFlowsFill fills it (%[1]s: its name, %[2]s: FlowsQuery; bound as FlowsQuery).
	runFlowsFill = "INSERT INTO %[1]s %[2]s"
	// runFlowsRead reads it in order (%s: its name), in one thread: a current
	// server may otherwise spread the blocks of one stream over several
	// (parallelize_output_from_storages) and hand them over out of order.
	runFlowsRead = `SELECT height, time, tx, no_sender, zero_sender, asset, value, token, from_known, from_cluster,
    to_known, to_cluster FROM %s SETTINGS max_threads = 1`
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

// windowTransfers selects the transfers of a run's window, for the flows
// query and for the set of addresses the map must hold, which must agree
// (bound: chain, the window's first height, since).
const windowTransfers = "chain = ? AND height >= ? AND time >= toDateTime(?, 'UTC') AND kind != 'erc721'"

// runAddressesFill collects into the set %s the hashes of every address a
// run reads: both sides of the window's transfers, then the addresses of
// the context queries (bound: chain, the window's first height, since,
// chain, tags kind, chain, sanctions kind, chain, companies kind, chain,
// cluster run, role pattern).
const runAddressesFill = `INSERT INTO %s SELECT cityHash64(address) FROM (
    SELECT arrayJoin([from_address, to_address]) AS address FROM transfers
    WHERE ` + windowTransfers + `
    UNION ALL ` + exchangeTagAddresses + `
    UNION ALL ` + sanctionedAddresses + `
    UNION ALL ` + companyAddresses + `
    UNION ALL ` + depositHotWallets + `)`

// clustersOf maps the addresses %[1]s selects (a subquery) to their
// clusters through the map %[2]s; addresses the cluster job has not seen
// are left out.
const clustersOf = `SELECT address, toUInt32(c - 1) AS cluster FROM (
    SELECT address, joinGet('%[2]s', 'cluster_plus_one', cityHash64(address)) AS c FROM (%[1]s)
) WHERE c > 0`

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

// FlowsQuery selects the window's flows with the clusters of both sides,
// through the map %[1]s, in the order the scorer reads them; sortFlows
// writes its rows into the run's flows table. It reads the window in
// `pieces` ranges of heights, each bound by flowsArgs: chain, the range's
// first height, since, the next range's first height (not for the last
// range), chain. The window's first height (WindowStartQuery) drops no row
// the time keeps; it is what lets the server skip the rest of the table.
func FlowsQuery(clusterMap string, pieces int) string {
	ranges := make([]string, max(pieces, 1))
	for i := range ranges {
		below := " AND height < ?"
		if i == len(ranges)-1 {
			below = ""
		}
		ranges[i] = `SELECT height, time, cityHash64(txid) AS tx, idx, from_address = '' AS no_sender,
            from_address = '` + ZeroAddress + `' AS zero_sender, asset, value, kind = '` + string(chain.KindERC20) + `' AS token,
            cityHash64(from_address) AS from_hash, cityHash64(to_address) AS to_hash
        FROM transfers FINAL
        WHERE ` + windowTransfers + below + `
            AND txid NOT IN (SELECT txid FROM coinjoins FINAL WHERE chain = ?)`
	}
	return fmt.Sprintf(`SELECT height, time, tx, no_sender, zero_sender, asset, value, token,
    from_c > 0 AS from_known, toUInt32(from_c - 1) AS from_cluster, to_c > 0 AS to_known, toUInt32(to_c - 1) AS to_cluster FROM (
    SELECT height, time, tx, idx, no_sender, zero_sender, asset, value, token,
        joinGet('%[1]s', 'cluster_plus_one', from_hash) AS from_c, joinGet('%[1]s', 'cluster_plus_one', to_hash) AS to_c FROM (
        %[2]s
    )
)
ORDER BY height, tx, idx`, clusterMap, strings.Join(ranges, "\n        UNION ALL "))
}

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

// Clusters of tagged exchanges, sanctioned addresses, hot wallets with
// deposit addresses, and registry companies' addresses, of committed imports
// only, through the map %s.

// ExchangeTagsQuery: bound chain, import kind.
func ExchangeTagsQuery(clusterMap string) string {
	return fmt.Sprintf(clustersOf, exchangeTagAddresses, clusterMap)
}

// SanctionedQuery: bound chain, import kind.
func SanctionedQuery(clusterMap string) string {
	return fmt.Sprintf(clustersOf, sanctionedAddresses, clusterMap)
}

// CompanyAddrsQuery: bound chain, import kind, chain, import kind.
func CompanyAddrsQuery(clusterMap string) string {
	return `SELECT address, company_id, cluster FROM (
    SELECT DISTINCT address, company_id FROM company_addresses WHERE chain = ? AND ` + committed + `
) AS r ALL INNER JOIN (` + fmt.Sprintf(clustersOf, companyAddresses, clusterMap) + `) AS c USING address
ORDER BY company_id, address`
}

// DepositLinksQuery counts the deposit addresses linked to each hot wallet,
// by the hot wallet's cluster (bound: chain, cluster run, role pattern,
// chain, cluster run, role pattern). The hot wallets are joined once each:
// cluster_evidence has a row per deposit address, and joined with those rows
// a wallet's count came once per row, squared.
func DepositLinksQuery(clusterMap string) string {
	return `SELECT cluster, toUInt64(sum(n)) FROM (
    SELECT a AS address, uniqExact(b) AS n FROM cluster_evidence
    WHERE chain = ? AND run_id <= ? AND heuristic = 'deposit' AND merged = 1 AND detail LIKE ? GROUP BY a
) AS d ALL INNER JOIN (` + fmt.Sprintf(clustersOf, "SELECT DISTINCT address FROM ("+depositHotWallets+")", clusterMap) + `) AS c USING address
GROUP BY cluster`
}

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
	started := time.Now()
	clusterMap, err := buildClusterMap(ctx, st, opts.Logger, chainName, clusterRun, runID, fromHeight, since)
	if err != nil {
		return res, err
	}
	opts.Logger.Info("cluster map built", "chain", chainName, "table", clusterMap, "took", time.Since(started).Round(time.Millisecond))
	defer dropClusterMap(st, opts.Logger, clusterMap)
	started = time.Now()
	flowsTable, sorted, err := sortFlows(ctx, st, opts.Logger, chainName, clusterMap, fromHeight, since)
	if err != nil {
		return res, err
	}
	opts.Logger.Info("flows sorted", "chain", chainName, "flows", sorted, "took", time.Since(started).Round(time.Millisecond))
	// Each pass reads the sorted flows anew (nothing per flow is kept). Pass
	// 2's read is sent as soon as pass 1's flows arrive, so that its first
	// batches wait in the reader when the scorer wants them.
	readCtx, stopReads := context.WithCancel(ctx)
	defer stopReads()
	query := fmt.Sprintf(runFlowsRead, flowsTable)
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
			batches = readFlows(readCtx, st, query, nil, free)
		}
		ahead = nil
		for b := range batches {
			if b.err != nil {
				return b.err
			}
			if pass == 1 {
				if ahead == nil {
					ahead = readFlows(readCtx, st, query, nil, free)
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
	cctx, err := loadContext(ctx, st, chainName, clusterRun, clusterMap)
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
// by cluster.
func loadContext(ctx context.Context, st *store.Store, chainName string, clusterRun uint64, clusterMap string) (Context, error) {
	c := Context{ExchangeTag: map[int64]bool{}, DepositLinks: map[int64]int{}, Sanctioned: map[int64]bool{}, Company: map[int64]string{}}
	clusters := func(name, q, kind string, into map[int64]bool) error {
		return st.Query(ctx, name, q, []any{chainName, kind}, nil, func(r driver.Rows) error {
			var a string
			var id uint32
			if err := r.Scan(&a, &id); err != nil {
				return err
			}
			into[int64(id)] = true
			return nil
		})
	}
	if err := clusters("read exchange tags", ExchangeTagsQuery(clusterMap), offchain.KindTags, c.ExchangeTag); err != nil {
		return c, err
	}
	if err := clusters("read sanctioned addresses", SanctionedQuery(clusterMap), offchain.KindSanctions, c.Sanctioned); err != nil {
		return c, err
	}
	err := st.Query(ctx, "read company addresses", CompanyAddrsQuery(clusterMap),
		[]any{chainName, offchain.KindCompanies, chainName, offchain.KindCompanies}, nil,
		func(r driver.Rows) error {
			var a, company string
			var id uint32
			if err := r.Scan(&a, &company, &id); err != nil {
				return err
			}
			if c.Company[int64(id)] == "" {
				c.Company[int64(id)] = company
			}
			return nil
		})
	if err != nil {
		return c, err
	}
	err = st.Query(ctx, "read deposit links", DepositLinksQuery(clusterMap),
		[]any{chainName, clusterRun, depositRole, chainName, clusterRun, depositRole}, nil,
		func(r driver.Rows) error {
			var id uint32
			var n uint64
			if err := r.Scan(&id, &n); err != nil {
				return err
			}
			c.DepositLinks[int64(id)] += int(n)
			return nil
		})
	return c, err
}

// buildClusterMap drops the cluster maps earlier runs left, creates this
// run's, collects the addresses the run reads (the window's, from
// fromHeight and since on, and the context's), fills the map with their
// clusters in the cluster run, and checks that it holds a key for every one
// of them that the cluster job has seen (a short map would leave flows
// unclustered without a word).
func buildClusterMap(ctx context.Context, st *store.Store, log *slog.Logger, chainName string, clusterRun, runID, fromHeight uint64, since uint32) (string, error) {
	var left []string
	err := st.Query(ctx, "list cluster maps", clusterMapsLeft, []any{clusterMapPrefix + "%"}, func() { left = nil },
		func(r driver.Rows) error {
			var name string
			err := r.Scan(&name)
			left = append(left, name)
			return err
		})
	if err != nil {
		return "", err
	}
	for _, name := range left {
		log.Info("dropping the cluster map of an earlier score run", "table", name)
		if err := st.Exec(ctx, "drop a cluster map", fmt.Sprintf(runTableDrop, name)); err != nil {
			return "", err
		}
	}
	name := clusterMapName(runID)
	set, ids := runAddressesName(name), runIDsName(name)
	for _, step := range []struct{ what, sql string }{
		{"create the cluster map", fmt.Sprintf(clusterMapDDL, name)},
		{"create the set of the run's addresses", fmt.Sprintf(runAddressesDDL, set)},
	} {
		if err := st.Exec(ctx, step.what, step.sql); err != nil {
			return "", err
		}
	}
	if err := st.Exec(ctx, "collect the run's addresses", fmt.Sprintf(runAddressesFill, set),
		chainName, fromHeight, since, chainName, offchain.KindTags, chainName, offchain.KindSanctions,
		chainName, offchain.KindCompanies, chainName, clusterRun, depositRole); err != nil {
		return "", err
	}
	base, byHash, err := clusterHashesComplete(ctx, st, chainName, clusterRun)
	if err != nil {
		return "", err
	}
	if byHash {
		return name, fillClusterMapByHash(ctx, st, name, chainName, clusterRun, base)
	}
	log.Warn("the clusters by address hash do not cover the cluster run (the database was clustered before they existed): "+
		"the map is built from address ids, which takes longer; a full cluster run (`chainsleuth cluster --full`) fills them",
		"chain", chainName, "cluster_run", clusterRun)
	if err := st.Exec(ctx, "create the table of the run's address ids", fmt.Sprintf(runIDsDDL, ids)); err != nil {
		return "", err
	}
	if err := st.Exec(ctx, "collect the run's address ids", fmt.Sprintf(runIDsFill, set, ids), chainName, clusterRun); err != nil {
		return "", err
	}
	var maxID uint32
	var rows uint64
	if err := st.QueryRow(ctx, "count the clustered addresses", fmt.Sprintf(clusterMapIDs, ids), nil, &maxID, &rows); err != nil {
		return "", err
	}
	for lo := uint64(0); rows > 0 && lo <= uint64(maxID); lo += clusterMapChunk {
		hi := lo + clusterMapChunk
		if err := st.Exec(ctx, "fill the cluster map", fmt.Sprintf(clusterMapFill, ids, name),
			lo, hi, chainName, clusterRun, lo, hi, lo, hi); err != nil {
			return "", err
		}
	}
	return name, checkClusterMapKeys(ctx, st, name, ids, rows)
}

// checkClusterMapKeys checks that the map name holds a key for each
// distinct hash of the table source it was filled from (rows rows): as many
// as its rows when no hash repeats there, else counted (counting distinct
// hashes every time took 2.5 s of 28 at 20M addresses). A short map would
// leave flows unclustered without a word.
func checkClusterMapKeys(ctx context.Context, st *store.Store, name, source string, rows uint64) error {
	var keys uint64
	if err := st.QueryRow(ctx, "count the cluster map", fmt.Sprintf(runTableCount, name), nil, &keys); err != nil {
		return err
	}
	hashes := rows
	if keys != rows {
		if err := st.QueryRow(ctx, "count the address hashes of the cluster map", fmt.Sprintf(clusterMapHashes, source), nil, &hashes); err != nil {
			return err
		}
	}
	if keys != hashes {
		return fmt.Errorf("the cluster map %s holds %d keys for %d address hashes: %w", name, keys, hashes, store.ErrShortWrite)
	}
	return nil
}

// clusterHashesComplete returns the first run of address_cluster_hashes up
// to the cluster run (its base), and whether the table holds every address
// of it: that run is address_clusters' first. A database clustered before
// the table existed has no rows of its first runs there (until a full run
// rewrites them all).
func clusterHashesComplete(ctx context.Context, st *store.Store, chainName string, clusterRun uint64) (base uint64, complete bool, err error) {
	var byID uint64
	if err := st.QueryRow(ctx, "first run of the clusters by id", clusterRunsByID, []any{chainName, clusterRun}, &byID); err != nil {
		return 0, false, err
	}
	if err := st.QueryRow(ctx, "first run of the clusters by hash", clusterRunsByHash, []any{chainName, clusterRun}, &base); err != nil {
		return 0, false, err
	}
	return base, base > 0 && base == byID, nil
}

// fillClusterMapByHash fills the map name with the clusters of the run's
// addresses (its set) from address_cluster_hashes, whose rows up to the
// cluster run start at the base run: through a Memory table of the
// addresses' rows, the later runs' first (see clusterMapFromLaterRuns). The
// map must then hold a key for each distinct hash of that table: as many as
// its rows when no address has a row of two runs, else counted.
func fillClusterMapByHash(ctx context.Context, st *store.Store, name, chainName string, clusterRun, base uint64) error {
	set, found := runAddressesName(name), runHashesName(name)
	for _, step := range []struct {
		what, sql string
		args      []any
	}{
		{"create the table of the run's clusters by hash", fmt.Sprintf(runHashesDDL, found), nil},
		{"collect the run's clusters by hash", fmt.Sprintf(runHashesFill, found, set), []any{chainName, clusterRun}},
		{"fill the cluster map from the later cluster runs", fmt.Sprintf(clusterMapFromLaterRuns, name, found), []any{base}},
		{"fill the cluster map from the base cluster run", fmt.Sprintf(clusterMapFromBase, name, found), []any{base}},
	} {
		if err := st.Exec(ctx, step.what, step.sql, step.args...); err != nil {
			return err
		}
	}
	var rows uint64
	if err := st.QueryRow(ctx, "count the run's clusters by hash", fmt.Sprintf(runTableCount, found), nil, &rows); err != nil {
		return err
	}
	return checkClusterMapKeys(ctx, st, name, found, rows)
}

// sortFlows writes the window's flows, from fromHeight and since on, into
// the run's flows table in FlowsQuery's order, and returns the table and how
// many flows it holds. The fill is not retried into a table it may have
// half filled (its flows would then come twice): each attempt starts from a
// new table, and the drop and create wait for a server that went away.
func sortFlows(ctx context.Context, st *store.Store, log *slog.Logger, chainName, clusterMap string, fromHeight uint64, since uint32) (string, uint64, error) {
	name := runFlowsName(clusterMap)
	var last uint64
	if err := st.QueryRow(ctx, "window's last height", WindowEndQuery, []any{chainName, fromHeight}, &last); err != nil {
		return "", 0, err
	}
	firsts := flowsRanges(fromHeight, last)
	fill, args := fmt.Sprintf(runFlowsFill, name, FlowsQuery(clusterMap, len(firsts))), flowsArgs(chainName, firsts, since)
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

// dropClusterMap drops a run's map and its tables of addresses, even when
// the run's context has ended.
func dropClusterMap(st *store.Store, log *slog.Logger, name string) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	for _, table := range []string{name, runAddressesName(name), runIDsName(name), runHashesName(name), runFlowsName(name)} {
		if err := st.Exec(ctx, "drop a table of the score run", fmt.Sprintf(runTableDrop, table)); err != nil {
			log.Warn("could not drop a table of the score run; the next score run will", "table", table, "err", err)
		}
	}
}
