// Package devnet runs a real Ethereum chain inside the process, for tests, the demo and the simulator.
//
// It is go-ethereum itself, assembled the way geth's simulated backend and `geth --dev` are: a node.Node
// serving JSON-RPC over HTTP on loopback, the eth service on top, the tracers (debug_traceBlockByNumber,
// debug_traceTransaction with the native callTracer, prestateTracer, …) and a simulated beacon client
// (catalyst.SimulatedBeacon) that turns the pool into blocks through the Engine API. What comes out is
// exactly what chainsleuth's Ethereum reader sees on a real node: blocks with full transactions,
// eth_getBlockReceipts, logs, call traces with internal value transfers and contract creations.
//
// The chain is chainsleuth's own, not geth --dev's (which switches on forks that mainnet has not reached):
// chain id 1337, every fork up to Cancun and Prague active from genesis, a 60M gas limit, and Config.Accounts
// prefunded accounts with deterministic keys (Keccak256("chainsleuth-devnet-<i>")), each holding
// 1,000,000 ETH. These keys are public: they are for this dev chain only.
//
// State is kept for every block (an archive node: hash state scheme, no pruning), so any old block can be
// traced. With Config.DataDir empty everything lives in memory and is gone on Close.
//
// Blocks are sealed on demand: Chain.Commit, or dev_mine / dev_mineMany(n) over JSON-RPC, seal one block
// with whatever the pool holds. With Config.AutoSeal a block is also sealed as soon as transactions arrive,
// like geth --dev with period 0. Blocks sealed faster than one a second get timestamps one second apart, so
// block time runs ahead of the wall clock after a burst.
//
// Contracts (contracts/*.sol, compiled by scripts/compile-contracts.sh; the ABI and bytecode are embedded)
// give tests the shapes the analytics must recognise: an ERC-20, a USDT-like stablecoin, an ERC-721, a
// crowdsale whose payment to its treasury exists only as an internal call, a factory that creates contracts,
// and a contract whose calls always fail. Deploy, Sender and FillBlocks drive them.
package devnet
