package main

import (
	"fmt"
	"io"
	"log/slog"
	"sort"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/chainsleuth/chainsleuth/internal/simulate"
)

func simulateCommand() *cli.Command {
	return &cli.Command{
		Name:  "simulate",
		Usage: "drive regtest btcd and the Ethereum dev chain with a labelled fundraising world; write its truth",
		Description: `Builds a world of retail users, exchanges, an OTC desk, Ponzi-like collectors, token sales, an airdrop
with its farmers and CoinJoin rounds on the nodes given (either may be left out), and writes who
controls what to --truth (truth.json) and the companies behind them to --companies (the CSV that
'chainsleuth import companies' reads). The same --seed gives the same world and the same truth.

Bitcoin: btcd has no generatetoaddress, so the node must mine to the seed's own address. Start it with
  BTCD_MINING_ADDR=$(chainsleuth simulate --print-mining-address --seed N) scripts/btcd.sh start
Ethereum: the dev chain (bin/devnet eth); its first prefunded account pays the exchanges.
Use fresh nodes for each seed: a seed already simulated on an Ethereum chain is refused.`,
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "btc-rpc", Usage: "regtest btcd JSON-RPC URL http://user:pass@host:port (empty: no Bitcoin)", EnvVars: []string{"CHAINSLEUTH_BTC_RPC"}},
			&cli.StringFlag{Name: "eth-rpc", Usage: "Ethereum dev chain JSON-RPC URL http://host:port (empty: no Ethereum)", EnvVars: []string{"CHAINSLEUTH_ETH_RPC"}},
			&cli.Uint64Flag{Name: "seed", Usage: "the world's seed", Value: 1},
			&cli.StringFlag{Name: "scale", Usage: "small, medium (≥ 20,000 transactions) or large", Value: string(simulate.Small)},
			&cli.StringFlag{Name: "truth", Usage: "where to write the ground truth (JSON)", Value: "truth.json"},
			&cli.StringFlag{Name: "companies", Usage: "where to write the company registry (CSV)", Value: "companies.csv"},
			&cli.BoolFlag{Name: "print-mining-address", Usage: "print the regtest address btcd must mine to for --seed, and exit"},
			&cli.BoolFlag{Name: "dry-run", Usage: "contact no node: write the truth a run on fresh nodes writes (for the chains whose flags are given, or both)"},
		},
		Action: runSimulate,
	}
}

func runSimulate(c *cli.Context) error {
	seed := c.Uint64("seed")
	if c.Bool("print-mining-address") {
		fmt.Fprintln(c.App.Writer, simulate.MiningAddress(seed))
		return nil
	}
	params, err := simulate.ParamsFor(simulate.Scale(c.String("scale")))
	if err != nil {
		return usagef("--scale: %v", err)
	}
	cfg := simulate.Config{Seed: seed, Params: params, Logger: slog.Default(), DryRun: c.Bool("dry-run")}
	if cfg.DryRun {
		cfg.BTC, cfg.ETH = c.String("btc-rpc") != "", c.String("eth-rpc") != ""
		if !cfg.BTC && !cfg.ETH {
			cfg.BTC, cfg.ETH = true, true
		}
	} else {
		cfg.BTCRPC, cfg.ETHRPC = c.String("btc-rpc"), c.String("eth-rpc")
		if cfg.BTCRPC == "" && cfg.ETHRPC == "" {
			return usagef("give --btc-rpc, --eth-rpc or both (or --dry-run)")
		}
	}
	if c.String("truth") == "" {
		return usagef("--truth must name a file")
	}
	slog.Info("simulate starting", "seed", seed, "scale", c.String("scale"), "btc", cfg.BTCRPC != "" || cfg.BTC, "eth", cfg.ETHRPC != "" || cfg.ETH, "dry_run", cfg.DryRun)
	res, err := simulate.Run(c.Context, cfg)
	if err != nil {
		return err
	}
	if err := res.WriteFiles(c.String("truth"), c.String("companies")); err != nil {
		return err
	}
	printSummary(c.App.Writer, res, c.String("truth"), c.String("companies"))
	return nil
}

func printSummary(w io.Writer, res *simulate.Result, truthPath, companiesPath string) {
	kinds := map[string]int{}
	for _, e := range res.Truth.Entities {
		kinds[e.Kind]++
	}
	var ks []string
	for k, n := range kinds {
		ks = append(ks, fmt.Sprintf("%s %d", k, n))
	}
	sort.Strings(ks)
	fmt.Fprintf(w, "simulated seed %d in %s: %d entities (%s), %d companies\n",
		res.Truth.Seed, res.Elapsed.Round(1e7), len(res.Truth.Entities), strings.Join(ks, ", "), len(res.Truth.Companies))
	if b := res.BTC; b != nil {
		fmt.Fprintf(w, "btc: %d transactions in blocks %d-%d (%d rounds, %s): %s\n",
			b.Txs, b.FirstHeight, b.LastHeight, b.Blocks, b.Elapsed.Round(1e7), activities(b.TxsByActivity))
	}
	if e := res.ETH; e != nil {
		fmt.Fprintf(w, "eth: %d transactions in blocks %d-%d (%d rounds, %s): %s\n",
			e.Txs, e.FirstBlock, e.LastBlock, e.Blocks, e.Elapsed.Round(1e7), activities(e.TxsByActivity))
	}
	fmt.Fprintf(w, "truth: %s\n", truthPath)
	if companiesPath != "" {
		fmt.Fprintf(w, "companies: %s\n", companiesPath)
	}
}

func activities(m map[string]int) string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	for i, k := range ks {
		ks[i] = fmt.Sprintf("%s %d", k, m[k])
	}
	return strings.Join(ks, ", ")
}
