package main

import (
	"encoding/json"
	"fmt"
	"text/tabwriter"

	"github.com/urfave/cli/v2"

	"github.com/chainsleuth/chainsleuth/ingest/btc"
)

func statsCommand() *cli.Command {
	format := &cli.StringFlag{Name: "format", Usage: "table or json", Value: "table"}
	return &cli.Command{
		Name:  "stats",
		Usage: "exact, deduplicated counts of what is stored",
		Subcommands: []*cli.Command{
			{
				Name:  "btc",
				Usage: "blocks, transactions, inputs (without coinbase inputs), outputs and the highest block",
				Flags: []cli.Flag{format},
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
					s, err := btc.ReadStats(c.Context, st)
					if err != nil {
						return err
					}
					if c.String("format") == "json" {
						return json.NewEncoder(c.App.Writer).Encode(s)
					}
					w := tabwriter.NewWriter(c.App.Writer, 0, 0, 2, ' ', tabwriter.AlignRight)
					fmt.Fprintf(w, "blocks\ttxs\tinputs\toutputs\tmax_height\t\n%d\t%d\t%d\t%d\t%d\t\n", s.Blocks, s.Txs, s.Inputs, s.Outputs, s.MaxHeight)
					return w.Flush()
				},
			},
		},
	}
}
