package main

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/urfave/cli/v2"

	"github.com/chainsleuth/chainsleuth/heuristics/attribute"
)

func companyCommand() *cli.Command {
	return &cli.Command{
		Name:  "company",
		Usage: "registry companies and what attribution attached to them",
		Subcommands: []*cli.Command{
			{
				Name:      "show",
				Usage:     "one company: its clusters (chain, id, size, confidence, method), flows in and out, latest score, registry addresses",
				ArgsUsage: "ID|NAME",
				Flags: []cli.Flag{
					&cli.StringFlag{Name: "format", Usage: "table or json", Value: "table"},
				},
				Action: companyShowAction,
			},
		},
	}
}

func companyShowAction(c *cli.Context) error {
	pos, err := trailingFlags(c)
	if err != nil {
		return err
	}
	if len(pos) != 1 || strings.TrimSpace(pos[0]) == "" {
		return usagef("company show: give one company id or name (quote a name with spaces)")
	}
	format, err := checkFormat(c, "table", "json")
	if err != nil {
		return err
	}
	st, err := openCurrentStore(c)
	if err != nil {
		return err
	}
	defer st.Close()
	v, err := attribute.ShowCompany(c.Context, st, strings.TrimSpace(pos[0]))
	if err != nil {
		return err
	}
	if format == "json" {
		return json.NewEncoder(c.App.Writer).Encode(v)
	}
	out := c.App.Writer
	fmt.Fprintf(out, "%s  %s\n", v.CompanyID, v.Name)
	fmt.Fprintf(out, "registration %s  jurisdiction %s  status %s\n", dash(v.RegistrationNo), dash(v.Jurisdiction), dash(v.Status))
	fmt.Fprintf(out, "domains %s  aliases %s\n", dash(strings.Join(v.Domains, ", ")), dash(strings.Join(v.Aliases, ", ")))
	fmt.Fprintf(out, "\nclusters (%d):\n", len(v.Clusters))
	w := tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
	fmt.Fprintln(w, "  chain\tcluster\tsize\tconfidence\tmethod\tinflow\toutflow\tscore\tkind")
	for _, cl := range v.Clusters {
		score, kind := "-", "-"
		if cl.Score != nil {
			score, kind = strconv.FormatFloat(cl.Score.Score, 'f', 1, 64), dash(cl.Score.Kind)
		}
		fmt.Fprintf(w, "  %s\t%d\t%d\t%.2f\t%s\t%s\t%s\t%s\t%s\n", cl.Chain, cl.ClusterID, cl.Size, cl.Confidence,
			strings.Join(cl.Methods, ","), amounts(cl.Flows, true), amounts(cl.Flows, false), score, kind)
	}
	if err := w.Flush(); err != nil {
		return err
	}
	for _, cl := range v.Clusters {
		if cl.Score != nil && len(cl.Score.Reasons) > 0 {
			fmt.Fprintf(out, "\n%s cluster %d scored %.1f:\n", cl.Chain, cl.ClusterID, cl.Score.Score)
			for _, r := range cl.Score.Reasons {
				fmt.Fprintln(out, "  - "+r)
			}
		}
	}
	fmt.Fprintf(out, "\nregistry addresses (%d):\n", len(v.Addresses))
	w = tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
	fmt.Fprintln(w, "  chain\taddress\tcluster")
	for _, a := range v.Addresses {
		cl := "not seen"
		if a.ClusterID != nil {
			cl = strconv.FormatUint(uint64(*a.ClusterID), 10)
		}
		fmt.Fprintf(w, "  %s\t%s\t%s\n", a.Chain, a.Address, cl)
	}
	return w.Flush()
}

// amounts is a cluster's inflow or outflow per asset, with units ("1.5 BTC, 20 ETH"); token contracts
// are shortened.
func amounts(flows []attribute.Flow, in bool) string {
	var parts []string
	for _, f := range flows {
		v := f.Outflow
		if in {
			v = f.Inflow
		}
		if v == 0 {
			continue
		}
		asset := f.Asset
		if len(asset) > 12 {
			asset = asset[:6] + "…" + asset[len(asset)-4:]
		}
		num := strings.TrimRight(strings.TrimRight(strconv.FormatFloat(v, 'f', 8, 64), "0"), ".") // satoshi precision
		parts = append(parts, num+" "+asset)
	}
	return dash(strings.Join(parts, ", "))
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
