package score

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"github.com/chainsleuth/chainsleuth/ingest/offchain"
	"github.com/chainsleuth/chainsleuth/ingest/store"
	"github.com/chainsleuth/chainsleuth/internal/prefetch"
)

// clusterMap is a score run's map from the hash of an address
// (cityHash64(address), as the flows table and address_cluster_hashes hold
// it) to the address's cluster, for the addresses the run reads: the sides
// of the window's flows and the context's addresses (buildClusterMap). The
// scorer holds it, built once per run and chain, and both passes' readers
// look the flows' sides up in it (readFlows), as do the context's reads.
//
// It was a Join-engine table on the server, read with joinGet while the
// flows were sorted. Filling that table took two copies of the addresses'
// rows on the server (a Memory table, then the map's single-threaded
// insert: 7.2 s at 20.2M addresses), it took 1.6 GB of the server's memory,
// and which row of an address it kept hung on the order the server inserted
// rows in. Here the rows are read once, as they are, and the latest cluster
// run's row of an address wins by its rank, whatever the order
// (docs/performance.md).
//
// Keys are 64-bit hashes, not addresses: two addresses sharing one share a
// cluster in the score (a 6% chance of one such pair among 1.5B addresses).
// Memory: one 16-byte slot per address, at most 3/4 full.
type clusterMap struct {
	t table[clusterEntry]
}

// clusterEntry is an address's cluster, and the rank of the cluster run its
// row came from: a row of a later run replaces it, a row of the same run
// does not.
type clusterEntry struct {
	cluster uint32
	rank    uint32
}

// zeroHashKey is the table's key for hash 0, which the table cannot hold
// (its empty slot's key). An address whose hash were this constant would
// share the key: a chance of 2^-64 per address, as for any two addresses.
const zeroHashKey = 0x9E3779B97F4A7C15

func hashKey(h uint64) uint64 {
	if h == 0 {
		return zeroHashKey
	}
	return h
}

// add records that the address with this hash is in cluster, as a cluster
// run of this rank says: the row of the higher rank wins; of equal ranks,
// the first.
func (m *clusterMap) add(hash uint64, cluster, rank uint32) {
	v, added := m.t.insert(hashKey(hash), clusterEntry{cluster: cluster, rank: rank})
	if !added && rank > v.rank {
		*v = clusterEntry{cluster: cluster, rank: rank}
	}
}

// clusterOf is the cluster of the address with this hash, and whether the
// map holds it (false: the cluster job has not seen the address).
func (m *clusterMap) clusterOf(hash uint64) (uint32, bool) {
	if v := m.t.find(hashKey(hash)); v != nil {
		return v.cluster, true
	}
	return 0, false
}

// slotAddr is where clusterOf's lookup of a hash starts, for a prefetch.
func (m *clusterMap) slotAddr(hash uint64) uintptr { return m.t.slotAddr(hashKey(hash)) }

// len is how many addresses the map holds.
func (m *clusterMap) len() int { return m.t.n }

// mapLoadGroup is how many rows clusterMapLoader prefetches together.
const mapLoadGroup = 32

// clusterMapLoader adds rows to a map in groups whose slots are prefetched
// together, so that their cache misses overlap: the rows come in the
// order of hashes or of parts, and nearly every one lands in a slot out of
// cache. Call flush after the last row.
type clusterMapLoader struct {
	m    *clusterMap
	n    int
	rows [mapLoadGroup]struct {
		hash          uint64
		cluster, rank uint32
	}
	addrs [mapLoadGroup]uintptr
}

func (l *clusterMapLoader) add(hash uint64, cluster, rank uint32) {
	l.rows[l.n].hash, l.rows[l.n].cluster, l.rows[l.n].rank = hash, cluster, rank
	l.addrs[l.n] = l.m.slotAddr(hash)
	if l.n++; l.n == mapLoadGroup {
		l.flush()
	}
}

func (l *clusterMapLoader) flush() {
	prefetch.ForWrite(l.addrs[:l.n])
	for i := range l.n {
		r := &l.rows[i]
		l.m.add(r.hash, r.cluster, r.rank)
	}
	l.n = 0
}

// Clusters are those the last finished cluster run left (run_id <= it):
// rows of a cluster run that is going or died are never read. address_ids
// holds one id per address up to that run (a run's ids are never rewritten
// by a later one; a full run deletes them first); address_clusters holds a
// row per run that moved an address, so the latest up to the run wins.
// Tables are not read with FINAL: FINAL would keep a newer run's row and the
// run filter would then drop the address.

// The tables a score run keeps on the server: the window's flows sorted
// (runFlowsDDL), the set of the hashes of the addresses it reads, and, on a
// database clustered before address_cluster_hashes existed, their ids.
// Their names start with runTablesPrefix and the run's id, so that a run
// drops the tables earlier runs left (dropLeftTables). The prefix is the one
// the server-side cluster maps of earlier versions had: a map one of them
// left is dropped too. One score run at a time.
const (
	runTablesPrefix = "score_clusters_"
	// runAddressesDDL creates the set of the run's address hashes (%s: its name).
	runAddressesDDL = "CREATE TABLE IF NOT EXISTS %s (hash UInt64) ENGINE = Set"
	// runIDsDDL creates the table of the run's address ids (%s: its name).
	runIDsDDL = "CREATE TABLE IF NOT EXISTS %s (id UInt32, hash UInt64) ENGINE = Memory"
	// runTableCount counts the rows of a table of the run (%s: its name).
	runTableCount = "SELECT count() FROM %s"
	// runTableDrop drops a table of the run (%s: its name).
	runTableDrop = "DROP TABLE IF EXISTS %s"
	// runTablesLeft lists the runs' tables in the database (bound: the prefix as a LIKE pattern).
	runTablesLeft = "SELECT name FROM system.tables WHERE database = currentDatabase() AND name LIKE ?"
)

// runTablesStem is the start of the names of a score run's tables.
func runTablesStem(runID uint64) string { return fmt.Sprintf("%s%d", runTablesPrefix, runID) }

// runAddressesName is the set of a score run's address hashes, runIDsName
// the table of their ids, runFlowsName the table of its sorted flows.
func runAddressesName(stem string) string { return stem + "_addresses" }
func runIDsName(stem string) string       { return stem + "_ids" }
func runFlowsName(stem string) string     { return stem + "_flows" }

// runAddressesFill collects into the set %[1]s the hashes of every address
// a run reads: both sides of the window's sorted flows (the table %[2]s),
// then the addresses of the context queries (bound: chain, tags kind, chain,
// sanctions kind, chain, companies kind, chain, cluster run, role pattern).
// The flows' hashes are read from the sorted table, not from transfers: 3.3
// s against 4.9 s for reading and hashing the window's addresses again.
const runAddressesFill = `INSERT INTO %[1]s SELECT hash FROM (
    SELECT arrayJoin([from_hash, to_hash]) AS hash FROM %[2]s
    UNION ALL SELECT cityHash64(address) AS hash FROM (
        ` + exchangeTagAddresses + `
        UNION ALL ` + sanctionedAddresses + `
        UNION ALL ` + companyAddresses + `
        UNION ALL ` + depositHotWallets + `))`

// The clusters of the run's addresses from address_cluster_hashes, which
// the cluster job writes beside address_clusters: read by their hash, with
// no read of address_ids and no join. A full cluster run deletes every
// earlier run's rows, so the table's first run up to the scored one (the
// base) holds each address once, and the runs after it only the addresses
// they moved or added; the latest run's row of an address wins
// (clusterMap.add, by the run's rank among clusterHashRuns).
const (
	// clusterRunsByID is the first run of address_clusters up to the
	// cluster run (bound: chain, cluster run).
	clusterRunsByID = "SELECT min(run_id) FROM address_clusters WHERE chain = ? AND run_id <= ?"
	// clusterHashRuns lists the runs of address_cluster_hashes, in order
	// (bound: chain): 0.5 s at 49M rows, as long as their minimum alone.
	clusterHashRuns = "SELECT DISTINCT run_id FROM address_cluster_hashes WHERE chain = ? ORDER BY run_id"
	// runClustersByHash reads the rows of every address of the set %s up to
	// the cluster run (bound: chain, cluster run). The set is applied
	// outside the read, so that with --cluster (address_cluster_hashes a
	// Distributed table) it is applied where the set is.
	runClustersByHash = `SELECT hash, cluster_id, run_id FROM (
    SELECT hash, cluster_id, run_id FROM address_cluster_hashes WHERE chain = ? AND run_id <= ?
) WHERE hash IN %s`
)

// The clusters of the run's addresses from address_ids and address_clusters,
// on a database clustered before address_cluster_hashes existed.
const (
	// runIDsFill collects into the table %[2]s the id and hash of every
	// address of the set %[1]s that the cluster job has seen: one read of
	// address_ids, so that the chunks of runClustersByID read this table by
	// id instead of address_ids again (bound: chain, cluster run). The set is
	// applied outside the read of address_ids, as in runClustersByHash.
	runIDsFill = `INSERT INTO %[2]s SELECT id, hash FROM (
    SELECT id, cityHash64(address) AS hash FROM address_ids WHERE chain = ? AND run_id <= ?
) WHERE hash IN %[1]s`
	// runIDsRange is the largest id of the run's ids table (%s), which bounds
	// the chunks of runClustersByID, and its count of rows.
	runIDsRange = "SELECT max(id), count() FROM %s"
	// runClustersByID is every address of the run's ids table %[1]s with an
	// id in [lo, hi), by its hash, with its cluster, or the address's own id
	// when it was never merged (bound: lo, hi, chain, cluster run, lo, hi, lo,
	// hi). The ids of address_clusters are its key, so a chunk reads its
	// range only; the ids table is sent along to the shards with --cluster
	// (GLOBAL IN).
	runClustersByID = `SELECT hash, if(merged = 1, cluster_id, id) AS cluster FROM (
    SELECT id, hash FROM %[1]s WHERE id >= ? AND id < ?
) AS i ANY LEFT JOIN (
    SELECT address_id AS id, argMax(cluster_id, run_id) AS cluster_id, toUInt8(1) AS merged FROM address_clusters
    WHERE chain = ? AND run_id <= ? AND address_id >= ? AND address_id < ?
        AND address_id GLOBAL IN (SELECT id FROM %[1]s WHERE id >= ? AND id < ?)
    GROUP BY address_id
) AS c USING id`
)

// clusterMapChunk is how many address ids one read of runClustersByID
// covers: in one query, the join's right side hit the server's per-query
// memory limit (7.45 GiB here) at 39M addresses. A variable so that tests
// can make chunks small.
var clusterMapChunk uint64 = 10_000_000

// buildClusterMap collects the hashes of the addresses the run reads (the
// sides of its sorted flows, in the table flows, and the context's) into a
// Set-engine table on the server, so that only their rows come to the
// scorer and the map grows with the window, not with the chain; then reads
// their clusters in the cluster run into the map, sized for expect
// addresses (two per flow bounds the flows' own: the map is not doubled
// part by part as it fills, which took 0.8 s of CPU at 20M addresses).
//
// It also returns the runs after the cluster run that address_cluster_hashes
// holds rows of: a cluster run writing now, or one that failed and left
// them. A merge of the table can keep such a run's row of an address in
// place of the cluster run's, and the map then lacks the address: the run
// says so (scoreChain), since the score cannot tell which addresses.
func buildClusterMap(ctx context.Context, st *store.Store, log *slog.Logger, chainName string, clusterRun uint64, stem, flows string, expect int) (m *clusterMap, newer []uint64, err error) {
	set := runAddressesName(stem)
	if err := st.Exec(ctx, "create the set of the run's addresses", fmt.Sprintf(runAddressesDDL, set)); err != nil {
		return nil, nil, err
	}
	if err := st.Exec(ctx, "collect the run's addresses", fmt.Sprintf(runAddressesFill, set, flows),
		chainName, offchain.KindTags, chainName, offchain.KindSanctions,
		chainName, offchain.KindCompanies, chainName, clusterRun, depositRole); err != nil {
		return nil, nil, err
	}
	m = &clusterMap{}
	m.t.reserve(expect)
	hashRuns, newer, byHash, err := clusterHashesComplete(ctx, st, chainName, clusterRun)
	if err != nil {
		return nil, nil, err
	}
	if byHash {
		return m, newer, fillClusterMapByHash(ctx, st, m, chainName, clusterRun, set, hashRuns)
	}
	log.Warn("the clusters by address hash do not cover the cluster run (the database was clustered before they existed): "+
		"the map is built from address ids, which takes longer; a full cluster run (`chainsleuth cluster --full`) fills them",
		"chain", chainName, "cluster_run", clusterRun)
	return m, newer, fillClusterMapByID(ctx, st, m, chainName, clusterRun, set, runIDsName(stem))
}

// clusterHashesComplete returns the runs of address_cluster_hashes up to the
// cluster run and after it, in order, and whether the table holds every
// address of the first: its first run is address_clusters' first. A
// database clustered before the table existed has no rows of its first
// runs there (until a full run rewrites them all).
func clusterHashesComplete(ctx context.Context, st *store.Store, chainName string, clusterRun uint64) (hashRuns, newer []uint64, complete bool, err error) {
	var byID uint64
	if err := st.QueryRow(ctx, "first run of the clusters by id", clusterRunsByID, []any{chainName, clusterRun}, &byID); err != nil {
		return nil, nil, false, err
	}
	hashRuns, newer, err = clusterHashRunsUpTo(ctx, st, chainName, clusterRun)
	return hashRuns, newer, err == nil && len(hashRuns) > 0 && hashRuns[0] == byID, err
}

// clusterHashRunsUpTo lists the runs of address_cluster_hashes up to the
// cluster run, and those after it, in order.
func clusterHashRunsUpTo(ctx context.Context, st *store.Store, chainName string, clusterRun uint64) (upTo, newer []uint64, err error) {
	err = st.Query(ctx, "runs of the clusters by hash", clusterHashRuns, []any{chainName}, func() { upTo, newer = nil, nil },
		func(r driver.Rows) error {
			var run uint64
			if err := r.Scan(&run); err != nil {
				return err
			}
			if run <= clusterRun {
				upTo = append(upTo, run)
			} else {
				newer = append(newer, run)
			}
			return nil
		})
	return upTo, newer, err
}

// fillClusterMapByHash adds to m the clusters of the addresses of the set
// from address_cluster_hashes, whose runs up to the cluster run are
// hashRuns (in order): each row with its run's rank among them, so that the
// latest run's row of an address wins in whatever order the rows come. A
// retried read adds the same rows again, which changes nothing.
func fillClusterMapByHash(ctx context.Context, st *store.Store, m *clusterMap, chainName string, clusterRun uint64, set string, hashRuns []uint64) error {
	rank := make(map[uint64]uint32, len(hashRuns))
	for i, r := range hashRuns {
		rank[r] = uint32(i)
	}
	l := clusterMapLoader{m: m}
	var hash, run, lastRun uint64
	var cluster, lastRank uint32
	dest := []any{&hash, &cluster, &run}
	err := st.Query(ctx, "read the clusters of the run's addresses", fmt.Sprintf(runClustersByHash, set),
		[]any{chainName, clusterRun}, nil, func(r driver.Rows) error {
			if err := r.Scan(dest...); err != nil {
				return err
			}
			if run != lastRun || lastRun == 0 {
				rk, ok := rank[run]
				if !ok {
					return fmt.Errorf("address_cluster_hashes has a row of cluster run %d, not among its runs up to %d when the score began (%v); run the score again",
						run, clusterRun, hashRuns)
				}
				lastRun, lastRank = run, rk
			}
			l.add(hash, cluster, lastRank)
			return nil
		})
	l.flush()
	return err
}

// fillClusterMapByID adds to m the clusters of the addresses of the set from
// address_ids and address_clusters: their ids and hashes into the table ids
// (runIDsFill), then chunks of ids joined with address_clusters. An address
// address_ids still held twice (rows a merge had not yet replaced) keeps the
// first row read.
func fillClusterMapByID(ctx context.Context, st *store.Store, m *clusterMap, chainName string, clusterRun uint64, set, ids string) error {
	if err := st.Exec(ctx, "create the table of the run's address ids", fmt.Sprintf(runIDsDDL, ids)); err != nil {
		return err
	}
	if err := st.Exec(ctx, "collect the run's address ids", fmt.Sprintf(runIDsFill, set, ids), chainName, clusterRun); err != nil {
		return err
	}
	var maxID uint32
	var rows uint64
	if err := st.QueryRow(ctx, "count the clustered addresses", fmt.Sprintf(runIDsRange, ids), nil, &maxID, &rows); err != nil {
		return err
	}
	l := clusterMapLoader{m: m}
	var hash uint64
	var cluster uint32
	var read uint64 // rows of the finished chunks
	for lo := uint64(0); rows > 0 && lo <= uint64(maxID); lo += clusterMapChunk {
		hi := lo + clusterMapChunk
		var chunk uint64
		err := st.Query(ctx, "read the clusters of the run's address ids", fmt.Sprintf(runClustersByID, ids),
			[]any{lo, hi, chainName, clusterRun, lo, hi, lo, hi}, func() { chunk = 0 }, func(r driver.Rows) error {
				if err := r.Scan(&hash, &cluster); err != nil {
					return err
				}
				l.add(hash, cluster, 0)
				chunk++
				return nil
			})
		if err != nil {
			return err
		}
		read += chunk
	}
	l.flush()
	// Each row of the ids table gives one row (a left join with one row per
	// id): fewer would leave addresses unclustered without a word.
	if read != rows {
		return fmt.Errorf("the clusters of the run's address ids: %d rows read for %d ids: %w; run the score again", read, rows, store.ErrShortWrite)
	}
	return nil
}

// dropLeftTables drops the tables earlier score runs left (runTablesPrefix).
func dropLeftTables(ctx context.Context, st *store.Store, log *slog.Logger) error {
	var left []string
	err := st.Query(ctx, "list the tables of earlier score runs", runTablesLeft, []any{runTablesPrefix + "%"}, func() { left = nil },
		func(r driver.Rows) error {
			var name string
			err := r.Scan(&name)
			left = append(left, name)
			return err
		})
	if err != nil {
		return err
	}
	for _, name := range left {
		log.Info("dropping a table an earlier score run left", "table", name)
		if err := st.Exec(ctx, "drop a table of an earlier score run", fmt.Sprintf(runTableDrop, name)); err != nil {
			return err
		}
	}
	return nil
}

// dropRunTables drops a run's tables, even when the run's context has ended.
func dropRunTables(st *store.Store, log *slog.Logger, stem string) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	for _, table := range []string{runAddressesName(stem), runIDsName(stem), runFlowsName(stem)} {
		if err := st.Exec(ctx, "drop a table of the score run", fmt.Sprintf(runTableDrop, table)); err != nil {
			log.Warn("could not drop a table of the score run; the next score run will", "table", table, "err", err)
		}
	}
}

// flowSides are the hashes of a flow's addresses as the flows table holds
// them, and whether its sender pays (a flow with no sender, a coinbase, or
// minted tokens has no paying cluster).
type flowSides struct {
	from, to uint64
	fromPays bool
}

// resolveGroup is how many flows resolve prefetches ahead: the lookups of
// one group run while the next group's slots are on their way.
const resolveGroup = 16

// resolve sets the clusters of the flows from the hashes of their sides
// (sides[i] for flows[i]): NoCluster for an address the cluster job has not
// seen, and for the sender of a flow whose sender does not pay. It returns
// how many flows have a side that should have a cluster and has none.
func (m *clusterMap) resolve(flows []Flow, sides []flowSides) (unclustered int) {
	var addrs [2 * resolveGroup]uintptr
	prefetchGroup := func(lo int) {
		hi := min(lo+resolveGroup, len(sides))
		n := 0
		for i := lo; i < hi; i++ {
			addrs[n], addrs[n+1] = m.slotAddr(sides[i].from), m.slotAddr(sides[i].to)
			n += 2
		}
		prefetch.ForRead(addrs[:n])
	}
	prefetchGroup(0)
	for lo := 0; lo < len(flows); lo += resolveGroup {
		prefetchGroup(lo + resolveGroup)
		for i := lo; i < min(lo+resolveGroup, len(flows)); i++ {
			f, s := &flows[i], &sides[i]
			f.FromCluster, f.ToCluster = NoCluster, NoCluster
			if c, ok := m.clusterOf(s.to); ok {
				f.ToCluster = int64(c)
			}
			if s.fromPays {
				if c, ok := m.clusterOf(s.from); ok {
					f.FromCluster = int64(c)
				}
			}
			if (s.fromPays && f.FromCluster == NoCluster) || f.ToCluster == NoCluster {
				unclustered++
			}
		}
	}
	return unclustered
}
