// Package score gives every wallet cluster an explainable fundraising-flow
// score (DESIGN.md §6): how many distinct clusters paid it, how small and
// how fast-growing their payments were, whether tokens went back to the
// payers, whether earlier payers were paid back, and whether the money left
// for exchanges; with a kind (exchange, token sale, Ponzi-like, collector),
// the reasons in words, and early-warning alerts on abnormal growth of new
// payers.
//
// A run (Run, `chainsleuth score`) reads one chain's transfers of a time
// window from ClickHouse, with the clusters of the last finished cluster run:
//
//  1. the window's flows sorted once (sortFlows): FlowsQuery, which reads the
//     window in ranges of heights side by side, with the hashes of both
//     sides' addresses, written into a TinyLog table in block order;
//  2. the cluster map (buildClusterMap, clustermap.go): the hashes of the
//     addresses the run reads, collected from that table and the context
//     into a Set-engine table on the server, then their rows of
//     address_cluster_hashes read into a hash table in the scorer, where the
//     latest cluster run's row of an address wins;
//  3. Compute: pass 1 over the sorted flows, each batch's clusters looked up
//     in the map as it is read (prefetched, clusterMap.resolve), per cluster
//     and per pair of clusters, in shards of clusters, one goroutine each,
//     in hash tables whose slots are prefetched a few flows ahead (table.go);
//     then pass 2 (cash-outs to the exchanges pass 1 found, tokens back to
//     payers);
//  4. Evaluate: the features into a score, a kind, reasons and alerts, stored
//     in cluster_scores and alerts under the run.
//
// Nothing per transfer is kept in the process; memory is per address of the
// window (the map, 16 bytes a slot), per cluster and per pair of clusters.
// The weights and limits are in Config (score-v1.json, embedded).
// docs/performance.md has the measurements.
package score
