-- Off-chain identities (ingest/offchain; DESIGN.md §7): company registries, GraphSense TagPacks and
-- ActorPacks, plain CSV tags and OFAC sanctioned-address lists.
--
-- Every row carries the file it came from (`file`: the file's base name, the key a re-import replaces),
-- its line there, and `version`: the import run that wrote it (nanoseconds since 1970, one per run).
-- Tables are ReplacingMergeTree(version) on their natural keys, so an import retried or repeated never
-- doubles a row (read with FINAL for exact counts before merges). A file's import is committed by its row
-- in offchain_imports, written last: rows whose (file, version) has no such row belong to an import that
-- did not finish, and the next import of that file deletes them. Addresses are normalised: Bitcoin as
-- btcd encodes them (bech32 in lower case), Ethereum as 0x and 40 lower-case hex digits.

-- Address tags: one row per (chain, address, file, label). confidence is GraphSense's confidence id
-- (service_data, forensic, authority_data, …) and confidence_level its 0–100 level (0: none given).
CREATE TABLE IF NOT EXISTS tags (
    chain {{.LowCardinalityString}},
    address String,
    label String,
    category {{.LowCardinalityString}},
    abuse {{.LowCardinalityString}},
    actor String,
    source String,
    confidence {{.LowCardinalityString}},
    confidence_level UInt8,
    is_cluster_definer UInt8,
    currency {{.LowCardinalityString}},
    tagpack_title String,
    creator String,
    lastmod String,
    context String,
    file String,
    line UInt32,
    version UInt64,
    imported_at DateTime('UTC')
) ENGINE = ReplacingMergeTree(version) ORDER BY (chain, address, file, label);

-- Actors of GraphSense ActorPacks: the real-world entities tags point at with `actor`. label_normalized
-- and domains (hosts of uri, without www.) are what attribution matches companies on.
CREATE TABLE IF NOT EXISTS actors (
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
) ENGINE = ReplacingMergeTree(version) ORDER BY id;

-- Company registry entries. name_normalized: lower case, punctuation and legal-form suffixes dropped.
CREATE TABLE IF NOT EXISTS companies (
    company_id String,
    name String,
    name_normalized String,
    registration_no String,
    jurisdiction {{.LowCardinalityString}},
    status {{.LowCardinalityString}},
    domains Array(String),
    aliases Array(String),
    file String,
    line UInt32,
    version UInt64,
    imported_at DateTime('UTC')
) ENGINE = ReplacingMergeTree(version) ORDER BY company_id;

-- Addresses a company registry names for a company.
CREATE TABLE IF NOT EXISTS company_addresses (
    chain {{.LowCardinalityString}},
    address String,
    company_id String,
    source String,
    file String,
    line UInt32,
    version UInt64,
    imported_at DateTime('UTC')
) ENGINE = ReplacingMergeTree(version) ORDER BY (chain, address, company_id);

-- Sanctioned addresses. list: ofac_sdn for the OFAC SDN digital-currency address lists; currency: the
-- list's asset as written (XBT, ETH, USDT …); entity and program when the source names them.
CREATE TABLE IF NOT EXISTS sanctions (
    chain {{.LowCardinalityString}},
    address String,
    list {{.LowCardinalityString}},
    currency {{.LowCardinalityString}},
    entity String,
    program String,
    file String,
    line UInt32,
    version UInt64,
    imported_at DateTime('UTC')
) ENGINE = ReplacingMergeTree(version) ORDER BY (chain, address, list, currency);

-- One row per file per import run, written after the file's rows are stored, counted and the rows of its
-- earlier imports removed. kind: companies, tags, actors or sanctions; the newest version per (kind, file)
-- is the file's current import.
CREATE TABLE IF NOT EXISTS offchain_imports (
    kind {{.LowCardinalityString}},
    file String,
    path String,
    format {{.LowCardinalityString}},
    sha256 String,
    rows_loaded UInt64,
    rows_rejected UInt64,
    rows_skipped UInt64,
    rows_duplicate UInt64,
    version UInt64,
    imported_at DateTime('UTC')
) ENGINE = ReplacingMergeTree(version) ORDER BY (kind, file, version);
