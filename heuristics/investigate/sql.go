package investigate

import "fmt"

// The statements of this package. Values are bound by name (@chain,
// @address …) with clickhouse.Named, so a fragment used twice binds once.
// Each SELECT has at most one JOIN (ClickHouse 18.16); joined subqueries have
// aliases (current releases need them).

// latestRunsSQL is the (chain, run_id) of the latest finished run of a job
// per chain (%s: the job, a constant of this package): readers keep only its
// rows, never those of a run that died.
const latestRunsSQL = `SELECT chain, max(run_id) FROM (
    SELECT chain, run_id FROM runs WHERE job = '%s' GROUP BY chain, run_id HAVING argMax(state, state) = 1
) GROUP BY chain`

func latestRuns(job string) string { return fmt.Sprintf(latestRunsSQL, job) }

const (
	// addressIDSQL: the address id of an address (no row: the cluster job has not seen it).
	addressIDSQL = `SELECT id FROM address_ids WHERE chain = @chain AND address = @address LIMIT 1`

	// currentClustersSQL: every address id's current cluster on a chain.
	currentClustersSQL = `SELECT address_id, argMax(cluster_id, run_id) AS cluster_id FROM address_clusters
    WHERE chain = @chain GROUP BY address_id`

	// clusterOfIDSQL: the current cluster of one address id (no row: it is its own cluster).
	clusterOfIDSQL = `SELECT argMax(cluster_id, run_id) FROM address_clusters
WHERE chain = @chain AND address_id = @id GROUP BY address_id`

	// clusterSizesSQL: the current size of clusters (0: absorbed into another).
	clusterSizesSQL = `SELECT cluster_id, argMax(size, run_id) FROM clusters
WHERE chain = @chain AND cluster_id IN @clusters GROUP BY cluster_id`

	// tagsSQL: the tags of an address, by committed imports only (ingest/offchain/doc.go).
	tagsSQL = `SELECT DISTINCT label, category, abuse, actor, source, confidence_level FROM tags
WHERE chain = @chain AND address = @address
    AND (file, version) IN (SELECT file, max(version) FROM offchain_imports WHERE kind = 'tags' GROUP BY file)
ORDER BY confidence_level DESC, label, category, abuse, actor, source`

	// registrySQL: the companies a registry names for an address, with their names.
	registrySQL = `SELECT company_id, name FROM (
    SELECT DISTINCT company_id FROM company_addresses WHERE chain = @chain AND address = @address
        AND (file, version) IN (SELECT file, max(version) FROM offchain_imports WHERE kind = 'companies' GROUP BY file)
) AS r ANY LEFT JOIN (SELECT company_id, name FROM companies FINAL) AS c USING company_id
ORDER BY company_id`

	// clusterCompaniesSQL: the companies the latest attribute run attached to clusters.
	clusterCompaniesSQL = `SELECT cluster_id, company_id, name, confidence, method FROM (
    SELECT cluster_id, company_id, confidence, method FROM cluster_companies
    WHERE chain = @chain AND cluster_id IN @clusters AND (chain, run_id) IN (` + "%[1]s" + `)
) AS a ANY LEFT JOIN (SELECT company_id, name FROM companies FINAL) AS c USING company_id
ORDER BY cluster_id, confidence DESC, company_id`

	// clusterActorsSQL: the best actor (or owner label) the latest attribute run found for clusters.
	clusterActorsSQL = `SELECT cluster_id, actor, label, confidence FROM cluster_actors
WHERE chain = @chain AND cluster_id IN @clusters AND rank = 1 AND (chain, run_id) IN (%[1]s)
ORDER BY cluster_id`

	// clusterScoresSQL: the current scores of clusters.
	clusterScoresSQL = `SELECT cluster_id, score, kind, kind_confidence, payers, reasons, company FROM cluster_scores
WHERE chain = @chain AND cluster_id IN @clusters AND (chain, run_id) IN (%[1]s)
ORDER BY cluster_id`

	// tokensSQL: the symbols and names of tokens.
	tokensSQL = `SELECT address, argMax(symbol, height), argMax(name, height) FROM eth_tokens
WHERE address IN @assets GROUP BY address`

	// sampleAddressSQL: one address the store holds for a chain (its network tells Bitcoin networks apart).
	sampleAddressSQL = `SELECT address FROM transfers_by_address WHERE chain = @chain LIMIT 1`
)

// sortedSum is the sum of an array of Float64 values (an aggregate such as groupArray(value)) added
// smallest first. sum() adds in the order the server reads the rows, which differs between parts,
// threads and merges: the last bits of a float sum then differ from run to run, and an ORDER BY on the
// sum (with a LIMIT) no longer falls through to its tie-breaking columns for groups whose sums are
// equal. A sorted sum is the same number on every read, and the closer to the exact one.
func sortedSum(values string) string { return "arraySum(arraySort(" + values + "))" }

// addressClusterOf maps the addresses of the subquery in to their current clusters (bound: @chain and
// in's). clustered is 1 on every row, so a LEFT JOIN tells an address without a cluster (0) from cluster 0.
func addressClusterOf(in string) string {
	return `SELECT address, cluster_id, toUInt8(1) AS clustered FROM (
    SELECT address, id AS address_id FROM address_ids WHERE chain = @chain AND address IN (` + in + `)
) AS i ANY INNER JOIN (` + currentClustersSQL + `) AS k USING address_id`
}

// membersSQL: the addresses of the clusters @frontier.
const membersSQL = `SELECT address FROM address_ids WHERE chain = @chain AND id IN (
    SELECT address_id FROM (` + currentClustersSQL + `) WHERE cluster_id IN @frontier)`

// hopSQL is one hop of a trace: the transfers of the frontier clusters' addresses in one direction
// (@direction: -1 sent, 1 received) grouped by frontier cluster (src), other cluster (dst) and asset.
// Only counterparties the cluster job has seen are joined (INNER JOIN).
var hopSQL = `SELECT src, dst, asset, count() AS transfers, ` + sortedSum("groupArray(value)") + ` AS total,
    arraySlice(arraySort(groupUniqArray(txid)), 1, @txids) AS txids, min(time), max(time)
FROM (
    SELECT src, counterparty AS address, asset, value, txid, time FROM (
        SELECT src, counterparty, asset, value, txid, time FROM (
            SELECT address, counterparty, asset, value, txid, time FROM transfers_by_address FINAL
            WHERE chain = @chain AND direction = @direction AND counterparty != '' AND address IN (` + membersSQL + `)
        ) AS t ANY INNER JOIN (
            SELECT address, cluster_id AS src FROM (` + addressClusterOf(membersSQL) + `)
        ) AS s USING address
    )
) AS f ANY INNER JOIN (
    SELECT address, cluster_id AS dst FROM (` + addressClusterOf(counterpartiesOfSQL) + `)
) AS d USING address
WHERE src != dst
GROUP BY src, dst, asset
HAVING total >= @min_value
ORDER BY transfers DESC, total DESC, src, dst, asset
LIMIT @limit`

// counterpartiesOfSQL: the counterparties of the frontier clusters' addresses in one direction.
const counterpartiesOfSQL = `SELECT counterparty FROM transfers_by_address
WHERE chain = @chain AND direction = @direction AND address IN (` + membersSQL + `)`

var (
	// seenSQL: an address's activity per asset: transfers and whole units received and sent, first
	// and last height and time.
	seenSQL = `SELECT asset, countIf(direction = 1) AS n_in, ` + sortedSum("groupArrayIf(value, direction = 1)") + ` AS v_in,
    countIf(direction = -1) AS n_out, ` + sortedSum("groupArrayIf(value, direction = -1)") + ` AS v_out,
    min(height), max(height), min(time), max(time)
FROM transfers_by_address FINAL WHERE chain = @chain AND address = @address
GROUP BY asset ORDER BY n_in + n_out DESC, asset`

	// counterpartiesSQL: an address's counterparties with their current cluster, the most transfers first.
	counterpartiesSQL = `SELECT address, asset, n_in, v_in, n_out, v_out, cluster_id, clustered FROM (
    SELECT counterparty AS address, asset, countIf(direction = 1) AS n_in, ` + sortedSum("groupArrayIf(value, direction = 1)") + ` AS v_in,
        countIf(direction = -1) AS n_out, ` + sortedSum("groupArrayIf(value, direction = -1)") + ` AS v_out
    FROM (
        SELECT counterparty, asset, direction, value FROM transfers_by_address FINAL
        WHERE chain = @chain AND address = @address AND counterparty != ''
    )
    GROUP BY address, asset
    ORDER BY n_in + n_out DESC, v_in + v_out DESC, address, asset LIMIT @limit
) AS p ANY LEFT JOIN (` + addressClusterOf(`SELECT counterparty FROM transfers_by_address
        WHERE chain = @chain AND address = @address`) + `) AS c USING address
ORDER BY n_in + n_out DESC, v_in + v_out DESC, address, asset`

	clusterCompaniesQuery = fmt.Sprintf(clusterCompaniesSQL, latestRuns(jobAttribute))
	clusterActorsQuery    = fmt.Sprintf(clusterActorsSQL, latestRuns(jobAttribute))
	clusterScoresQuery    = fmt.Sprintf(clusterScoresSQL, latestRuns(jobScore))
)

// Jobs whose latest finished runs are read.
const (
	jobScore     = "score"
	jobAttribute = "attribute"
)
