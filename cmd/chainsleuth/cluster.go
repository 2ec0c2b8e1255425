package main

import (
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/urfave/cli/v2"

	"github.com/chainsleuth/chainsleuth/heuristics/cluster"
	"github.com/chainsleuth/chainsleuth/ingest/store"
)

func clusterCommand() *cli.Command {
	return &cli.Command{
		Name:  "cluster",
		Usage: "link addresses into wallet clusters (incremental: only blocks since the last run)",
		Description: "Heuristics: " + strings.Join(cluster.AllHeuristics, ", ") + ". Default: " +
			strings.Join(cluster.DefaultHeuristics, ",") + " (change evidence is recorded either way, and merges only when named).",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "chain", Usage: "btc, eth or all", Value: "all"},
			&cli.StringFlag{Name: "heuristics", Usage: "comma-separated heuristics that merge clusters", Value: strings.Join(cluster.DefaultHeuristics, ",")},
			&cli.BoolFlag{Name: "full", Usage: "rebuild the chain's clusters from scratch"},
			&cli.IntFlag{Name: "guard-size", Usage: "super-cluster guard: hold weak links between two clusters of at least this size (0: off)", Value: cluster.DefaultGuardParams().MinSize},
			&cli.IntFlag{Name: "chunk-blocks", Usage: "blocks read and linked at a time", Value: 200},
			&cli.StringFlag{Name: "format", Usage: "table or json", Value: "table"},
		},
		Action: clusterAction,
		Subcommands: []*cli.Command{
			{
				Name:      "show",
				Usage:     "one cluster: its size, addresses and the evidence that built it",
				ArgsUsage: "ADDRESS|CLUSTER_ID",
				Flags: []cli.Flag{
					&cli.StringFlag{Name: "chain", Usage: "btc or eth (default: from the address's form; btc for an id)"},
					&cli.IntFlag{Name: "limit", Usage: "at most this many addresses and links", Value: 100},
					&cli.StringFlag{Name: "format", Usage: "table or json", Value: "table"},
				},
				Action: clusterShowAction,
			},
			{
				Name:  "export",
				Usage: "every address of a chain with its cluster id, as CSV (chain,address,cluster_id)",
				Flags: []cli.Flag{
					&cli.StringFlag{Name: "chain", Usage: "btc or eth", Required: true},
					&cli.StringFlag{Name: "format", Usage: "csv", Value: "csv"},
				},
				Action: clusterExportAction,
			},
		},
	}
}

func clusterAction(c *cli.Context) error {
	if c.Args().Len() > 0 {
		return usagef("cluster: unexpected argument %q (subcommands: show, export)", c.Args().First())
	}
	chains, err := selectChains(c, cluster.Chains())
	if err != nil {
		return err
	}
	format, err := checkFormat(c, "table", "json")
	if err != nil {
		return err
	}
	cfg := cluster.DefaultConfig()
	cfg.Heuristics = nil
	for _, h := range strings.Split(c.String("heuristics"), ",") {
		if h = strings.TrimSpace(h); h == "" {
			continue
		}
		if !slices.Contains(cluster.AllHeuristics, h) {
			return usagef("--heuristics: unknown heuristic %q (use %s)", h, strings.Join(cluster.AllHeuristics, ","))
		}
		cfg.Heuristics = append(cfg.Heuristics, h)
	}
	if c.Int("guard-size") < 0 || c.Int("chunk-blocks") <= 0 {
		return usagef("--guard-size must be 0 or more and --chunk-blocks more than 0")
	}
	cfg.Guard.MinSize, cfg.ChunkBlocks, cfg.Full = c.Int("guard-size"), c.Int("chunk-blocks"), c.Bool("full")
	st, err := openCurrentStore(c)
	if err != nil {
		return err
	}
	defer st.Close()
	rec := newRecorder(st)
	var results []*cluster.Result
	for _, ch := range chains {
		res, err := cluster.Run(c.Context, st, rec, ch, cfg)
		if err != nil {
			return err
		}
		results = append(results, res)
	}
	if format == "json" {
		return json.NewEncoder(c.App.Writer).Encode(results)
	}
	w := tabwriter.NewWriter(c.App.Writer, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(w, "chain\trun\tfrom\tto\tblocks\taddresses\tnew\tevidence\tmerges\theld\tcoinjoins\tclusters\tlargest\t")
	for _, r := range results {
		fmt.Fprintf(w, "%s\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t\n", r.Chain, r.RunID, r.From, r.To, r.Blocks,
			r.Addresses, r.NewAddresses, r.Evidence, r.Merges, r.Held, r.CoinJoins, r.Clusters, r.Largest)
	}
	return w.Flush()
}

// chainOf guesses the chain of an address: 0x-hex is Ethereum, anything else Bitcoin.
func chainOf(addressOrID string) string {
	if strings.HasPrefix(strings.ToLower(addressOrID), "0x") {
		return "eth"
	}
	return "btc"
}

// trailingFlags applies flags written after the positional arguments (`cluster show ADDRESS --format
// json`; the CLI library stops parsing flags at the first argument) and returns the positional ones.
func trailingFlags(c *cli.Context) ([]string, error) {
	var pos []string
	args := c.Args().Slice()
	for i := 0; i < len(args); i++ {
		a := args[i]
		if !strings.HasPrefix(a, "-") || a == "-" {
			pos = append(pos, a)
			continue
		}
		name, value, hasValue := strings.Cut(strings.TrimLeft(a, "-"), "=")
		if !hasValue && isBoolFlag(c, name) {
			value, hasValue = "true", true
		}
		if !hasValue {
			if i+1 == len(args) {
				return nil, usagef("flag needs an argument: %s", a)
			}
			i++
			value = args[i]
		}
		if err := c.Set(name, value); err != nil {
			return nil, usagef("flag %s: %v", a, err)
		}
	}
	return pos, nil
}

// isBoolFlag tells whether the command's flag name is a switch (--wide), which takes no value.
func isBoolFlag(c *cli.Context, name string) bool {
	for _, f := range c.Command.Flags {
		if b, ok := f.(*cli.BoolFlag); ok && slices.Contains(b.Names(), name) {
			return true
		}
	}
	return false
}

func clusterShowAction(c *cli.Context) error {
	pos, err := trailingFlags(c)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usagef("cluster show: give one address or cluster id")
	}
	arg := pos[0]
	chain := c.String("chain")
	if chain == "" {
		chain = chainOf(arg)
	}
	if !slices.Contains(cluster.Chains(), chain) {
		return usagef("--chain %q: use btc or eth", chain)
	}
	if chain == "eth" {
		arg = strings.ToLower(arg)
	}
	format := c.String("format")
	if format != "table" && format != "json" {
		return usagef("--format %q: use table or json", format)
	}
	if c.Int("limit") <= 0 {
		return usagef("--limit %d: must be more than 0", c.Int("limit"))
	}
	st, err := openCurrentStore(c)
	if err != nil {
		return err
	}
	defer st.Close()
	v, err := cluster.Show(c.Context, st, chain, arg, c.Int("limit"))
	if err != nil {
		return err
	}
	if format == "json" {
		return json.NewEncoder(c.App.Writer).Encode(v)
	}
	fmt.Fprintf(c.App.Writer, "chain %s  cluster %d  size %d\n\naddresses (%d shown):\n", v.Chain, v.ClusterID, v.Size, len(v.Addresses))
	for _, a := range v.Addresses {
		fmt.Fprintln(c.App.Writer, "  "+a)
	}
	fmt.Fprintf(c.App.Writer, "\nevidence (%d shown):\n", len(v.Evidence))
	w := tabwriter.NewWriter(c.App.Writer, 0, 0, 2, ' ', 0)
	fmt.Fprintln(w, "  heuristic\ttx\tconfidence\ta\tb")
	for _, e := range v.Evidence {
		fmt.Fprintf(w, "  %s\t%s\t%s\t%s\t%s\n", e.Heuristic, e.Tx, strconv.FormatFloat(e.Confidence, 'f', -1, 64), e.A, e.B)
	}
	return w.Flush()
}

func clusterExportAction(c *cli.Context) error {
	chain := c.String("chain")
	if !slices.Contains(cluster.Chains(), chain) {
		return usagef("--chain %q: use btc or eth", chain)
	}
	if f := c.String("format"); f != "csv" {
		return usagef("--format %q: export writes csv", f)
	}
	st, err := openCurrentStore(c)
	if err != nil {
		return err
	}
	defer st.Close()
	w := csv.NewWriter(c.App.Writer)
	if err := w.Write([]string{"chain", "address", "cluster_id"}); err != nil {
		return err
	}
	err = cluster.Export(c.Context, st, chain, func(a string, id uint32) error {
		return w.Write([]string{chain, a, strconv.FormatUint(uint64(id), 10)})
	})
	w.Flush()
	return errors.Join(err, w.Error())
}

// openCurrentStore opens the configured ClickHouse and checks its schema is current.
func openCurrentStore(c *cli.Context) (*store.Store, error) {
	st, err := openStore(c, false)
	if err != nil {
		return nil, err
	}
	if err := st.CheckSchema(c.Context); err != nil {
		st.Close()
		return nil, err
	}
	return st, nil
}
