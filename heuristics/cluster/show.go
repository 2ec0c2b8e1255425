package cluster

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"github.com/chainsleuth/chainsleuth/heuristics/runs"
	"github.com/chainsleuth/chainsleuth/ingest/store"
)

// Readers of the clusters: one cluster with its addresses and evidence, and the export of a chain. Each
// reads the state the last finished cluster run left (run_id <= that run, bound after the chain): rows of a
// run that is still going or that died are never shown (a dead run's rows stay until the next run deletes
// them). Tables are read with GROUP BY and argMax instead of FINAL, since FINAL would keep a newer run's row
// and the run filter would then drop the address.
const (
	// clusterOfSQL: the cluster of an address.
	clusterOfSQL = `SELECT address_id, argMax(cluster_id, run_id) FROM address_clusters
WHERE chain = ? AND run_id <= ? AND address_id IN (
    SELECT id FROM address_ids WHERE chain = ? AND run_id <= ? AND address = ?) GROUP BY address_id`
	// clusterSizeSQL: a cluster's size (0: absorbed into another).
	clusterSizeSQL = `SELECT argMax(size, run_id) FROM clusters WHERE chain = ? AND run_id <= ? AND cluster_id = ?
GROUP BY cluster_id`
	// memberIDsSQL is the subquery of a cluster's address ids (bound: chain, run, cluster id).
	memberIDsSQL = `SELECT address_id FROM (SELECT address_id, argMax(cluster_id, run_id) AS current
    FROM address_clusters WHERE chain = ? AND run_id <= ? GROUP BY address_id) WHERE current = ?`
	// membersSQL: a cluster's addresses, in id order.
	membersSQL = `SELECT id, any(address) FROM address_ids WHERE chain = ? AND run_id <= ? AND id IN (` + memberIDsSQL + `)
GROUP BY id ORDER BY id LIMIT ?`
	// clusterEvidenceSQL: the links that built a cluster.
	clusterEvidenceSQL = `SELECT heuristic, tx, argMax(confidence, run_id), a, b, min(height) AS h FROM cluster_evidence
WHERE chain = ? AND run_id <= ? AND a_id IN (` + memberIDsSQL + `)
GROUP BY heuristic, tx, a, b HAVING argMax(merged, run_id) = 1 ORDER BY h, tx, a, b LIMIT ?`
	// exportSQL: every address of a chain with its cluster.
	exportSQL = `SELECT address, cluster_id FROM (
    SELECT id, any(address) AS address FROM address_ids WHERE chain = ? AND run_id <= ? GROUP BY id
) AS l ANY LEFT JOIN (SELECT address_id AS id, argMax(cluster_id, run_id) AS cluster_id FROM address_clusters
    WHERE chain = ? AND run_id <= ? GROUP BY address_id) AS r USING id
ORDER BY id`
)

func init() {
	store.Register(
		store.Statement{Name: "cluster.show.cluster_of", SQL: clusterOfSQL, Args: []any{"btc", uint64(3), "btc", uint64(3), "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa"}},
		store.Statement{Name: "cluster.show.size", SQL: clusterSizeSQL, Args: []any{"btc", uint64(3), uint32(7)}},
		store.Statement{Name: "cluster.show.members", SQL: membersSQL, Args: []any{"btc", uint64(3), "btc", uint64(3), uint32(7), uint64(100)}},
		store.Statement{Name: "cluster.show.evidence", SQL: clusterEvidenceSQL, Args: []any{"btc", uint64(3), "btc", uint64(3), uint32(7), uint64(100)}},
		store.Statement{Name: "cluster.export", SQL: exportSQL, Args: []any{"btc", uint64(3), "btc", uint64(3)}},
	)
}

// View is one cluster as `chainsleuth cluster show` prints it.
type View struct {
	Chain     string         `json:"chain"`
	ClusterID uint32         `json:"cluster_id"`
	Size      uint64         `json:"size"`
	Addresses []string       `json:"addresses"`
	Evidence  []EvidenceView `json:"evidence"`
}

// EvidenceView is one link of a cluster.
type EvidenceView struct {
	Heuristic  string  `json:"heuristic"`
	Tx         string  `json:"tx"`
	Confidence float64 `json:"confidence"`
	A          string  `json:"a"`
	B          string  `json:"b"`
}

// ErrNotFound is returned for an address or cluster id the chain's clusters do not hold.
var ErrNotFound = errors.New("not found")

// Show reads the cluster of an address, or the cluster with a numeric id, with at most limit addresses
// and limit links.
func Show(ctx context.Context, st *store.Store, chain, addressOrID string, limit int) (*View, error) {
	v := &View{Chain: chain, Addresses: []string{}, Evidence: []EvidenceView{}}
	run, err := lastRun(ctx, st, chain)
	if err != nil {
		return nil, err
	}
	if id, err := strconv.ParseUint(addressOrID, 10, 32); err == nil {
		v.ClusterID = uint32(id)
	} else {
		found := false
		err := st.Query(ctx, "read the cluster of an address", clusterOfSQL, []any{chain, run, chain, run, addressOrID}, nil,
			func(r driver.Rows) error {
				var id uint32
				found = true
				return r.Scan(&id, &v.ClusterID)
			})
		if err != nil {
			return nil, err
		}
		if !found {
			return nil, fmt.Errorf("address %s on %s: %w (is it ingested and clustered? run `chainsleuth cluster --chain %s`)", addressOrID, chain, ErrNotFound, chain)
		}
	}
	found := false
	err = st.Query(ctx, "read a cluster's size", clusterSizeSQL, []any{chain, run, v.ClusterID}, nil, func(r driver.Rows) error {
		found = true
		return r.Scan(&v.Size)
	})
	if err != nil {
		return nil, err
	}
	if !found || v.Size == 0 {
		return nil, fmt.Errorf("cluster %d on %s: %w", v.ClusterID, chain, ErrNotFound)
	}
	err = st.Query(ctx, "read a cluster's addresses", membersSQL, []any{chain, run, chain, run, v.ClusterID, uint64(limit)}, nil,
		func(r driver.Rows) error {
			var id uint32
			var a string
			err := r.Scan(&id, &a)
			v.Addresses = append(v.Addresses, a)
			return err
		})
	if err != nil {
		return nil, err
	}
	err = st.Query(ctx, "read a cluster's evidence", clusterEvidenceSQL, []any{chain, run, chain, run, v.ClusterID, uint64(limit)}, nil,
		func(r driver.Rows) error {
			var e EvidenceView
			var height uint64
			err := r.Scan(&e.Heuristic, &e.Tx, &e.Confidence, &e.A, &e.B, &height)
			v.Evidence = append(v.Evidence, e)
			return err
		})
	return v, err
}

// Export hands every address of a chain with its cluster id to each, in id order.
func Export(ctx context.Context, st *store.Store, chain string, each func(address string, clusterID uint32) error) error {
	run, err := lastRun(ctx, st, chain)
	if err != nil {
		return err
	}
	return st.Query(ctx, "export "+chain+" clusters", exportSQL, []any{chain, run, chain, run}, nil, func(r driver.Rows) error {
		var a string
		var c uint32
		if err := r.Scan(&a, &c); err != nil {
			return err
		}
		return each(a, c)
	})
}

// LastFinishedRun is the id of the last cluster run of chain that finished, or 0 when none has: the
// clusters readers see (show, export, score).
func LastFinishedRun(ctx context.Context, st *store.Store, chain string) (uint64, error) {
	last, err := runs.NewRecorder(st).Last(ctx, JobName, chain)
	if err != nil || last == nil {
		return 0, err
	}
	return last.ID, nil
}

// lastRun is LastFinishedRun, ErrNotFound when no run has finished.
func lastRun(ctx context.Context, st *store.Store, chain string) (uint64, error) {
	run, err := LastFinishedRun(ctx, st, chain)
	if err == nil && run == 0 {
		err = fmt.Errorf("no finished cluster run on %s: %w (run `chainsleuth cluster --chain %s` after ingesting)", chain, ErrNotFound, chain)
	}
	return run, err
}
