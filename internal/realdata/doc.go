// Package realdata finds the shared directory of real Bitcoin and Ethereum
// mainnet data that tests run against (blocks, recorded node answers, labels;
// see shared/realdata/README.md) and reads raw Bitcoin blocks out of it.
//
// The directory is named by CHAINSLEUTH_REALDATA or found by walking up from
// the working directory to a parent that holds shared/realdata (the checkout
// lives beside shared/ on development machines and in CI). Tests call Dir,
// which skips when the data is absent and fails instead when CI=true, so a
// green CI run always means the real-data tests ran.
//
// Raw blocks are located through derived/bitcoin-blocks.index.jsonl, which
// gives for every block the file that holds it, the file's compression (bzip2
// or none), the framing (raw block, or blk files: magic + length + block) and
// the block's offset and length in the decompressed file. Decompressed files
// are cached in memory by a Blocks value, so reading many blocks of one bzip2
// file decompresses it once.
package realdata
