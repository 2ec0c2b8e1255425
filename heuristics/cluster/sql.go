package cluster

// The SQL the cluster job sends. Heights are bound as uint64, the chain as a string.
const (
	// heightsSQL lists the stored block heights of a range (%s: the chain's blocks table).
	heightsSQL = "SELECT DISTINCT height FROM %s WHERE height >= ? AND height < ? ORDER BY height"

	// btcAddressesSQL: every address of a range of Bitcoin blocks with its first position.
	btcAddressesSQL = `SELECT address, min(pos) AS first FROM (
    SELECT address, height * 1000000 + tx_index AS pos FROM btc_inputs WHERE height >= ? AND height <= ? AND address != ''
    UNION ALL
    SELECT address, height * 1000000 + tx_index AS pos FROM btc_outputs WHERE height >= ? AND height <= ? AND address != ''
) GROUP BY address`

	// btcKnownIDsSQL: the ids already assigned to the addresses of a range.
	btcKnownIDsSQL = `SELECT address, id FROM address_ids WHERE chain = 'btc' AND (
    address IN (SELECT address FROM btc_inputs WHERE height >= ? AND height <= ?)
    OR address IN (SELECT address FROM btc_outputs WHERE height >= ? AND height <= ?))`

	// btcTxsSQL: the non-coinbase transactions of a range, inputs and outputs as arrays, in block order.
	btcTxsSQL = `SELECT txid, tx_height, tx_pos, vins, in_addresses, in_types, in_values, in_known,
    vouts, out_addresses, out_types, out_values
FROM (
    SELECT txid, any(height) AS tx_height, any(tx_index) AS tx_pos, groupArray(vin) AS vins,
        groupArray(address) AS in_addresses, groupArray(script_type) AS in_types, groupArray(value) AS in_values,
        groupArray(value_known) AS in_known
    FROM btc_inputs FINAL WHERE height >= ? AND height <= ? GROUP BY txid
) AS l ANY LEFT JOIN (
    SELECT txid, groupArray(vout) AS vouts, groupArray(address) AS out_addresses,
        groupArray(script_type) AS out_types, groupArray(value) AS out_values
    FROM btc_outputs FINAL WHERE height >= ? AND height <= ? GROUP BY txid
) AS r USING txid
ORDER BY tx_height, tx_pos, txid`

	// ethAddressesSQL: every address of a range of Ethereum blocks (transactions, token transfers and
	// call traces) with its first position.
	ethAddressesSQL = `SELECT address, min(pos) AS first FROM (
    SELECT arrayJoin([from_address, to_address, contract_address]) AS address, height * 1000000 + tx_index AS pos
    FROM eth_txs WHERE height >= ? AND height <= ?
    UNION ALL
    SELECT arrayJoin([from_address, to_address]) AS address, height * 1000000 + tx_index AS pos
    FROM eth_token_transfers WHERE height >= ? AND height <= ?
    UNION ALL
    SELECT arrayJoin([from_address, to_address]) AS address, height * 1000000 + tx_index AS pos
    FROM eth_traces WHERE height >= ? AND height <= ?
) WHERE address != '' GROUP BY address`

	// ethKnownIDsSQL: the ids already assigned to the addresses of a range.
	ethKnownIDsSQL = `SELECT address, id FROM address_ids WHERE chain = 'eth' AND (
    address IN (SELECT arrayJoin([from_address, to_address, contract_address]) FROM eth_txs WHERE height >= ? AND height <= ?)
    OR address IN (SELECT arrayJoin([from_address, to_address]) FROM eth_token_transfers WHERE height >= ? AND height <= ?)
    OR address IN (SELECT arrayJoin([from_address, to_address]) FROM eth_traces WHERE height >= ? AND height <= ?))`

	// idsOfSQL: the ids of given addresses.
	idsOfSQL = "SELECT address, id FROM address_ids WHERE chain = ? AND address IN ?"

	// nextIDSQL: how many ids a chain has (ids are dense from 0).
	nextIDSQL = "SELECT count(), max(id) FROM address_ids WHERE chain = ?"

	// stateSQL: the cluster of every id, as the last run left it.
	stateSQL = "SELECT address_id, cluster_id FROM address_clusters FINAL WHERE chain = ?"

	// cleanupWhere selects what runs after a given one wrote (full runs pass 0: everything).
	cleanupWhere = "chain = ? AND run_id > ?"
)

// Tables the cluster job writes, each with chain and run_id columns.
var writtenTables = []string{"address_ids", "address_clusters", "address_cluster_hashes", "clusters", "cluster_evidence", "coinjoins", "held_merges"}

// clusterHashesSQL copies a run's address_clusters rows of ids in [lo, hi) into address_cluster_hashes,
// keyed by the hash of each id's address (bound: chain, lo, hi, chain, run, lo, hi). address_ids is
// ordered by address, so every chunk reads all of it; the chunks bound the join's memory.
const clusterHashesSQL = `INSERT INTO address_cluster_hashes (chain, hash, cluster_id, run_id)
SELECT chain, cityHash64(address), cluster_id, run_id FROM (
    SELECT chain, id AS address_id, address FROM address_ids WHERE chain = ? AND id >= ? AND id < ?
) AS i ANY INNER JOIN (
    SELECT chain, address_id, cluster_id, run_id FROM address_clusters
    WHERE chain = ? AND run_id = ? AND address_id >= ? AND address_id < ?
) AS c USING (chain, address_id)`

// clusterHashesChunk is about how many of a run's rows one clusterHashesSQL joins (the join's memory
// on the server; 20M stay under 18.16's default limit of about 8 GB).
const clusterHashesChunk = 20_000_000
