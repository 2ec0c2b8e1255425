// Command devnet runs chainsleuth's development chains for tests, the demo and the simulator.
//
//	devnet eth --http 127.0.0.1:8545 [--datadir DIR] [--accounts N] [--auto-seal]
//
// runs an in-process go-ethereum chain (chain id 1337, Cancun and Prague, archive state, debug_trace* with
// callTracer, dev_mine and dev_mineMany to seal blocks) until SIGINT or SIGTERM. Once it answers JSON-RPC
// it prints exactly one line on stdout,
//
//	devnet eth ready: http://127.0.0.1:8545 chain_id=1337
//
// and then the prefunded accounts and their private keys on stderr. Those keys are public: they are for
// the dev chain only.
//
// Exit codes: 0 after a clean stop, 1 error, 2 usage error.
package main
