package main

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/urfave/cli/v2"

	"github.com/chainsleuth/chainsleuth/ingest/btc"
	"github.com/chainsleuth/chainsleuth/ingest/eth"
	"github.com/chainsleuth/chainsleuth/ingest/store"
)

func statsCommand() *cli.Command {
	return &cli.Command{
		Name:  "stats",
		Usage: "exact, deduplicated counts of what is stored",
		Subcommands: []*cli.Command{
			statsSubcommand("btc", "blocks, transactions, inputs (without coinbase inputs), outputs and the highest block",
				btc.ReadStats, func(s btc.Stats) ([]string, []any) {
					return []string{"blocks", "txs", "inputs", "outputs", "max_height"},
						[]any{s.Blocks, s.Txs, s.Inputs, s.Outputs, s.MaxHeight}
				}),
			statsSubcommand("eth", "blocks, transactions, logs, token transfers, traces and the highest block",
				eth.ReadStats, func(s eth.Stats) ([]string, []any) {
					return []string{"blocks", "txs", "logs", "token_transfers", "traces", "max_height"},
						[]any{s.Blocks, s.Txs, s.Logs, s.TokenTransfers, s.Traces, s.MaxHeight}
				}),
		},
	}
}

// statsSubcommand prints one chain's stats as JSON (the struct's own field
// names) or as a table of the given columns.
func statsSubcommand[S any](name, usage string, read func(context.Context, *store.Store) (S, error),
	table func(S) ([]string, []any)) *cli.Command {
	return &cli.Command{
		Name:  name,
		Usage: usage,
		Flags: []cli.Flag{&cli.StringFlag{Name: "format", Usage: "table or json", Value: "table"}},
		Action: func(c *cli.Context) error {
			if f := c.String("format"); f != "table" && f != "json" {
				return usagef("--format %q: use table or json", f)
			}
			st, err := openStore(c, false)
			if err != nil {
				return err
			}
			defer st.Close()
			if err := st.CheckSchema(c.Context); err != nil {
				return err
			}
			s, err := read(c.Context, st)
			if err != nil {
				return err
			}
			if c.String("format") == "json" {
				return json.NewEncoder(c.App.Writer).Encode(s)
			}
			cols, vals := table(s)
			w := tabwriter.NewWriter(c.App.Writer, 0, 0, 2, ' ', tabwriter.AlignRight)
			fmt.Fprintf(w, "%s\t\n", strings.Join(cols, "\t"))
			for _, v := range vals {
				fmt.Fprintf(w, "%v\t", v)
			}
			fmt.Fprintln(w)
			return w.Flush()
		},
	}
}
