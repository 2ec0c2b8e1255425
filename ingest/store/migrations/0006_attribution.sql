-- Attribution (heuristics/attribute; DESIGN.md §7): which real-world actors and registry companies stand
-- behind each cluster, and where the sources disagree.
--
-- Every attribute run recomputes a chain's attribution in full and writes it under its run_id (see runs,
-- job "attribute"). run_id is part of every key, so rows of different runs never replace one another:
-- readers keep the rows of the chain's latest finished attribute run (`run_id = ?`, bound to runs' last
-- finished run), never FINAL alone. A run deletes the rows of unfinished runs before it writes, and the
-- rows of older runs after it has finished, so at rest the tables hold one run per chain. The engine is
-- still ReplacingMergeTree, so a chunk the store retried never doubles a row.

-- The actors a cluster's tags name, best first (rank 1 is the cluster's actor). actor is the ActorPack id,
-- or '' for tags that name no actor (their label, folded with offchain.NormalizeName, stands for the
-- owner). confidence in [0, 1] is the best tag's GraphSense confidence level / 100 (0.5 when a tag gives
-- none). tagged_addresses: how many of the cluster's addresses carry such a tag; files: the tag files.
CREATE TABLE IF NOT EXISTS cluster_actors (
    chain {{.LowCardinalityString}},
    cluster_id UInt32,
    run_id UInt64,
    actor String,
    label String,
    categories Array(String),
    abuses Array(String),
    confidence Float64,
    tagged_addresses UInt32,
    tags UInt32,
    files Array(String),
    rank UInt16
) ENGINE = ReplacingMergeTree(run_id) ORDER BY (chain, cluster_id, run_id, actor, label);

-- Registry companies attached to clusters. method is the strongest way the company was matched, methods
-- all of them: address (the registry names an address of the cluster), actor_id (a tag's actor id is the
-- company id or one of its aliases), name (the actor's or the tag's normalised name is the company's
-- normalised name or alias) and domain (the actor's web domain is one of the company's). confidence in
-- [0, 1]: 1 for an address, else the tag's confidence times 0.9 (actor id), 0.85 (domain) or 0.8 (name);
-- the best over all evidence. evidence is a JSON array of {method, address, actor, value, confidence}.
CREATE TABLE IF NOT EXISTS cluster_companies (
    chain {{.LowCardinalityString}},
    cluster_id UInt32,
    run_id UInt64,
    company_id String,
    confidence Float64,
    method {{.LowCardinalityString}},
    methods Array(String),
    addresses UInt32,
    evidence String
) ENGINE = ReplacingMergeTree(run_id) ORDER BY (chain, cluster_id, run_id, company_id);

-- Disagreements between sources, listed rather than resolved: kind owner (the cluster's tags name more than
-- one owner), company (more than one company is attached) or company_actor (the registry attaches a
-- company by address, while a tag names an actor that matches no attached company). items are what
-- disagrees (actor ids, labels or company ids), sources where each came from (tag files, registry files
-- or match methods), detail a JSON object with the numbers behind it.
CREATE TABLE IF NOT EXISTS attribution_conflicts (
    chain {{.LowCardinalityString}},
    cluster_id UInt32,
    run_id UInt64,
    kind {{.LowCardinalityString}},
    items Array(String),
    sources Array(String),
    detail String
) ENGINE = ReplacingMergeTree(run_id) ORDER BY (chain, cluster_id, run_id, kind);
