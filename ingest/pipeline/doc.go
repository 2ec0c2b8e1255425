// Package pipeline is the chain-agnostic ingest loop shared by every
// connector: plan a range of heights, fetch blocks with N workers, put them
// back in order, commit them in large batches, advance a checkpoint.
//
// A Source reads a node (blocks, hashes, the tip); a Sink writes a store
// (rows, checkpoint, rollback). The pipeline owns the guarantees:
//
//   - Crash safety: a Sink commits a batch's rows first and its checkpoint
//     last. On start, rows above the checkpoint (a crashed batch) are rolled
//     back before anything else, so a rerun after kill -9 ends with tables
//     equal to a clean run's: no gap, no double.
//   - Reorgs: only blocks at least Confirmations deep are ingested. Before
//     every range, and whenever a fetched block does not link to the one
//     before it, the stored tip's hash is compared with the node's; on a
//     mismatch the pipeline walks back to the fork point, rolls back
//     everything above it and ingests the new canonical chain.
//   - Order: blocks are committed strictly in height order, so a Sink may
//     rely on every earlier block being stored (Bitcoin prevouts do).
package pipeline
