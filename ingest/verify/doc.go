// Package verify compares what a chain's sink stored in ClickHouse with the
// node it came from, block by block over a range of heights: every height
// stored exactly once and with the node's block hash, no transaction stored
// at two heights, and each per-height table holding as many rows as the
// block row says it should. Every chain (ingest/btc, ingest/eth) describes
// its tables in a Spec and shares this one definition of "consistent".
//
// What comes in: a Spec (SQL constants of the chain package, never user
// input), a store and a node. What goes out: a Report listing each Problem
// with its height, its kind (missing, stale, duplicate, count) and what to do.
// What can go wrong: the node or ClickHouse unreachable (an error, no report);
// a node behind the store (blocks above its tip are reported stale).
package verify
