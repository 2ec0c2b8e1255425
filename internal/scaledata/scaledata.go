package scaledata

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"

	"github.com/chainsleuth/chainsleuth/heuristics/runs"
	"github.com/chainsleuth/chainsleuth/ingest/checkpoint"
	"github.com/chainsleuth/chainsleuth/ingest/store"
)

// AddressPool is the number of distinct addresses transfers are drawn from.
const AddressPool = 50_000_000

// PerBlock is the number of transfers per generated block.
const PerBlock = 3000

// InsertTransfersSQL generates transfers number ∈ [first, first+count)
// (bound: first, count).
const InsertTransfersSQL = `INSERT INTO transfers (chain, height, time, txid, idx, from_address, to_address, asset, amount, value, kind)
SELECT 'btc', intDiv(number, 3000), toDateTime(1500000000 + intDiv(number, 3000) * 600),
    concat(lower(hex(cityHash64(intDiv(number, 3)))), lower(hex(cityHash64(intDiv(number, 3), 1))),
           lower(hex(cityHash64(intDiv(number, 3), 2))), lower(hex(cityHash64(intDiv(number, 3), 3)))),
    toUInt32(number % 3),
    concat('1addr', toString(cityHash64(number) % 50000000)),
    concat('1addr', toString(cityHash64(number, 1) % 50000000)),
    'BTC', toString(number % 100000000), (number % 100000000) / 1e8, 'utxo'
FROM numbers(?, ?)`

// Address is the name of generated address i.
func Address(i uint64) string { return fmt.Sprintf("1addr%d", i) }

// Generate writes transfers up to n in steps of step (resuming above what
// is there: a step is one INSERT), reporting each step, and an ingest
// checkpoint above them.
func Generate(ctx context.Context, st *store.Store, n, step uint64, report func(done uint64, took time.Duration)) error {
	if n == 0 {
		return nil
	}
	have, err := st.CountWhere(ctx, "transfers", false, "chain = 'btc'")
	if err != nil {
		return err
	}
	for from := have; from < n; from += step {
		to := min(from+step, n)
		start := time.Now()
		if err := st.Exec(ctx, fmt.Sprintf("generate transfers %d-%d", from, to), InsertTransfersSQL, from, to-from); err != nil {
			return err
		}
		if report != nil {
			report(to, time.Since(start))
		}
	}
	got, err := st.CountWhere(ctx, "transfers", false, "chain = 'btc'")
	if err != nil {
		return err
	}
	if got < n {
		return fmt.Errorf("generated %d transfers of %d: %w", got, n, store.ErrShortWrite)
	}
	// An ingest checkpoint above the last block, as ingest leaves one (the
	// score reads the latest transfer time near it); version 1 each time, so
	// the row replaces itself.
	return st.Insert(ctx, checkpoint.Record("btc", int64((n-1)/PerBlock+1), "", 1, time.Now().UTC()))
}

func init() {
	store.Register(
		store.Statement{Name: "scaledata.generate_transfers", SQL: InsertTransfersSQL, Args: []any{uint64(0), uint64(3000)}},
		store.Statement{Name: "scaledata.address_ids", SQL: AddressIDsSQL, Args: []any{uint64(1)}},
		store.Statement{Name: "scaledata.address_clusters", SQL: AddressClustersSQL, Args: []any{uint64(200_000), uint64(1), uint64(1)}},
		store.Statement{Name: "scaledata.address_cluster_hashes", SQL: AddressClusterHashesSQL, Args: []any{uint64(200_000), uint64(1), uint64(1)}},
	)
}

// ClusterRunJob and ClusterRunChain are the job and chain of the cluster run
// AssignClusters records (the job's name in heuristics/cluster, which this
// package does not import: it sits below it).
const (
	ClusterRunJob   = "cluster"
	ClusterRunChain = "btc"
)

// AddressIDsSQL gives every address of the generated transfers an id, under
// a cluster run (bound: run id).
const AddressIDsSQL = `INSERT INTO address_ids (chain, address, id, first_height, run_id)
SELECT 'btc', address, toUInt32(rowNumberInAllBlocks()), 0, ? FROM (
    SELECT DISTINCT address FROM (
        SELECT from_address AS address FROM transfers WHERE chain = 'btc'
        UNION ALL SELECT to_address AS address FROM transfers WHERE chain = 'btc'))`

// AddressClustersSQL puts address id i in synthetic cluster i mod clusters
// (bound: clusters, run id, run id).
const AddressClustersSQL = `INSERT INTO address_clusters (chain, address_id, cluster_id, run_id)
SELECT 'btc', id, id % ?, ? FROM address_ids WHERE chain = 'btc' AND run_id = ?`

// AddressClusterHashesSQL writes the same clusters by address hash, as the
// cluster job does beside address_clusters (bound: clusters, run id, run id).
const AddressClusterHashesSQL = `INSERT INTO address_cluster_hashes (chain, hash, cluster_id, run_id)
SELECT 'btc', cityHash64(address), id % ?, ? FROM address_ids WHERE chain = 'btc' AND run_id = ?`

// clusterParams are the parameters of the cluster run AssignClusters
// records: the dataset it belongs to.
type clusterParams struct {
	ScaleDataTransfers uint64 `json:"scaledata_transfers"`
	Clusters           uint64 `json:"clusters"`
}

// AssignClusters gives every address of a generated dataset of n transfers
// an id and one of clusters synthetic clusters, as a finished cluster run
// would, so that the score can run on it. A finished run for the same
// dataset is kept; one for another size is an error (drop the database to
// generate again). Filling address_ids takes the server several GB for a
// DISTINCT over 2n addresses: the query lifts the per-query memory limit.
func AssignClusters(ctx context.Context, st *store.Store, n, clusters uint64) (uint64, error) {
	params := clusterParams{n, clusters}
	want, err := json.Marshal(params)
	if err != nil {
		return 0, err
	}
	rec := runs.NewRecorder(st)
	last, err := rec.Last(ctx, ClusterRunJob, ClusterRunChain)
	if err != nil {
		return 0, err
	}
	if last != nil {
		if last.Parameters != string(want) {
			return 0, fmt.Errorf("the database holds clusters of another generated dataset (%s, want %s): drop it to generate again", last.Parameters, want)
		}
		return last.ID, nil
	}
	if earlier, err := rec.List(ctx, ClusterRunJob, 1); err != nil || len(earlier) > 0 {
		if err == nil {
			err = fmt.Errorf("cluster run %d (%s) did not finish and left rows: drop the database to generate again", earlier[0].ID, earlier[0].Status)
		}
		return 0, err
	}
	run, err := rec.Start(ctx, ClusterRunJob, ClusterRunChain, params)
	if err != nil {
		return 0, err
	}
	ids, err := fillClusters(ctx, st, run.ID, clusters)
	if err != nil {
		_ = run.Fail(ctx, err) // its rows stay: drop the database to generate again
		return 0, err
	}
	return run.ID, run.Finish(ctx, map[string]uint64{"addresses": ids}, 0)
}

// fillClusters writes the address ids and clusters of run and returns how
// many addresses it gave an id.
func fillClusters(ctx context.Context, st *store.Store, run, clusters uint64) (uint64, error) {
	unlimited := clickhouse.Context(ctx, clickhouse.WithSettings(clickhouse.Settings{"max_memory_usage": 0}))
	if err := st.Exec(unlimited, "give the generated addresses ids", AddressIDsSQL, run); err != nil {
		return 0, err
	}
	if err := st.Exec(ctx, "put the generated addresses in clusters", AddressClustersSQL, clusters, run, run); err != nil {
		return 0, err
	}
	if err := st.Exec(ctx, "put the generated addresses in clusters by hash", AddressClusterHashesSQL, clusters, run, run); err != nil {
		return 0, err
	}
	ids, err := st.CountWhere(ctx, "address_ids", false, "run_id = ?", run)
	if err != nil {
		return 0, err
	}
	inClusters, err := st.CountWhere(ctx, "address_clusters", false, "run_id = ?", run)
	if err != nil {
		return 0, err
	}
	byHash, err := st.CountWhere(ctx, "address_cluster_hashes", false, "run_id = ?", run)
	if err != nil {
		return 0, err
	}
	if ids == 0 || inClusters != ids || byHash != ids {
		return 0, fmt.Errorf("generated clusters: %d address ids, %d in clusters, %d by hash: %w", ids, inClusters, byHash, store.ErrShortWrite)
	}
	return ids, nil
}
