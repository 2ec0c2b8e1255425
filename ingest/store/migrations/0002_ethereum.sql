-- Ethereum blocks. base_fee in wei as a decimal string (exact); traces_missing = 1 when the node had no
-- tracing API at ingest time (internal transfers absent; `chainsleuth ingest eth` can backfill them later).
CREATE TABLE IF NOT EXISTS eth_blocks (
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
) ENGINE = ReplacingMergeTree PARTITION BY intDiv(height, 1000000) ORDER BY height;

-- Ethereum transactions with their receipt fields. Amounts in wei as decimal strings, plus Float64 ETH for sums.
CREATE TABLE IF NOT EXISTS eth_txs (
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
) ENGINE = ReplacingMergeTree PARTITION BY intDiv(height, 100000) ORDER BY (hash, height);

-- Event logs; topics as 0x hex ('' when absent), data as 0x hex.
CREATE TABLE IF NOT EXISTS eth_logs (
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
) ENGINE = ReplacingMergeTree PARTITION BY intDiv(height, 100000) ORDER BY (height, log_index);

-- ERC-20 and ERC-721 Transfer events. value: exact token units (1 for ERC-721) as a decimal string;
-- value_float: whole tokens when the token's decimals are known, else 0.
CREATE TABLE IF NOT EXISTS eth_token_transfers (
    height UInt64,
    time DateTime('UTC'),
    tx_hash String,
    tx_index UInt32,
    log_index UInt32,
    token String,
    standard {{.LowCardinalityString}},
    from_address String,
    to_address String,
    value String,
    value_float Float64,
    token_id String
) ENGINE = ReplacingMergeTree PARTITION BY intDiv(height, 100000) ORDER BY (height, log_index);

-- Call traces (debug_traceBlockByNumber callTracer or trace_block), one row per call frame.
-- trace_address: the frame's path, e.g. '' (top) or '0,2'.
CREATE TABLE IF NOT EXISTS eth_traces (
    height UInt64,
    time DateTime('UTC'),
    tx_hash String,
    tx_index UInt32,
    trace_address String,
    trace_type {{.LowCardinalityString}},
    call_type {{.LowCardinalityString}},
    from_address String,
    to_address String,
    value String,
    value_eth Float64,
    gas UInt64,
    gas_used UInt64,
    error String,
    status UInt8,
    subtraces UInt32
) ENGINE = ReplacingMergeTree PARTITION BY intDiv(height, 100000) ORDER BY (height, tx_index, trace_address);

-- Contracts created (by an EOA's transaction or by another contract).
CREATE TABLE IF NOT EXISTS eth_contracts (
    address String,
    height UInt64,
    time DateTime('UTC'),
    creator String,
    tx_hash String,
    is_erc20 UInt8,
    is_erc721 UInt8,
    selectors Array(String)
) ENGINE = ReplacingMergeTree PARTITION BY intDiv(height, 1000000) ORDER BY (address, height);

-- Token metadata read with eth_call when a token is first seen. decimals = -1 when unknown.
CREATE TABLE IF NOT EXISTS eth_tokens (
    address String,
    height UInt64,
    standard {{.LowCardinalityString}},
    name String,
    symbol String,
    decimals Int16,
    total_supply String
) ENGINE = ReplacingMergeTree PARTITION BY intDiv(height, 1000000) ORDER BY (address, height);
