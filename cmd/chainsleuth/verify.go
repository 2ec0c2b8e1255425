package main

import (
	"encoding/json"
	"fmt"
	"text/tabwriter"

	"github.com/urfave/cli/v2"

	"github.com/chainsleuth/chainsleuth/chain/ethereum"
	"github.com/chainsleuth/chainsleuth/ingest/btc"
	"github.com/chainsleuth/chainsleuth/ingest/eth"
	"github.com/chainsleuth/chainsleuth/ingest/store"
	"github.com/chainsleuth/chainsleuth/ingest/verify"
)

func verifyCommand() *cli.Command {
	rangeFlags := func(node ...cli.Flag) []cli.Flag {
		return append([]cli.Flag{
			&cli.Int64Flag{Name: "from", Usage: "first height", Value: 0},
			&cli.Int64Flag{Name: "to", Usage: "last height (default: the highest stored block)", Value: -1},
			&cli.StringFlag{Name: "format", Usage: "table or json", Value: "table"},
		}, node...)
	}
	return &cli.Command{
		Name:  "verify",
		Usage: "compare what is stored with the node: gaps, duplicates, stale blocks, row counts (exit 1 when any)",
		Subcommands: []*cli.Command{{
			Name:  "btc",
			Usage: "verify stored Bitcoin blocks against the node (btc_txs, btc_inputs, btc_outputs per block)",
			Flags: rangeFlags(btcNodeFlags()...),
			Action: func(c *cli.Context) error {
				return runVerify(c, "btc", func(st *store.Store, from, to int64) (verify.Report, error) {
					node, err := dialBTC(c)
					if err != nil {
						return verify.Report{}, err
					}
					defer node.Close()
					if to < 0 {
						s, err := btc.ReadStats(c.Context, st)
						if err != nil {
							return verify.Report{}, err
						}
						to = s.MaxHeight
					}
					return btc.Verify(c.Context, st, node, from, to)
				})
			},
		}, {
			Name:  "eth",
			Usage: "verify stored Ethereum blocks against the node (eth_txs, eth_logs, eth_traces per block)",
			Flags: rangeFlags(ethNodeFlags()...),
			Action: func(c *cli.Context) error {
				return runVerify(c, "eth", func(st *store.Store, from, to int64) (verify.Report, error) {
					node, err := dialEth(c, ethereum.TracesOff)
					if err != nil {
						return verify.Report{}, err
					}
					defer node.Close()
					if to < 0 {
						s, err := eth.ReadStats(c.Context, st)
						if err != nil {
							return verify.Report{}, err
						}
						to = s.MaxHeight
					}
					return eth.Verify(c.Context, st, node, from, to)
				})
			},
		}},
	}
}

// runVerify checks the flags, opens the store, runs check (to is -1 for the
// highest stored block) and prints its report; any problem is an error.
func runVerify(c *cli.Context, chainName string, check func(st *store.Store, from, to int64) (verify.Report, error)) error {
	format, err := checkFormat(c, "table", "json")
	if err != nil {
		return err
	}
	from, to := c.Int64("from"), c.Int64("to")
	if from < 0 || to < -1 || to >= 0 && to < from {
		return usagef("--from %d --to %d is not a range of heights", from, to)
	}
	st, err := openCurrentStore(c)
	if err != nil {
		return err
	}
	defer st.Close()
	rep, err := check(st, from, to)
	if err != nil {
		return err
	}
	switch {
	case format == "json":
		if err := json.NewEncoder(c.App.Writer).Encode(rep); err != nil {
			return err
		}
	case rep.To < rep.From:
		fmt.Fprintf(c.App.Writer, "no %s blocks stored: nothing to check\n", chainName)
	default:
		fmt.Fprintf(c.App.Writer, "checked %d blocks %d-%d: %d problems\n", rep.Blocks, rep.From, rep.To, len(rep.Problems))
		w := tabwriter.NewWriter(c.App.Writer, 0, 0, 2, ' ', 0)
		for _, p := range rep.Problems {
			fmt.Fprintf(w, "%d\t%s\t%s\n", p.Height, p.Kind, p.Detail)
		}
		w.Flush()
	}
	if len(rep.Problems) > 0 {
		return fmt.Errorf("verify %s: %d problems in blocks %d-%d", chainName, len(rep.Problems), rep.From, rep.To)
	}
	return nil
}
