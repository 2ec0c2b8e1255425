// Package cluster links addresses into wallet clusters: sets of addresses that one entity (a person, an
// exchange, a service) most likely controls.
//
// What comes in: the ingested chain tables in ClickHouse (Bitcoin inputs and outputs; Ethereum
// transactions, token transfers and logs) up to the ingest checkpoint. What goes out: address_ids (a dense
// id per address, in order of first appearance), address_clusters (the cluster of every id; the same rows
// by address hash in address_cluster_hashes, which the score reads), clusters
// (sizes), cluster_evidence (every link: which heuristic, which transaction, what confidence), coinjoins
// (transactions kept out of co-spend linking) and held_merges (links the super-cluster guard refused).
//
// Each heuristic is a file with its rule, its source and its parameters: co-spend (cospend.go) with
// CoinJoin detection (coinjoin.go), one-time change (change.go), Ethereum deposit-address reuse
// (deposit.go), airdrop multi-participation (airdrop.go), self-authorization (selfauth.go) and the
// super-cluster guard (guard.go). Heuristics only emit evidence; the job (job.go) applies the evidence of
// the enabled heuristics, in block order, to a union-find forest (heuristics/unionfind) through the guard.
//
// Runs are incremental: a run processes the blocks between the last finished run's watermark and the
// ingest checkpoint, starting from the clusters that run left. Address ids are assigned by (first
// position, address), and evidence is applied in block order in both cases, so a chain of incremental
// runs reaches the clusters of one full run.
//
// What can go wrong: clustering is only as good as its heuristics. Co-spend fails on CoinJoins that the
// patterns miss (they merge unrelated users); change and deposit heuristics have false positives, which is
// why their evidence carries a lower confidence and why the guard holds back weak links between two large
// clusters. A reorg that the ingest rolls back below the watermark makes the clusters stale: the job
// refuses to run incrementally and asks for a full run.
package cluster
