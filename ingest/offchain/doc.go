// Package offchain imports off-chain identities into ClickHouse: who is
// behind an address, according to company registries, GraphSense's tag and
// actor collections and the OFAC sanctions lists (DESIGN.md §7). Attribution
// (address → cluster → tags → actor → company) reads what it writes.
//
// What comes in, one file per format:
//
//   - Company registries (companies_csv.go, companies_json.go): company_id,
//     name, registration_no, jurisdiction, status, domains, aliases and
//     addresses as chain:address; CSV exactly as `chainsleuth simulate`
//     writes companies.csv (lists separated by ";"), or a JSON array of
//     objects with the same fields (lists as arrays or ";" strings). Written
//     to companies (with a normalised name, NormalizeName, and normalised
//     domains) and company_addresses.
//   - GraphSense TagPacks and ActorPacks (tagpack.go): YAML with a header
//     whose fields (label, category, currency, confidence, source, actor,
//     abuse, lastmod, is_cluster_definer) every tag inherits unless it has
//     its own, then `tags:`; an ActorPack has `actors:` (id, label,
//     categories, jurisdictions, uri, aliases, context). Confidence ids keep
//     GraphSense's 0–100 level (ConfidenceLevels). The currency says the
//     chain (ChainForCurrency): BTC is btc, ETH is eth, USDT and USDC on 0x
//     addresses are eth; any other currency is skipped with its reason.
//   - Plain CSV tags (tags_csv.go): chain,address,label,category,source, and
//     actor, confidence, abuse when present.
//   - OFAC SDN digital-currency address lists (ofac.go): one file per asset,
//     sanctioned_addresses_XBT.txt (an address a line) or .json (an array),
//     the asset read from the name; written to sanctions with list ofac_sdn.
//
// Addresses are checked and normalised per chain (address.go): Bitcoin with
// btcd's address decoding for one network (mainnet unless told otherwise;
// the simulator's worlds are regtest) and re-encoded as the ingest stores
// them, Ethereum as 0x and 40 hex digits, folded to lower case.
//
// What can go wrong, and what happens:
//
//   - A malformed row (bad address, unknown chain, no label, a CSV record
//     with a stray quote or the wrong number of fields, a company with one
//     bad address) is rejected and reported with its file, line and reason;
//     the file's good rows still load. A row repeating one already loaded
//     in the same run is counted as a duplicate. A row for a chain
//     chainsleuth does not ingest is skipped, counted by reason.
//   - A file that cannot be read or parsed at all (invalid YAML or JSON, a
//     CSV without the required header columns) loads nothing and is
//     reported; an earlier import of it stays as it was. The other files of
//     the run still load.
//   - Nothing is half-written. Every row carries its file's base name and
//     the run's version (a nanosecond timestamp). A run writes each file's
//     rows, then counts per file what landed at its version (FINAL) against
//     what was sent, deletes the rows of files that came up short and the
//     rows earlier imports of the committed files left behind (mutations,
//     only when there are such rows), and writes one offchain_imports row
//     per committed file, last: that row is the commit. Tables are
//     ReplacingMergeTree(version) on natural keys, so a chunk the store
//     retried, or a file imported again, replaces rows and never doubles
//     them. If ClickHouse fails mid-run the run deletes what it wrote, as
//     far as the server lets it; whatever stays has no log row, and the next
//     import of the same file deletes it (version older than its own).
//     Readers that must see committed imports only keep rows whose (file,
//     version) is in offchain_imports.
//
// We chose keyed rows plus a delete of older versions over staging tables
// and a swap: ClickHouse 18.16 has no transactions and no atomic exchange
// of tables, and a staging copy would double the writes of the 500k-row
// TagPack import for no stronger guarantee than the commit row gives.
//
// A file is identified by its base name: importing packs/ofac.yaml again
// from another directory replaces its earlier rows; files of one run that
// share a name are all refused (rename them), since there is no telling
// which one should replace the earlier import.
package offchain
