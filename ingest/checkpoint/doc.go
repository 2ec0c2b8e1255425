// Package checkpoint keeps one chain's ingest position in ClickHouse and the
// operations that protect it: reading and advancing the checkpoint, reading
// the stored block hash at a height (for reorg checks), rolling back every row
// at or above a height, and verifying that a committed range holds exactly
// the rows that were sent. Every chain's sink builds on it, so Bitcoin and
// Ethereum share one definition of "committed".
//
// The checkpoint is a log (ingest_checkpoints, one row per commit, the
// newest by version wins), written only after a batch's rows are stored and
// counted. Rows above it belong to a batch that never finished; Rollback
// removes them with mutations, issued together and then awaited.
package checkpoint
