package main

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/chainsleuth/chainsleuth/heuristics/investigate"
)

// flowFlags are the flags of the commands that follow money between clusters.
func flowFlags(direction string, hops int, format, formats string) []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: "chain", Usage: "btc or eth (default: from the address's form; needed with a cluster id)"},
		&cli.StringFlag{Name: "direction", Usage: "out (where the money went), in (where it came from) or both", Value: direction},
		&cli.IntFlag{Name: "hops", Usage: "how many clusters away from the start", Value: hops},
		&cli.Float64Flag{Name: "min-value", Usage: "leave out edges moving less than this, in whole units of their asset (BTC, ETH, tokens)"},
		&cli.IntFlag{Name: "limit", Usage: "at most this many edges per hop (the most transfers first)", Value: 20},
		&cli.IntFlag{Name: "txids", Usage: "transaction ids listed per edge", Value: 3},
		&cli.StringFlag{Name: "format", Usage: formats, Value: format},
	}
}

// traceOptions reads the flow flags and the start (an address, or a cluster id with --chain).
func traceOptions(c *cli.Context, start string) (investigate.TraceOptions, error) {
	o := investigate.TraceOptions{Chain: c.String("chain"), Direction: c.String("direction"), Hops: c.Int("hops"),
		MinValue: c.Float64("min-value"), Limit: c.Int("limit"), TxIDs: c.Int("txids")}
	switch o.Direction {
	case investigate.In, investigate.Out, investigate.Both:
	default:
		return o, usagef("--direction %q: use in, out or both", o.Direction)
	}
	if o.Hops < 1 || o.Hops > 10 {
		return o, usagef("--hops %d: use 1 to 10", o.Hops)
	}
	if o.Limit < 1 || o.TxIDs < 1 || o.MinValue < 0 {
		return o, usagef("--limit and --txids must be at least 1 and --min-value 0 or more")
	}
	if id, ok := investigate.ParseCluster(start); ok {
		if o.Chain == "" {
			return o, usagef("cluster id %d: give its chain with --chain btc|eth (cluster ids are per chain)", id)
		}
		o.Cluster = &id
	} else {
		o.Address = start
	}
	if o.Chain != "" && o.Chain != "btc" && o.Chain != "eth" {
		return o, usagef("--chain %q: use btc or eth", o.Chain)
	}
	if o.Cluster == nil {
		chainName, addr, err := investigate.Normalize(o.Chain, o.Address)
		if err != nil {
			return o, investigateErr(err)
		}
		o.Chain, o.Address = chainName, addr
	}
	return o, nil
}

func traceCommand() *cli.Command {
	return &cli.Command{
		Name:      "trace",
		Usage:     "follow the money from (or to) an address's cluster, hop by hop at cluster level, with amounts and transaction ids",
		ArgsUsage: "ADDRESS|CLUSTER_ID",
		Flags: append(flowFlags(investigate.Out, 2, "table", "table, json or csv (one row per edge)"),
			&cli.BoolFlag{Name: "wide", Usage: "show addresses and hashes whole (the table shortens them)"}),
		Action: traceAction,
	}
}

// runTrace reads the start argument and flags, and traces.
func runTrace(c *cli.Context, formats ...string) (*investigate.Flow, string, error) {
	start, err := oneArg(c, "address or cluster id")
	if err != nil {
		return nil, "", err
	}
	format, err := checkFormat(c, formats...)
	if err != nil {
		return nil, "", err
	}
	o, err := traceOptions(c, start)
	if err != nil {
		return nil, "", err
	}
	st, err := openCurrentStore(c)
	if err != nil {
		return nil, "", err
	}
	defer st.Close()
	f, err := investigate.Trace(c.Context, st, o)
	return f, format, investigateErr(err)
}

func traceAction(c *cli.Context) error {
	f, format, err := runTrace(c, "table", "json", "csv")
	if err != nil {
		return err
	}
	switch format {
	case "json":
		return json.NewEncoder(c.App.Writer).Encode(f)
	case "csv":
		return writeEdgesCSV(c.App.Writer, f)
	}
	return writeFlow(c.App.Writer, f, c.Bool("wide"))
}

func writeEdgesCSV(out io.Writer, f *investigate.Flow) error {
	w := csv.NewWriter(out)
	_ = w.Write([]string{"chain", "hop", "from_cluster", "to_cluster", "asset", "unit", "transfers", "value", "first_time", "last_time", "txids"})
	for _, e := range f.Edges {
		_ = w.Write([]string{f.Chain, strconv.Itoa(e.Hop), strconv.FormatUint(uint64(e.From), 10), strconv.FormatUint(uint64(e.To), 10),
			e.Asset, e.Unit, strconv.FormatUint(e.Transfers, 10), investigate.FormatValue(e.Value),
			e.FirstTime.Format(time.RFC3339), e.LastTime.Format(time.RFC3339), strings.Join(e.TxIDs, " ")})
	}
	w.Flush()
	return w.Error()
}

func writeFlow(out io.Writer, f *investigate.Flow, wide bool) error {
	start := fmt.Sprintf("%s cluster %d", f.Chain, f.Root)
	if f.Address != "" {
		start += " (of " + f.Address + ")"
	}
	fmt.Fprintf(out, "trace %s from %s: %d hops, min value %s, at most %d edges per hop\n\n", f.Direction, start, f.Hops, investigate.FormatValue(f.MinValue), f.Limit)
	if len(f.Edges) == 0 {
		fmt.Fprintln(out, "no flows to or from other clusters")
	} else {
		w := tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
		fmt.Fprintln(w, "hop\tfrom\tto\tamount\ttransfers\tfirst\tlast\ttxids")
		for _, e := range f.Edges {
			fmt.Fprintf(w, "%d\t%d\t%d\t%s\t%d\t%s\t%s\t%s\n", e.Hop, e.From, e.To, amount(e.Value, e.Unit, wide), e.Transfers,
				e.FirstTime.Format("2006-01-02 15:04"), e.LastTime.Format("2006-01-02 15:04"), joinShort(e.TxIDs, wide))
		}
		if err := w.Flush(); err != nil {
			return err
		}
	}
	if f.Truncated {
		fmt.Fprintf(out, "(more edges than --limit %d in some hop: raise --limit or --min-value)\n", f.Limit)
	}
	fmt.Fprintln(out, "\nclusters:")
	w := tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
	fmt.Fprintln(w, "  cluster\taddresses\tscore\tkind\tcompany or actor")
	for _, n := range f.Nodes {
		score, kind, who := "-", "-", "-"
		if n.Score != nil {
			score = fmt.Sprintf("%.1f", n.Score.Score)
			kind = firstOf(n.Score.Kind)
		}
		switch {
		case len(n.Companies) > 0:
			who = n.Companies[0].CompanyID + " " + n.Companies[0].Name
		case n.Actor != nil:
			who = firstOf(n.Actor.Label, n.Actor.ID)
		case n.Score != nil && n.Score.Company != "":
			who = n.Score.Company
		}
		fmt.Fprintf(w, "  %d\t%d\t%s\t%s\t%s\n", n.ClusterID, n.Size, score, kind, who)
	}
	return w.Flush()
}

func exportCommand() *cli.Command {
	return &cli.Command{
		Name:  "export",
		Usage: "export for other tools",
		Subcommands: []*cli.Command{{
			Name:      "graph",
			Usage:     "the flow graph around an address's cluster or a cluster, for Graphviz (dot), Gephi (gexf) or JSON",
			ArgsUsage: "ADDRESS|CLUSTER_ID",
			Flags:     flowFlags(investigate.Both, 2, "dot", "dot, gexf or json"),
			Action: func(c *cli.Context) error {
				f, format, err := runTrace(c, "dot", "gexf", "json")
				if err != nil {
					return err
				}
				switch format {
				case "gexf":
					return investigate.WriteGEXF(c.App.Writer, f)
				case "json":
					return json.NewEncoder(c.App.Writer).Encode(f)
				}
				return investigate.WriteDOT(c.App.Writer, f)
			},
		}},
	}
}
