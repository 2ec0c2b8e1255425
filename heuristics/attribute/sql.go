package attribute

import "fmt"

// Statements of the attribute job. The off-chain tables are read through committedSQL (rows of a file's
// latest committed import; ingest/offchain/doc.go) and the clusters through clusterOfSQL (the cluster of
// each address id as the given cluster run left it; an id without a row is its own cluster).
const (
	// committedSQL: the (file, version) pairs of an import kind's committed files (bound: kind).
	committedSQL = "SELECT file, max(version) FROM offchain_imports WHERE kind = ? GROUP BY file"

	// clusterOfSQL: the cluster of the ids of the addresses of %[1]s (bound: chain, cluster run, chain,
	// cluster run, then what %[1]s binds).
	clusterOfSQL = `SELECT address_id AS id, argMax(cluster_id, run_id) AS cluster_id, toUInt8(1) AS clustered
    FROM address_clusters WHERE chain = ? AND run_id <= ? AND address_id IN (
        SELECT id FROM address_ids WHERE chain = ? AND run_id <= ? AND address IN (%[1]s))
    GROUP BY address_id`

	// labelledSQL joins the committed rows of an off-chain table (%[1]s: its columns, %[2]s: the table,
	// %[3]s: clusterOfSQL of its addresses) with the ids and clusters of their addresses (bound: chain,
	// cluster run, chain, chain, import kind, then clusterOfSQL's).
	labelledSQL = `SELECT address, id, cluster_id, clustered, %[1]s FROM (
    SELECT address, id, %[1]s FROM (
        SELECT DISTINCT address, id FROM address_ids WHERE chain = ? AND run_id <= ?
            AND address IN (SELECT address FROM %[2]s WHERE chain = ?)
    ) AS a ALL INNER JOIN (
        SELECT DISTINCT address, %[1]s FROM %[2]s
        WHERE chain = ? AND (file, version) IN (` + committedSQL + `)
    ) AS t USING address
) AS l ANY LEFT JOIN (%[3]s) AS c USING id
ORDER BY cluster_id, address`

	tagColumns     = "label, category, abuse, actor, confidence_level, file"
	registryColumn = "company_id, file"

	// actorsSQL: every committed actor.
	actorsSQL = `SELECT DISTINCT id, label, label_normalized, domains, aliases FROM actors
WHERE (file, version) IN (` + committedSQL + `) ORDER BY id`
	// companiesSQL: every committed company.
	companiesSQL = `SELECT DISTINCT company_id, name, name_normalized, domains, aliases FROM companies
WHERE (file, version) IN (` + committedSQL + `) ORDER BY company_id`

	// cleanupWhere: a chain's rows of runs other than the one kept (dead runs before a run, older runs
	// after it): bound chain, the run below which rows go, the run above which rows go.
	cleanupWhere = "chain = ? AND (run_id < ? OR run_id > ?)"
	// runWhere: a chain's rows of one run.
	runWhere = "chain = ? AND run_id = ?"
)

// labelled is labelledSQL for one table.
func labelled(columns, table string) string {
	sub := fmt.Sprintf("SELECT address FROM %s WHERE chain = ?", table)
	return fmt.Sprintf(labelledSQL, columns, table, fmt.Sprintf(clusterOfSQL, sub))
}

var (
	tagsSQL     = labelled(tagColumns, "tags")
	registrySQL = labelled(registryColumn, "company_addresses")
)

// labelledArgs are the bound values of labelled statements.
func labelledArgs(chain string, clusterRun uint64, kind string) []any {
	return []any{chain, clusterRun, chain, chain, kind, chain, clusterRun, chain, clusterRun, chain}
}

// writtenTables are the tables a run writes, in order.
var writtenTables = []string{"cluster_actors", "cluster_companies", "attribution_conflicts"}
