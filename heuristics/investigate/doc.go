// Package investigate answers an investigator's questions about one address
// or cluster from what the other jobs stored: the address's profile (its
// cluster, tags, companies, current score, first and last activity, totals
// in and out per asset, top counterparties), the flow of funds from or to its
// cluster hop by hop at cluster level, and that flow as a graph for Graphviz
// (DOT), Gephi (GEXF) or any JSON reader.
//
// What comes in: transfers_by_address (one row per side of every transfer),
// address_ids and address_clusters of the cluster job (the row of the latest
// run wins; cluster ids are the smallest address id, so 0 is a cluster id),
// tags and company_addresses of the off-chain imports, and the rows of the
// latest finished score and attribute runs of each chain (rows of a run that
// died are never read). Nothing is written.
//
// Addresses are checked before any query: an address that is malformed, or
// that belongs to another Bitcoin network than the one the store holds, is a
// usage error (ErrMalformed, ErrWrongNetwork); one that the store has never
// seen is ErrNotFound. Every value reaches ClickHouse as a bound parameter.
//
// Amounts are read as whole units (the transfers' Float64 value: BTC, ETH,
// or tokens divided by their decimals); a token whose decimals are unknown
// has value 0 until the Ethereum ingest resolves it. They are for ranking
// and reading, not for accounting: exact amounts stay in transfers.amount.
//
// The trace is bounded: at most Limit edges per hop (the ones with the most
// transfers, then the largest value), each with at most TxIDs transaction
// ids. Addresses the cluster job has not seen yet (ingested after its last
// run) are left out of traces; run `chainsleuth cluster` first.
package investigate
