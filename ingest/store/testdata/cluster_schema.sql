CREATE TABLE IF NOT EXISTS ingest_checkpoints_local ON CLUSTER chainsleuth_cluster (
    chain LowCardinality(String),
    next_height UInt64,
    last_hash String,
    version UInt64,
    updated_at DateTime('UTC')
) ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/chainsleuth/ingest_checkpoints_local', '{replica}', version) ORDER BY (chain, version);

CREATE TABLE IF NOT EXISTS ingest_checkpoints ON CLUSTER chainsleuth_cluster AS ingest_checkpoints_local ENGINE = Distributed(chainsleuth_cluster, chainsleuth, ingest_checkpoints_local, cityHash64(version));

CREATE TABLE IF NOT EXISTS btc_blocks_local ON CLUSTER chainsleuth_cluster (
    height UInt64,
    hash String,
    prev_hash String,
    time DateTime('UTC'),
    version Int32,
    bits UInt32,
    nonce UInt32,
    merkle_root String,
    size UInt32,
    stripped_size UInt32,
    weight UInt32,
    tx_count UInt32,
    input_count UInt32,
    output_count UInt32,
    output_value UInt64,
    fees UInt64,
    fees_known UInt8
) ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/chainsleuth/btc_blocks_local', '{replica}') PARTITION BY intDiv(height, 100000) ORDER BY height;

CREATE TABLE IF NOT EXISTS btc_blocks ON CLUSTER chainsleuth_cluster AS btc_blocks_local ENGINE = Distributed(chainsleuth_cluster, chainsleuth, btc_blocks_local, cityHash64(height));

CREATE TABLE IF NOT EXISTS btc_txs_local ON CLUSTER chainsleuth_cluster (
    txid String,
    height UInt64,
    block_hash String,
    time DateTime('UTC'),
    tx_index UInt32,
    wtxid String,
    version Int32,
    lock_time UInt32,
    size UInt32,
    vsize UInt32,
    weight UInt32,
    coinbase UInt8,
    segwit UInt8,
    input_count UInt32,
    output_count UInt32,
    input_value UInt64,
    output_value UInt64,
    fee UInt64,
    fee_known UInt8
) ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/chainsleuth/btc_txs_local', '{replica}') PARTITION BY intDiv(height, 10000) ORDER BY (txid, height);

CREATE TABLE IF NOT EXISTS btc_txs ON CLUSTER chainsleuth_cluster AS btc_txs_local ENGINE = Distributed(chainsleuth_cluster, chainsleuth, btc_txs_local, cityHash64(txid));

CREATE TABLE IF NOT EXISTS btc_inputs_local ON CLUSTER chainsleuth_cluster (
    txid String,
    vin UInt32,
    height UInt64,
    time DateTime('UTC'),
    tx_index UInt32,
    prev_txid String,
    prev_vout UInt32,
    sequence UInt32,
    address String,
    script_type LowCardinality(String),
    value UInt64,
    value_known UInt8,
    address_source LowCardinality(String)
) ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/chainsleuth/btc_inputs_local', '{replica}') PARTITION BY intDiv(height, 10000) ORDER BY (txid, vin, height);

CREATE TABLE IF NOT EXISTS btc_inputs ON CLUSTER chainsleuth_cluster AS btc_inputs_local ENGINE = Distributed(chainsleuth_cluster, chainsleuth, btc_inputs_local, cityHash64(txid));

CREATE TABLE IF NOT EXISTS btc_outputs_local ON CLUSTER chainsleuth_cluster (
    txid String,
    vout UInt32,
    height UInt64,
    time DateTime('UTC'),
    tx_index UInt32,
    value UInt64,
    script_type LowCardinality(String),
    address String,
    script_hex String
) ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/chainsleuth/btc_outputs_local', '{replica}') PARTITION BY intDiv(height, 10000) ORDER BY (txid, vout, height);

CREATE TABLE IF NOT EXISTS btc_outputs ON CLUSTER chainsleuth_cluster AS btc_outputs_local ENGINE = Distributed(chainsleuth_cluster, chainsleuth, btc_outputs_local, cityHash64(txid));

CREATE TABLE IF NOT EXISTS transfers_local ON CLUSTER chainsleuth_cluster (
    chain LowCardinality(String),
    height UInt64,
    time DateTime('UTC'),
    txid String,
    idx UInt32,
    from_address String,
    to_address String,
    asset String,
    amount String,
    value Float64,
    kind LowCardinality(String)
) ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/chainsleuth/transfers_local', '{replica}') PARTITION BY (chain, intDiv(height, 100000)) ORDER BY (chain, height, txid, idx);

CREATE TABLE IF NOT EXISTS transfers ON CLUSTER chainsleuth_cluster AS transfers_local ENGINE = Distributed(chainsleuth_cluster, chainsleuth, transfers_local, cityHash64(height));

CREATE TABLE IF NOT EXISTS transfers_by_address_local ON CLUSTER chainsleuth_cluster (
    chain LowCardinality(String),
    address String,
    height UInt64,
    time DateTime('UTC'),
    txid String,
    idx UInt32,
    direction Int8,
    counterparty String,
    asset String,
    amount String,
    value Float64,
    kind LowCardinality(String)
) ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/chainsleuth/transfers_by_address_local', '{replica}') PARTITION BY (chain, intDiv(height, 100000)) ORDER BY (chain, address, height, txid, idx, direction);

CREATE TABLE IF NOT EXISTS transfers_by_address ON CLUSTER chainsleuth_cluster AS transfers_by_address_local ENGINE = Distributed(chainsleuth_cluster, chainsleuth, transfers_by_address_local, cityHash64(address));

CREATE MATERIALIZED VIEW IF NOT EXISTS transfers_by_address_mv ON CLUSTER chainsleuth_cluster TO transfers_by_address AS
SELECT
    chain,
    tupleElement(side, 1) AS address,
    height,
    time,
    txid,
    idx,
    tupleElement(side, 2) AS direction,
    tupleElement(side, 3) AS counterparty,
    asset,
    amount,
    value,
    kind
FROM transfers_local
ARRAY JOIN [(from_address, toInt8(-1), to_address), (to_address, toInt8(1), from_address)] AS side
WHERE tupleElement(side, 1) != '';

CREATE TABLE IF NOT EXISTS eth_blocks_local ON CLUSTER chainsleuth_cluster (
    height UInt64,
    hash String,
    parent_hash String,
    time DateTime('UTC'),
    miner String,
    gas_used UInt64,
    gas_limit UInt64,
    base_fee String,
    size UInt64,
    tx_count UInt32,
    log_count UInt32,
    trace_count UInt32,
    traces_missing UInt8
) ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/chainsleuth/eth_blocks_local', '{replica}') PARTITION BY intDiv(height, 1000000) ORDER BY height;

CREATE TABLE IF NOT EXISTS eth_blocks ON CLUSTER chainsleuth_cluster AS eth_blocks_local ENGINE = Distributed(chainsleuth_cluster, chainsleuth, eth_blocks_local, cityHash64(height));

CREATE TABLE IF NOT EXISTS eth_txs_local ON CLUSTER chainsleuth_cluster (
    hash String,
    height UInt64,
    time DateTime('UTC'),
    tx_index UInt32,
    from_address String,
    to_address String,
    value String,
    value_eth Float64,
    nonce UInt64,
    gas UInt64,
    gas_price String,
    max_fee_per_gas String,
    max_priority_fee_per_gas String,
    tx_type UInt8,
    method_id String,
    input String,
    status UInt8,
    gas_used UInt64,
    cumulative_gas_used UInt64,
    effective_gas_price String,
    fee_eth Float64,
    contract_address String
) ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/chainsleuth/eth_txs_local', '{replica}') PARTITION BY intDiv(height, 100000) ORDER BY (hash, height);

CREATE TABLE IF NOT EXISTS eth_txs ON CLUSTER chainsleuth_cluster AS eth_txs_local ENGINE = Distributed(chainsleuth_cluster, chainsleuth, eth_txs_local, cityHash64(hash));

CREATE TABLE IF NOT EXISTS eth_logs_local ON CLUSTER chainsleuth_cluster (
    height UInt64,
    time DateTime('UTC'),
    tx_hash String,
    tx_index UInt32,
    log_index UInt32,
    address String,
    topic0 String,
    topic1 String,
    topic2 String,
    topic3 String,
    data String
) ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/chainsleuth/eth_logs_local', '{replica}') PARTITION BY intDiv(height, 100000) ORDER BY (height, log_index);

CREATE TABLE IF NOT EXISTS eth_logs ON CLUSTER chainsleuth_cluster AS eth_logs_local ENGINE = Distributed(chainsleuth_cluster, chainsleuth, eth_logs_local, cityHash64(height));

CREATE TABLE IF NOT EXISTS eth_token_transfers_local ON CLUSTER chainsleuth_cluster (
    height UInt64,
    time DateTime('UTC'),
    tx_hash String,
    tx_index UInt32,
    log_index UInt32,
    token String,
    standard LowCardinality(String),
    from_address String,
    to_address String,
    value String,
    value_float Float64,
    token_id String
) ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/chainsleuth/eth_token_transfers_local', '{replica}') PARTITION BY intDiv(height, 100000) ORDER BY (height, log_index);

CREATE TABLE IF NOT EXISTS eth_token_transfers ON CLUSTER chainsleuth_cluster AS eth_token_transfers_local ENGINE = Distributed(chainsleuth_cluster, chainsleuth, eth_token_transfers_local, cityHash64(height));

CREATE TABLE IF NOT EXISTS eth_traces_local ON CLUSTER chainsleuth_cluster (
    height UInt64,
    time DateTime('UTC'),
    tx_hash String,
    tx_index UInt32,
    trace_address String,
    trace_type LowCardinality(String),
    call_type LowCardinality(String),
    from_address String,
    to_address String,
    value String,
    value_eth Float64,
    gas UInt64,
    gas_used UInt64,
    error String,
    status UInt8,
    subtraces UInt32
) ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/chainsleuth/eth_traces_local', '{replica}') PARTITION BY intDiv(height, 100000) ORDER BY (height, tx_index, trace_address);

CREATE TABLE IF NOT EXISTS eth_traces ON CLUSTER chainsleuth_cluster AS eth_traces_local ENGINE = Distributed(chainsleuth_cluster, chainsleuth, eth_traces_local, cityHash64(height));

CREATE TABLE IF NOT EXISTS eth_contracts_local ON CLUSTER chainsleuth_cluster (
    address String,
    height UInt64,
    time DateTime('UTC'),
    creator String,
    tx_hash String,
    is_erc20 UInt8,
    is_erc721 UInt8,
    selectors Array(String)
) ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/chainsleuth/eth_contracts_local', '{replica}') PARTITION BY intDiv(height, 1000000) ORDER BY (address, height);

CREATE TABLE IF NOT EXISTS eth_contracts ON CLUSTER chainsleuth_cluster AS eth_contracts_local ENGINE = Distributed(chainsleuth_cluster, chainsleuth, eth_contracts_local, cityHash64(address));

CREATE TABLE IF NOT EXISTS eth_tokens_local ON CLUSTER chainsleuth_cluster (
    address String,
    height UInt64,
    standard LowCardinality(String),
    name String,
    symbol String,
    decimals Int16,
    total_supply String
) ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/chainsleuth/eth_tokens_local', '{replica}') PARTITION BY intDiv(height, 1000000) ORDER BY (address, height);

CREATE TABLE IF NOT EXISTS eth_tokens ON CLUSTER chainsleuth_cluster AS eth_tokens_local ENGINE = Distributed(chainsleuth_cluster, chainsleuth, eth_tokens_local, cityHash64(address));

CREATE TABLE IF NOT EXISTS tags_local ON CLUSTER chainsleuth_cluster (
    chain LowCardinality(String),
    address String,
    label String,
    category LowCardinality(String),
    abuse LowCardinality(String),
    actor String,
    source String,
    confidence LowCardinality(String),
    confidence_level UInt8,
    is_cluster_definer UInt8,
    currency LowCardinality(String),
    tagpack_title String,
    creator String,
    lastmod String,
    context String,
    file String,
    line UInt32,
    version UInt64,
    imported_at DateTime('UTC')
) ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/chainsleuth/tags_local', '{replica}', version) ORDER BY (chain, address, file, label);

CREATE TABLE IF NOT EXISTS tags ON CLUSTER chainsleuth_cluster AS tags_local ENGINE = Distributed(chainsleuth_cluster, chainsleuth, tags_local, cityHash64(address));

CREATE TABLE IF NOT EXISTS actors_local ON CLUSTER chainsleuth_cluster (
    id String,
    label String,
    label_normalized String,
    categories Array(String),
    jurisdictions Array(String),
    uri String,
    domains Array(String),
    aliases Array(String),
    twitter_handle String,
    context String,
    file String,
    line UInt32,
    version UInt64,
    imported_at DateTime('UTC')
) ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/chainsleuth/actors_local', '{replica}', version) ORDER BY id;

CREATE TABLE IF NOT EXISTS actors ON CLUSTER chainsleuth_cluster AS actors_local ENGINE = Distributed(chainsleuth_cluster, chainsleuth, actors_local, cityHash64(id));

CREATE TABLE IF NOT EXISTS companies_local ON CLUSTER chainsleuth_cluster (
    company_id String,
    name String,
    name_normalized String,
    registration_no String,
    jurisdiction LowCardinality(String),
    status LowCardinality(String),
    domains Array(String),
    aliases Array(String),
    file String,
    line UInt32,
    version UInt64,
    imported_at DateTime('UTC')
) ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/chainsleuth/companies_local', '{replica}', version) ORDER BY company_id;

CREATE TABLE IF NOT EXISTS companies ON CLUSTER chainsleuth_cluster AS companies_local ENGINE = Distributed(chainsleuth_cluster, chainsleuth, companies_local, cityHash64(company_id));

CREATE TABLE IF NOT EXISTS company_addresses_local ON CLUSTER chainsleuth_cluster (
    chain LowCardinality(String),
    address String,
    company_id String,
    source String,
    file String,
    line UInt32,
    version UInt64,
    imported_at DateTime('UTC')
) ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/chainsleuth/company_addresses_local', '{replica}', version) ORDER BY (chain, address, company_id);

CREATE TABLE IF NOT EXISTS company_addresses ON CLUSTER chainsleuth_cluster AS company_addresses_local ENGINE = Distributed(chainsleuth_cluster, chainsleuth, company_addresses_local, cityHash64(address));

CREATE TABLE IF NOT EXISTS sanctions_local ON CLUSTER chainsleuth_cluster (
    chain LowCardinality(String),
    address String,
    list LowCardinality(String),
    currency LowCardinality(String),
    entity String,
    program String,
    file String,
    line UInt32,
    version UInt64,
    imported_at DateTime('UTC')
) ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/chainsleuth/sanctions_local', '{replica}', version) ORDER BY (chain, address, list, currency);

CREATE TABLE IF NOT EXISTS sanctions ON CLUSTER chainsleuth_cluster AS sanctions_local ENGINE = Distributed(chainsleuth_cluster, chainsleuth, sanctions_local, cityHash64(address));

CREATE TABLE IF NOT EXISTS offchain_imports_local ON CLUSTER chainsleuth_cluster (
    kind LowCardinality(String),
    file String,
    path String,
    format LowCardinality(String),
    sha256 String,
    rows_loaded UInt64,
    rows_rejected UInt64,
    rows_skipped UInt64,
    rows_duplicate UInt64,
    version UInt64,
    imported_at DateTime('UTC')
) ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/chainsleuth/offchain_imports_local', '{replica}', version) ORDER BY (kind, file, version);

CREATE TABLE IF NOT EXISTS offchain_imports ON CLUSTER chainsleuth_cluster AS offchain_imports_local ENGINE = Distributed(chainsleuth_cluster, chainsleuth, offchain_imports_local, cityHash64(kind));

CREATE TABLE IF NOT EXISTS runs_local ON CLUSTER chainsleuth_cluster (
    run_id UInt64,
    job LowCardinality(String),
    chain LowCardinality(String),
    state UInt8,
    status LowCardinality(String),
    started DateTime('UTC'),
    finished DateTime('UTC'),
    parameters String,
    code_version String,
    counts String,
    watermark UInt64,
    error String
) ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/chainsleuth/runs_local', '{replica}', state) ORDER BY (job, chain, run_id);

CREATE TABLE IF NOT EXISTS runs ON CLUSTER chainsleuth_cluster AS runs_local ENGINE = Distributed(chainsleuth_cluster, chainsleuth, runs_local, cityHash64(job));

CREATE TABLE IF NOT EXISTS address_ids_local ON CLUSTER chainsleuth_cluster (
    chain LowCardinality(String),
    address String,
    id UInt32,
    first_height UInt64,
    run_id UInt64
) ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/chainsleuth/address_ids_local', '{replica}', run_id) ORDER BY (chain, address);

CREATE TABLE IF NOT EXISTS address_ids ON CLUSTER chainsleuth_cluster AS address_ids_local ENGINE = Distributed(chainsleuth_cluster, chainsleuth, address_ids_local, cityHash64(address));

CREATE TABLE IF NOT EXISTS address_clusters_local ON CLUSTER chainsleuth_cluster (
    chain LowCardinality(String),
    address_id UInt32,
    cluster_id UInt32,
    run_id UInt64
) ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/chainsleuth/address_clusters_local', '{replica}', run_id) ORDER BY (chain, address_id);

CREATE TABLE IF NOT EXISTS address_clusters ON CLUSTER chainsleuth_cluster AS address_clusters_local ENGINE = Distributed(chainsleuth_cluster, chainsleuth, address_clusters_local, cityHash64(address_id));

CREATE TABLE IF NOT EXISTS clusters_local ON CLUSTER chainsleuth_cluster (
    chain LowCardinality(String),
    cluster_id UInt32,
    size UInt64,
    run_id UInt64
) ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/chainsleuth/clusters_local', '{replica}', run_id) ORDER BY (chain, cluster_id);

CREATE TABLE IF NOT EXISTS clusters ON CLUSTER chainsleuth_cluster AS clusters_local ENGINE = Distributed(chainsleuth_cluster, chainsleuth, clusters_local, cityHash64(cluster_id));

CREATE TABLE IF NOT EXISTS cluster_evidence_local ON CLUSTER chainsleuth_cluster (
    chain LowCardinality(String),
    heuristic LowCardinality(String),
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
) ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/chainsleuth/cluster_evidence_local', '{replica}', run_id) ORDER BY (chain, heuristic, tx, a, b);

CREATE TABLE IF NOT EXISTS cluster_evidence ON CLUSTER chainsleuth_cluster AS cluster_evidence_local ENGINE = Distributed(chainsleuth_cluster, chainsleuth, cluster_evidence_local, cityHash64(heuristic));

CREATE TABLE IF NOT EXISTS coinjoins_local ON CLUSTER chainsleuth_cluster (
    chain LowCardinality(String),
    txid String,
    height UInt64,
    pattern LowCardinality(String),
    inputs UInt32,
    outputs UInt32,
    participants UInt32,
    denomination UInt64,
    run_id UInt64
) ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/chainsleuth/coinjoins_local', '{replica}', run_id) ORDER BY (chain, txid);

CREATE TABLE IF NOT EXISTS coinjoins ON CLUSTER chainsleuth_cluster AS coinjoins_local ENGINE = Distributed(chainsleuth_cluster, chainsleuth, coinjoins_local, cityHash64(txid));

CREATE TABLE IF NOT EXISTS held_merges_local ON CLUSTER chainsleuth_cluster (
    chain LowCardinality(String),
    heuristic LowCardinality(String),
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
) ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/chainsleuth/held_merges_local', '{replica}', run_id) ORDER BY (chain, tx, a, b);

CREATE TABLE IF NOT EXISTS held_merges ON CLUSTER chainsleuth_cluster AS held_merges_local ENGINE = Distributed(chainsleuth_cluster, chainsleuth, held_merges_local, cityHash64(tx));

CREATE TABLE IF NOT EXISTS cluster_scores_local ON CLUSTER chainsleuth_cluster (
    chain LowCardinality(String),
    cluster_id UInt32,
    run_id UInt64,
    score Float64,
    kind LowCardinality(String),
    kind_confidence Float64,
    evidence String,
    payers UInt32,
    inflow_payments UInt32,
    inflow_value Float64,
    outflow_value Float64,
    growth_ratio Float64,
    hold_blocks Int64,
    c_payers Float64,
    c_small_ticket Float64,
    c_growth Float64,
    c_issuance Float64,
    c_payback Float64,
    c_cashout Float64,
    c_sanction Float64,
    c_company Float64,
    company String,
    reasons Array(String),
    config_version String,
    first_height UInt64,
    last_height UInt64
) ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/chainsleuth/cluster_scores_local', '{replica}', run_id) ORDER BY (chain, cluster_id, run_id);

CREATE TABLE IF NOT EXISTS cluster_scores ON CLUSTER chainsleuth_cluster AS cluster_scores_local ENGINE = Distributed(chainsleuth_cluster, chainsleuth, cluster_scores_local, cityHash64(cluster_id));

CREATE TABLE IF NOT EXISTS alerts_local ON CLUSTER chainsleuth_cluster (
    chain LowCardinality(String),
    cluster_id UInt32,
    run_id UInt64,
    period_start UInt64,
    period_end UInt64,
    period_time DateTime('UTC'),
    new_payers UInt32,
    baseline Float64,
    ratio Float64,
    severity LowCardinality(String),
    kind LowCardinality(String)
) ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/chainsleuth/alerts_local', '{replica}', run_id) ORDER BY (chain, cluster_id, period_start, run_id);

CREATE TABLE IF NOT EXISTS alerts ON CLUSTER chainsleuth_cluster AS alerts_local ENGINE = Distributed(chainsleuth_cluster, chainsleuth, alerts_local, cityHash64(cluster_id));

CREATE TABLE IF NOT EXISTS cluster_actors_local ON CLUSTER chainsleuth_cluster (
    chain LowCardinality(String),
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
) ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/chainsleuth/cluster_actors_local', '{replica}', run_id) ORDER BY (chain, cluster_id, run_id, actor, label);

CREATE TABLE IF NOT EXISTS cluster_actors ON CLUSTER chainsleuth_cluster AS cluster_actors_local ENGINE = Distributed(chainsleuth_cluster, chainsleuth, cluster_actors_local, cityHash64(cluster_id));

CREATE TABLE IF NOT EXISTS cluster_companies_local ON CLUSTER chainsleuth_cluster (
    chain LowCardinality(String),
    cluster_id UInt32,
    run_id UInt64,
    company_id String,
    confidence Float64,
    method LowCardinality(String),
    methods Array(String),
    addresses UInt32,
    evidence String
) ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/chainsleuth/cluster_companies_local', '{replica}', run_id) ORDER BY (chain, cluster_id, run_id, company_id);

CREATE TABLE IF NOT EXISTS cluster_companies ON CLUSTER chainsleuth_cluster AS cluster_companies_local ENGINE = Distributed(chainsleuth_cluster, chainsleuth, cluster_companies_local, cityHash64(cluster_id));

CREATE TABLE IF NOT EXISTS attribution_conflicts_local ON CLUSTER chainsleuth_cluster (
    chain LowCardinality(String),
    cluster_id UInt32,
    run_id UInt64,
    kind LowCardinality(String),
    items Array(String),
    sources Array(String),
    detail String
) ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/chainsleuth/attribution_conflicts_local', '{replica}', run_id) ORDER BY (chain, cluster_id, run_id, kind);

CREATE TABLE IF NOT EXISTS attribution_conflicts ON CLUSTER chainsleuth_cluster AS attribution_conflicts_local ENGINE = Distributed(chainsleuth_cluster, chainsleuth, attribution_conflicts_local, cityHash64(cluster_id));

CREATE VIEW IF NOT EXISTS v_latest_runs ON CLUSTER chainsleuth_cluster AS
SELECT job, chain, max(run_id) AS run_id FROM (
    SELECT job, chain, run_id FROM runs GROUP BY job, chain, run_id HAVING argMax(state, state) = 1
) GROUP BY job, chain;

CREATE VIEW IF NOT EXISTS v_address_clusters ON CLUSTER chainsleuth_cluster AS
SELECT chain, address, cluster_id FROM (
    SELECT chain, address, id AS address_id FROM address_ids
) AS i ANY INNER JOIN (
    SELECT chain, address_id, argMax(cluster_id, run_id) AS cluster_id FROM address_clusters GROUP BY chain, address_id
) AS k USING (chain, address_id);

CREATE VIEW IF NOT EXISTS v_top_clusters ON CLUSTER chainsleuth_cluster AS
SELECT chain, cluster_id, score, kind, kind_confidence, payers, inflow_payments, inflow_value, outflow_value,
    growth_ratio, company_id, name AS company, reasons_text AS reasons, first_height, last_height, run_id
FROM (
    SELECT chain, cluster_id, score, kind, kind_confidence, payers, inflow_payments, inflow_value, outflow_value,
        growth_ratio, company AS company_id, arrayStringConcat(reasons, '; ') AS reasons_text, first_height, last_height, run_id
    FROM cluster_scores
    WHERE (chain, run_id) IN (SELECT chain, run_id FROM v_latest_runs WHERE job = 'score')
) AS s ANY LEFT JOIN (
    SELECT company_id, name FROM companies FINAL
) AS c USING company_id;

CREATE VIEW IF NOT EXISTS v_new_alerts ON CLUSTER chainsleuth_cluster AS
SELECT chain, cluster_id, kind, severity, period_start, period_end, period_time, new_payers, baseline, ratio,
    score, company_id, company
FROM (
    SELECT chain, cluster_id, kind, severity, period_start, period_end, period_time, new_payers, baseline, ratio
    FROM alerts
    WHERE (chain, run_id) IN (SELECT chain, run_id FROM v_latest_runs WHERE job = 'score')
) AS a ANY LEFT JOIN (
    SELECT chain, cluster_id, score, company_id, company FROM v_top_clusters
) AS s USING (chain, cluster_id);

CREATE VIEW IF NOT EXISTS v_cluster_payers ON CLUSTER chainsleuth_cluster AS
SELECT chain, cluster_id, payer, min(time) AS first_time, min(height) AS first_height
FROM (
    SELECT chain, cluster_id, payer, time, height FROM (
        SELECT chain, cluster_id, counterparty AS address, time, height FROM (
            SELECT chain, cluster_id, counterparty, time, height FROM (
                SELECT chain, address, counterparty, time, height FROM transfers_by_address
                WHERE direction = 1 AND counterparty != ''
            ) AS t ANY INNER JOIN v_address_clusters AS a USING (chain, address)
        )
    ) AS p ANY INNER JOIN (
        SELECT chain, address, cluster_id AS payer FROM v_address_clusters
    ) AS b USING (chain, address)
)
WHERE payer != cluster_id
GROUP BY chain, cluster_id, payer;

CREATE VIEW IF NOT EXISTS v_payer_growth ON CLUSTER chainsleuth_cluster AS
SELECT chain, cluster_id, toDate(first_time) AS period, count() AS new_payers, min(first_time) AS period_first,
    max(first_time) AS period_last
FROM v_cluster_payers
GROUP BY chain, cluster_id, period;

CREATE VIEW IF NOT EXISTS v_company_exposure ON CLUSTER chainsleuth_cluster AS
SELECT chain, company_id, name AS company, clusters, attribution_confidence, max_score, payers, inflow,
    outflow, kinds
FROM (
    SELECT chain, company_id, count() AS clusters, max(confidence) AS attribution_confidence,
        max(score) AS max_score, sum(payers) AS payers, sum(inflow_value) AS inflow,
        sum(outflow_value) AS outflow, groupUniqArray(kind) AS kinds
    FROM (
        SELECT chain, cluster_id, company_id, confidence FROM cluster_companies
        WHERE (chain, run_id) IN (SELECT chain, run_id FROM v_latest_runs WHERE job = 'attribute')
    ) AS cc ANY LEFT JOIN (
        SELECT chain, cluster_id, score, kind, payers, inflow_value, outflow_value FROM v_top_clusters
    ) AS s USING (chain, cluster_id)
    GROUP BY chain, company_id
) AS e ANY LEFT JOIN (
    SELECT company_id, name FROM companies FINAL
) AS c USING company_id;

CREATE VIEW IF NOT EXISTS v_exchange_clusters ON CLUSTER chainsleuth_cluster AS
SELECT DISTINCT chain, cluster_id FROM (
    SELECT chain, cluster_id FROM v_top_clusters WHERE kind = 'exchange'
    UNION ALL
    SELECT chain, cluster_id FROM cluster_actors
    WHERE has(categories, 'exchange') AND (chain, run_id) IN (SELECT chain, run_id FROM v_latest_runs WHERE job = 'attribute')
);

CREATE VIEW IF NOT EXISTS v_exchange_flows ON CLUSTER chainsleuth_cluster AS
SELECT chain, day, from_cluster, exchange_cluster, asset, if(symbol = '', asset, symbol) AS unit, transfers, total
FROM (
    SELECT chain, toDate(time) AS day, from_cluster, exchange_cluster, asset, count() AS transfers, sum(value) AS total
    FROM (
        SELECT chain, from_cluster, cluster_id AS exchange_cluster, asset, value, time FROM (
            SELECT chain, from_cluster, counterparty AS address, asset, value, time FROM (
                SELECT chain, cluster_id AS from_cluster, counterparty, asset, value, time FROM (
                    SELECT chain, address, counterparty, asset, value, time FROM transfers_by_address
                    WHERE direction = -1 AND (chain, counterparty) IN (
                        SELECT chain, address FROM v_address_clusters
                        WHERE (chain, cluster_id) IN (SELECT chain, cluster_id FROM v_exchange_clusters))
                ) AS t ANY INNER JOIN v_address_clusters AS a USING (chain, address)
            )
        ) AS f ANY INNER JOIN v_address_clusters AS x USING (chain, address)
    )
    WHERE from_cluster != exchange_cluster
    GROUP BY chain, day, from_cluster, exchange_cluster, asset
) AS g ANY LEFT JOIN (
    SELECT address AS asset, argMax(symbol, height) AS symbol FROM eth_tokens GROUP BY address
) AS k USING asset;

CREATE TABLE IF NOT EXISTS address_cluster_hashes_local ON CLUSTER chainsleuth_cluster (
    chain LowCardinality(String),
    hash UInt64,
    cluster_id UInt32,
    run_id UInt64
) ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/chainsleuth/address_cluster_hashes_local', '{replica}', run_id) ORDER BY (chain, hash);

CREATE TABLE IF NOT EXISTS address_cluster_hashes ON CLUSTER chainsleuth_cluster AS address_cluster_hashes_local ENGINE = Distributed(chainsleuth_cluster, chainsleuth, address_cluster_hashes_local, cityHash64(hash));

