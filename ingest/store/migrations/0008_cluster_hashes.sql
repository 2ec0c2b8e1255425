-- The rows of address_clusters keyed by cityHash64 of the address instead of its id, written by the cluster
-- job in the same run: the score maps the addresses of its window to clusters by their hash, and reads the
-- ones it needs from here in one pass instead of joining address_ids with address_clusters every run
-- (docs/performance.md). The row of the latest run wins (argMax by run_id). A database clustered before
-- this table existed has none of its rows until a full cluster run; the score then builds its map the
-- old way.
CREATE TABLE IF NOT EXISTS address_cluster_hashes (
    chain {{.LowCardinalityString}},
    hash UInt64,
    cluster_id UInt32,
    run_id UInt64
) ENGINE = ReplacingMergeTree(run_id) ORDER BY (chain, hash);
