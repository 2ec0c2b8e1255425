// Package scaledata generates large synthetic datasets straight into
// ClickHouse for the scale benchmarks (issue 8): transfers shaped like
// mainnet Bitcoin's — 3,000 per block, ten-minute blocks, addresses drawn
// from a pool of 50M — written with one INSERT … SELECT over numbers() so no
// client time is spent. The materialized view fills transfers_by_address as
// it would during ingest.
package scaledata
