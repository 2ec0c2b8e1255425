package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"text/tabwriter"

	"github.com/urfave/cli/v2"

	"github.com/chainsleuth/chainsleuth/heuristics/attribute"
)

func attributeCommand() *cli.Command {
	return &cli.Command{
		Name:  "attribute",
		Usage: "attribute clusters to tagged actors and registry companies (by address, actor id, domain, normalised name), listing conflicts",
		Description: "Reads the clusters of the last cluster run and the committed imports (tags, actors, companies), and writes " +
			"cluster_actors, cluster_companies and attribution_conflicts under a new run (runs, job attribute).",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "chain", Usage: "btc, eth or all", Value: "all"},
			&cli.StringFlag{Name: "format", Usage: "table or json", Value: "table"},
		},
		Action: attributeAction,
	}
}

func attributeAction(c *cli.Context) error {
	if c.Args().Len() > 0 {
		return usagef("attribute: unexpected argument %q", c.Args().First())
	}
	chains, err := selectChains(c, attribute.Chains())
	if err != nil {
		return err
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
	rec := newRecorder(st)
	var results []*attribute.Result
	for _, ch := range chains {
		res, err := attribute.Run(c.Context, st, rec, ch, attribute.DefaultConfig())
		if errors.Is(err, attribute.ErrNoClusters) && len(chains) > 1 {
			slog.Warn("skipping a chain without clusters", "chain", ch, "err", err)
			continue
		}
		if err != nil {
			return err
		}
		results = append(results, res)
	}
	if len(results) == 0 {
		return fmt.Errorf("attribute: no chain has a finished cluster run: run `chainsleuth cluster` first")
	}
	if format == "json" {
		return json.NewEncoder(c.App.Writer).Encode(results)
	}
	w := tabwriter.NewWriter(c.App.Writer, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(w, "chain\trun\tcluster run\ttagged addrs\tregistry addrs\tclusters attributed\twith actor\twith company\tcompanies attached\tconflicts\t")
	for _, r := range results {
		fmt.Fprintf(w, "%s\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%d/%d\t%d\t\n", r.Chain, r.RunID, r.ClusterRun, r.TaggedAddresses,
			r.RegistryAddresses, r.ClustersAttributed, r.ClustersWithActor, r.ClustersWithCompany, r.CompaniesAttached, r.Companies, r.Conflicts)
	}
	return w.Flush()
}
