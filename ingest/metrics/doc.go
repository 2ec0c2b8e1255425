// Package metrics exposes ingest counters in the Prometheus text format on
// an optional HTTP listener (--metrics-addr), with no dependency beyond the
// standard library: blocks, transactions and batches committed, the last
// committed height, the target height, and commit errors, labelled by chain.
package metrics
