-- Views for analysts and the Grafana dashboard (grafana/dashboards/chainsleuth.json): the common questions
-- as plain SELECTs, read-only and computed when queried. They read the current state as the CLI does: the
-- latest cluster of every address (argMax by run_id), and the rows of the latest finished score and
-- attribute run of each chain (rows of a run that died are never shown). Amounts are whole units (BTC, ETH,
-- tokens by their decimals) and never summed across assets, except where a column says so.
--
-- They run on ClickHouse 18.16 and current releases: one JOIN per SELECT (nested), no CTEs or window
-- functions. The address-to-cluster map is joined in memory: at mainnet scale, filter the views (chain,
-- cluster_id, time) or materialize them.

-- The latest finished run of each batch job (score, attribute, cluster) per chain: the runs whose rows are
-- current.
CREATE VIEW IF NOT EXISTS v_latest_runs AS
SELECT job, chain, max(run_id) AS run_id FROM (
    SELECT job, chain, run_id FROM runs GROUP BY job, chain, run_id HAVING argMax(state, state) = 1
) GROUP BY job, chain;

-- Every address with its current cluster.
CREATE VIEW IF NOT EXISTS v_address_clusters AS
SELECT chain, address, cluster_id FROM (
    SELECT chain, address, id AS address_id FROM address_ids
) AS i ANY INNER JOIN (
    SELECT chain, address_id, argMax(cluster_id, run_id) AS cluster_id FROM address_clusters GROUP BY chain, address_id
) AS k USING (chain, address_id);

-- The current scores, with the registry company whose address is in the cluster and the reasons as one
-- line. Highest first: SELECT * FROM v_top_clusters ORDER BY score DESC LIMIT 20.
CREATE VIEW IF NOT EXISTS v_top_clusters AS
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

-- The current alerts (periods whose new payers rose far above the cluster's own baseline), with the
-- cluster's score and company. Grafana filters on period_time.
CREATE VIEW IF NOT EXISTS v_new_alerts AS
SELECT chain, cluster_id, kind, severity, period_start, period_end, period_time, new_payers, baseline, ratio,
    score, company_id, company
FROM (
    SELECT chain, cluster_id, kind, severity, period_start, period_end, period_time, new_payers, baseline, ratio
    FROM alerts
    WHERE (chain, run_id) IN (SELECT chain, run_id FROM v_latest_runs WHERE job = 'score')
) AS a ANY LEFT JOIN (
    SELECT chain, cluster_id, score, company_id, company FROM v_top_clusters
) AS s USING (chain, cluster_id);

-- Every cluster that paid into another one (payer), with its first payment: one row per (chain, cluster,
-- payer cluster). Unclustered counterparties are left out.
CREATE VIEW IF NOT EXISTS v_cluster_payers AS
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

-- Payer growth: new paying clusters per cluster and day (a payer counts on the day of its first payment).
-- For finer periods group v_cluster_payers by first_time yourself.
CREATE VIEW IF NOT EXISTS v_payer_growth AS
SELECT chain, cluster_id, toDate(first_time) AS period, count() AS new_payers, min(first_time) AS period_first,
    max(first_time) AS period_last
FROM v_cluster_payers
GROUP BY chain, cluster_id, period;

-- Company exposure: per registry company, the clusters the latest attribute run attached to it and their
-- current scores, payers and flows (inflow and outflow in whole units, summed across assets).
CREATE VIEW IF NOT EXISTS v_company_exposure AS
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

-- Exchange clusters: detected by the score job (kind exchange) or named by tags of the exchange category.
CREATE VIEW IF NOT EXISTS v_exchange_clusters AS
SELECT DISTINCT chain, cluster_id FROM (
    SELECT chain, cluster_id FROM v_top_clusters WHERE kind = 'exchange'
    UNION ALL
    SELECT chain, cluster_id FROM cluster_actors
    WHERE has(categories, 'exchange') AND (chain, run_id) IN (SELECT chain, run_id FROM v_latest_runs WHERE job = 'attribute')
);

-- Flows to exchanges: per day, sending cluster, exchange cluster and asset, what was paid in (whole units of
-- the asset; unit is its symbol).
CREATE VIEW IF NOT EXISTS v_exchange_flows AS
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
