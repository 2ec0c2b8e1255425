package main

import (
	"encoding/json"
	"fmt"
	"text/tabwriter"

	"github.com/urfave/cli/v2"

	"github.com/chainsleuth/chainsleuth/chain/bitcoin"
	"github.com/chainsleuth/chainsleuth/ingest/btc"
)

func verifyCommand() *cli.Command {
	return &cli.Command{
		Name:  "verify",
		Usage: "compare what is stored with the node: gaps, duplicates, stale blocks, row counts (exit 1 when any)",
		Subcommands: []*cli.Command{{
			Name:  "btc",
			Usage: "verify stored Bitcoin blocks against the node",
			Flags: []cli.Flag{
				&cli.Int64Flag{Name: "from", Usage: "first height", Value: 0},
				&cli.Int64Flag{Name: "to", Usage: "last height (default: the highest stored block)", Value: -1},
				&cli.StringFlag{Name: "format", Usage: "table or json", Value: "table"},
				&cli.StringFlag{Name: "btc-rpc", Usage: "node JSON-RPC URL http://user:pass@host:port", EnvVars: []string{"CHAINSLEUTH_BTC_RPC"}, Value: "http://127.0.0.1:8332"},
			},
			Action: func(c *cli.Context) error {
				format := c.String("format")
				if format != "table" && format != "json" {
					return usagef("--format %q: use table or json", format)
				}
				from, to := c.Int64("from"), c.Int64("to")
				if from < 0 || to < -1 || to >= 0 && to < from {
					return usagef("--from %d --to %d is not a range of heights", from, to)
				}
				node, err := bitcoin.Dial(c.Context, c.String("btc-rpc"))
				if err != nil {
					return err
				}
				defer node.Close()
				st, err := openStore(c, false)
				if err != nil {
					return err
				}
				defer st.Close()
				if err := st.CheckSchema(c.Context); err != nil {
					return err
				}
				if to < 0 {
					s, err := btc.ReadStats(c.Context, st)
					if err != nil {
						return err
					}
					to = s.MaxHeight
				}
				rep, err := btc.Verify(c.Context, st, node, from, to)
				if err != nil {
					return err
				}
				if format == "json" {
					if err := json.NewEncoder(c.App.Writer).Encode(rep); err != nil {
						return err
					}
				} else {
					fmt.Fprintf(c.App.Writer, "checked %d blocks %d-%d: %d problems\n", rep.Blocks, rep.From, rep.To, len(rep.Problems))
					w := tabwriter.NewWriter(c.App.Writer, 0, 0, 2, ' ', 0)
					for _, p := range rep.Problems {
						fmt.Fprintf(w, "%d\t%s\t%s\n", p.Height, p.Kind, p.Detail)
					}
					w.Flush()
				}
				if len(rep.Problems) > 0 {
					return fmt.Errorf("verify btc: %d problems in blocks %d-%d", len(rep.Problems), rep.From, rep.To)
				}
				return nil
			},
		}},
	}
}
