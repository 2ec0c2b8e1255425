-- Ingest checkpoints: one row per commit; the current one per chain is argMax(height, version).
-- height is the last block committed in full (-1 encoded as next_height = 0).
CREATE TABLE IF NOT EXISTS ingest_checkpoints (
    chain {{.LowCardinalityString}},
    next_height UInt64,
    last_hash String,
    version UInt64,
    updated_at DateTime('UTC')
) ENGINE = ReplacingMergeTree(version) ORDER BY (chain, version);

-- Bitcoin blocks, one row per block of the canonical chain.
CREATE TABLE IF NOT EXISTS btc_blocks (
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
) ENGINE = ReplacingMergeTree PARTITION BY intDiv(height, 100000) ORDER BY height;

-- Bitcoin transactions. (txid, height) keeps the two BIP30 duplicate coinbases apart.
-- fee is input_value - output_value when every spent output's value is known (fee_known = 1).
CREATE TABLE IF NOT EXISTS btc_txs (
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
) ENGINE = ReplacingMergeTree PARTITION BY intDiv(height, 10000) ORDER BY (txid, height);

-- Bitcoin inputs of non-coinbase transactions, with the spent output's address, type and value.
-- address_source: prevout (the spent output was known), inferred (from scriptSig/witness; value unknown), unknown.
CREATE TABLE IF NOT EXISTS btc_inputs (
    txid String,
    vin UInt32,
    height UInt64,
    time DateTime('UTC'),
    tx_index UInt32,
    prev_txid String,
    prev_vout UInt32,
    sequence UInt32,
    address String,
    script_type {{.LowCardinalityString}},
    value UInt64,
    value_known UInt8,
    address_source {{.LowCardinalityString}}
) ENGINE = ReplacingMergeTree PARTITION BY intDiv(height, 10000) ORDER BY (txid, vin, height);

-- Bitcoin outputs. script_hex is kept for outputs without an address (OP_RETURN, non-standard).
CREATE TABLE IF NOT EXISTS btc_outputs (
    txid String,
    vout UInt32,
    height UInt64,
    time DateTime('UTC'),
    tx_index UInt32,
    value UInt64,
    script_type {{.LowCardinalityString}},
    address String,
    script_hex String
) ENGINE = ReplacingMergeTree PARTITION BY intDiv(height, 10000) ORDER BY (txid, vout, height);

-- Value transfers of every chain: the edges of the fund-flow graph (chain.Transfer).
-- Ordered by height first, so that the score's window (a range of recent heights) is a range of the primary
-- key: FINAL then merges only that range. The key holds the same columns as before (txid first until
-- 2026-12-07), so rows replace each other exactly as they did. An address's history is read from
-- transfers_by_address, a transaction's from btc_txs / eth_transactions: nothing reads this table by txid.
CREATE TABLE IF NOT EXISTS transfers (
    chain {{.LowCardinalityString}},
    height UInt64,
    time DateTime('UTC'),
    txid String,
    idx UInt32,
    from_address String,
    to_address String,
    asset String,
    amount String,
    value Float64,
    kind {{.LowCardinalityString}}
) ENGINE = ReplacingMergeTree PARTITION BY (chain, intDiv(height, 100000)) ORDER BY (chain, height, txid, idx);

-- The same transfers, one row per side, ordered by address: an address's history is one range read.
-- direction: 1 = the address received, -1 = the address sent.
CREATE TABLE IF NOT EXISTS transfers_by_address (
    chain {{.LowCardinalityString}},
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
    kind {{.LowCardinalityString}}
) ENGINE = ReplacingMergeTree PARTITION BY (chain, intDiv(height, 100000)) ORDER BY (chain, address, height, txid, idx, direction);

CREATE MATERIALIZED VIEW IF NOT EXISTS transfers_by_address_mv TO transfers_by_address AS
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
FROM transfers
ARRAY JOIN [(from_address, toInt8(-1), to_address), (to_address, toInt8(1), from_address)] AS side
WHERE tupleElement(side, 1) != '';
