-- Fundraising-flow scores: one row per cluster and score run (the latest run's rows are the current scores;
-- see runs). score is 0–100; c_* are its components in [0, 1] (weights in the run's config); kind is what the
-- cluster was detected as (exchange, token_sale, ponzi, collector or '') with its confidence and the evidence
-- as a JSON object; reasons are human-readable sentences. company is the company_id of a registry company
-- with a known address in the cluster ('' when none).
CREATE TABLE IF NOT EXISTS cluster_scores (
    chain {{.LowCardinalityString}},
    cluster_id UInt32,
    run_id UInt64,
    score Float64,
    kind {{.LowCardinalityString}},
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
) ENGINE = ReplacingMergeTree(run_id) ORDER BY (chain, cluster_id, run_id);

-- Early warnings: a period (a range of block heights) in which a cluster's count of new payers rose far
-- above its own baseline (the mean of the periods before it). severity: medium or high.
CREATE TABLE IF NOT EXISTS alerts (
    chain {{.LowCardinalityString}},
    cluster_id UInt32,
    run_id UInt64,
    period_start UInt64,
    period_end UInt64,
    period_time DateTime('UTC'),
    new_payers UInt32,
    baseline Float64,
    ratio Float64,
    severity {{.LowCardinalityString}},
    kind {{.LowCardinalityString}}
) ENGINE = ReplacingMergeTree(run_id) ORDER BY (chain, cluster_id, period_start, run_id);
