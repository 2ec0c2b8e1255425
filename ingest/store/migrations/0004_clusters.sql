-- Batch job runs (cluster, score, attribute): one row when a run starts (state 0) and one when it ends
-- (state 1 done, 2 failed); the current row of a run is argMax(…, state). watermark is the next height the
-- job has not processed yet (incremental jobs resume there); parameters and counts are JSON objects.
CREATE TABLE IF NOT EXISTS runs (
    run_id UInt64,
    job {{.LowCardinalityString}},
    chain {{.LowCardinalityString}},
    state UInt8,
    status {{.LowCardinalityString}},
    started DateTime('UTC'),
    finished DateTime('UTC'),
    parameters String,
    code_version String,
    counts String,
    watermark UInt64,
    error String
) ENGINE = ReplacingMergeTree(state) ORDER BY (job, chain, run_id);

-- Dense address ids per chain, assigned by the cluster job in order of first appearance (height, then
-- address), so a full run and a chain of incremental runs assign the same ids.
CREATE TABLE IF NOT EXISTS address_ids (
    chain {{.LowCardinalityString}},
    address String,
    id UInt32,
    first_height UInt64,
    run_id UInt64
) ENGINE = ReplacingMergeTree(run_id) ORDER BY (chain, address);

-- The cluster of every address id seen on a chain (address_ids has the address); the row of the latest
-- run wins (FINAL or argMax by run_id). A run writes only the ids it added or moved. cluster_id is the
-- smallest address id in the cluster, so it is stable as a cluster grows.
CREATE TABLE IF NOT EXISTS address_clusters (
    chain {{.LowCardinalityString}},
    address_id UInt32,
    cluster_id UInt32,
    run_id UInt64
) ENGINE = ReplacingMergeTree(run_id) ORDER BY (chain, address_id);

-- One row per cluster and run that changed it; size 0 marks a cluster absorbed into another.
CREATE TABLE IF NOT EXISTS clusters (
    chain {{.LowCardinalityString}},
    cluster_id UInt32,
    size UInt64,
    run_id UInt64
) ENGINE = ReplacingMergeTree(run_id) ORDER BY (chain, cluster_id);

-- Why two addresses were linked: the heuristic, the transaction (or first transaction) behind it and a
-- confidence in [0, 1]. merged = 0 for evidence that was recorded but did not merge (a heuristic that is
-- not enabled, or a merge held back by the super-cluster guard). detail is a short JSON object.
CREATE TABLE IF NOT EXISTS cluster_evidence (
    chain {{.LowCardinalityString}},
    heuristic {{.LowCardinalityString}},
    tx String,
    height UInt64,
    confidence Float64,
    a String,
    b String,
    a_id UInt32,
    b_id UInt32,
    merged UInt8,
    detail String,
    run_id UInt64
) ENGINE = ReplacingMergeTree(run_id) ORDER BY (chain, heuristic, tx, a, b);

-- Transactions recognised as CoinJoins (their inputs are not co-spend linked), with the pattern matched:
-- wasabi, whirlpool, joinmarket or blocksci (the generic rule).
CREATE TABLE IF NOT EXISTS coinjoins (
    chain {{.LowCardinalityString}},
    txid String,
    height UInt64,
    pattern {{.LowCardinalityString}},
    inputs UInt32,
    outputs UInt32,
    participants UInt32,
    denomination UInt64,
    run_id UInt64
) ENGINE = ReplacingMergeTree(run_id) ORDER BY (chain, txid);

-- Merges the super-cluster guard held back: two clusters, both at least the guard's size, joined by one
-- piece of evidence weaker than the guard's confidence. They are reported, not applied.
CREATE TABLE IF NOT EXISTS held_merges (
    chain {{.LowCardinalityString}},
    heuristic {{.LowCardinalityString}},
    tx String,
    height UInt64,
    confidence Float64,
    a String,
    b String,
    a_cluster UInt32,
    b_cluster UInt32,
    a_size UInt64,
    b_size UInt64,
    run_id UInt64
) ENGINE = ReplacingMergeTree(run_id) ORDER BY (chain, tx, a, b);
