// Package simulate builds a labelled fundraising world on real regtest nodes: the data behind the tests,
// the demo and the benchmarks of clustering, detection, scoring and attribution.
//
// What goes in: a seed, a scale and a node per chain (a regtest btcd over JSON-RPC, the Ethereum dev chain
// of internal/devnet over JSON-RPC; either may be left out). What comes out: transactions on those chains,
// spread over many blocks, made by actors whose identity is known — and that identity written down as the
// ground truth (truth.json: every entity, the addresses and contracts it controls, whether it raises funds,
// the company behind it) and as a company registry (companies.csv, the format `chainsleuth import
// companies` reads).
//
// The actors:
//   - retail users with several addresses each, who pay each other, buy and sell at exchanges, spend with
//     change (to fresh addresses and to reused ones), join CoinJoins, pay the collectors and buy tokens;
//   - exchanges, with one deposit address per customer (and per chain), swept into a hot wallet (Bitcoin:
//     consolidations of many deposit outputs; Ethereum: each deposit forwarded within a few blocks, amount
//     minus the fee, stablecoin deposits after a gas top-up), and batched withdrawals from the hot wallet;
//   - an OTC desk (an unlicensed domestic exchange) taking payments from many users and settling with an
//     exchange through its deposit address there;
//   - Ponzi-like collectors on both chains: small payments in from payers whose number grows fast over
//     time, part of later inflows paid out to earlier payers, cash-outs to an exchange;
//   - token sales on Ethereum: a crowdsale contract minting an ERC-20 to buyers paying ETH and forwarding
//     the ETH to a treasury, and a "manual" sale where one EOA collects ETH or the stablecoin and another
//     EOA later sends the tokens;
//   - an airdrop: a distributor sending equal token amounts to many addresses, and farmers whose many
//     addresses forward what they got to one collector;
//   - CoinJoin rounds on Bitcoin: equal-value outputs from unrelated retail users, one input set each;
//   - companies behind the exchanges, the token sales, the collectors and the airdrop.
//
// Money enters the world from outside it: on Bitcoin from the node's mining address (key 0 of the
// simulator's wallet, see MiningAddress: btcd has no generatetoaddress, so the node must be started with
// --miningaddr set to it), on Ethereum from the dev chain's first prefunded account, and the stablecoin
// from an issuer key of the seed. These sources pay the exchanges and nobody else, and are no entity of
// the truth. Everyone else gets coins by withdrawing from an exchange.
//
// Determinism: every decision comes from math/rand/v2 PCG streams seeded from the seed (one for the plan,
// one per chain), from state the simulator keeps itself, in orders it fixes (slices, never map iteration,
// never the wall clock). Keys derive from the seed; Bitcoin fees come from an upper bound of the size
// (btcwallet.EstimateVSize), not from the signed size; Ethereum balances are kept with the fee cap, not the
// fee paid. So a seed gives the same transactions (up to txids, which depend on the node's coinbases)
// and byte for byte the same truth.json on fresh nodes, and a dry run (no nodes) writes that truth too.
//
// Timing: an actor only spends what was confirmed in an earlier round, and every round ends with a block
// on each chain (more on Ethereum when a round does not fit one). Rounds are the simulator's clock: the
// Ponzi collector's new payers per round grow geometrically, payouts and cash-outs come every few rounds,
// and the CoinJoins, the airdrop and the token sales have their own windows.
//
// What can go wrong: a node that refuses a transaction or a transaction that fails on chain (a bug here,
// or a chain that was used by something else meanwhile) stops the run with an error naming the
// transaction; a btcd not mining to MiningAddress is named at the start; an Ethereum key of the seed that
// already sent transactions (the seed was simulated on this chain before) is refused, since the contract
// addresses of the truth would no longer hold.
package simulate
