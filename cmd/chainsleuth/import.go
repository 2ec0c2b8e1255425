package main

import (
	"context"
	"encoding/json"
	"fmt"
	"text/tabwriter"

	"github.com/urfave/cli/v2"

	"github.com/chainsleuth/chainsleuth/chain/bitcoin"
	"github.com/chainsleuth/chainsleuth/ingest/offchain"
)

// importCommand loads off-chain identities: company registries, tags and
// actors, sanctions lists (ingest/offchain). Bad rows are reported with file,
// line and reason and the good rows load (exit 0); a file that loads nothing
// at all (unreadable, unparsable, not stored) makes the exit status 1.
func importCommand() *cli.Command {
	flags := func(extra ...cli.Flag) []cli.Flag {
		return append([]cli.Flag{
			&cli.StringFlag{Name: "format", Usage: "table or json", Value: "table"},
			&cli.IntFlag{Name: "problems", Usage: "list at most this many rejected rows", Value: 20},
			&cli.StringFlag{Name: "btc-network", Usage: "Bitcoin network addresses must belong to: main, test, testnet4, signet, regtest (simulator worlds) or simnet",
				EnvVars: []string{"CHAINSLEUTH_BTC_NETWORK"}, Value: "main"},
		}, extra...)
	}
	sub := func(name, usage, args string, extra []cli.Flag, run func(context.Context, *offchain.Importer, []string) (*offchain.Report, error)) *cli.Command {
		return &cli.Command{
			Name: name, Usage: usage, ArgsUsage: args, Flags: flags(extra...),
			Action: func(c *cli.Context) error {
				format := c.String("format")
				if format != "table" && format != "json" {
					return usagef("--format %q: use table or json", format)
				}
				if c.Int("problems") < 0 {
					return usagef("--problems %d: want 0 or more", c.Int("problems"))
				}
				if c.NArg() == 0 {
					return usagef("import %s: give %s", name, args)
				}
				params, err := bitcoin.ParamsForChain(c.String("btc-network"))
				if err != nil {
					return usagef("--btc-network: %v", err)
				}
				st, err := openStore(c, false)
				if err != nil {
					return err
				}
				defer st.Close()
				if err := st.CheckSchema(c.Context); err != nil {
					return err
				}
				im := offchain.New(st, offchain.Options{
					Addresser: offchain.Addresser{BTC: params},
					Currency:  c.String("currency"),
				})
				rep, runErr := run(c.Context, im, c.Args().Slice())
				if rep != nil {
					if err := printImport(c, rep, format, c.Int("problems")); err != nil {
						return err
					}
				}
				if runErr != nil {
					return runErr
				}
				if rep.FailedFile > 0 {
					return fmt.Errorf("import %s: %d of %d files loaded nothing (see the problems above)", name, rep.FailedFile, len(rep.Files))
				}
				return nil
			},
		}
	}
	return &cli.Command{
		Name:  "import",
		Usage: "load off-chain identities: company registries, tags and actors, sanctions lists",
		Description: "Bad rows are reported with file, line and reason, and the good rows load (exit 0). A file that\n" +
			"loads nothing (unreadable, unparsable, or not stored) makes the exit status 1. Importing a file again\n" +
			"replaces what its earlier import loaded (files are keyed by their base name).",
		Subcommands: []*cli.Command{
			sub("companies", "import a company registry: CSV or JSON with company_id, name, registration_no, jurisdiction, status, domains, aliases, addresses (chain:address; lists separated by ;)",
				"FILE", nil, func(ctx context.Context, im *offchain.Importer, args []string) (*offchain.Report, error) {
					return im.ImportCompanies(ctx, args...)
				}),
			sub("tags", "import GraphSense TagPacks and ActorPacks (YAML) and CSV tag files (chain,address,label,category,source); a directory is searched for them",
				"FILE|DIR", nil, func(ctx context.Context, im *offchain.Importer, args []string) (*offchain.Report, error) {
					return im.ImportTags(ctx, args...)
				}),
			sub("sanctions", "import an OFAC sanctioned-address list (sanctioned_addresses_<ASSET>.txt or .json)",
				"FILE", []cli.Flag{&cli.StringFlag{Name: "currency", Usage: "the list's asset (XBT, ETH, USDT …); default: from the file name"}},
				func(ctx context.Context, im *offchain.Importer, args []string) (*offchain.Report, error) {
					return im.ImportSanctions(ctx, args...)
				}),
		},
	}
}

// importSummary is the output of `import … --format json`.
type importSummary struct {
	*offchain.Report
	Problems []offchain.Problem `json:"problems"`
}

func printImport(c *cli.Context, rep *offchain.Report, format string, maxProblems int) error {
	problems := rep.Problems
	if len(problems) > maxProblems {
		problems = problems[:maxProblems]
	}
	if problems == nil {
		problems = []offchain.Problem{}
	}
	if format == "json" {
		return json.NewEncoder(c.App.Writer).Encode(importSummary{Report: rep, Problems: problems})
	}
	w := tabwriter.NewWriter(c.App.Writer, 0, 0, 2, ' ', 0)
	fmt.Fprintln(w, "file\tkind\tformat\tloaded\trejected\tskipped\tduplicates\t")
	for _, f := range rep.Files {
		state := ""
		if f.Error != "" {
			state = "FAILED"
		}
		fmt.Fprintf(w, "%s\t%s\t%s\t%d\t%d\t%d\t%d\t%s\n", f.File, f.Kind, f.Format, f.Loaded, f.Rejected, f.Skipped, f.Duplicates, state)
	}
	fmt.Fprintf(w, "total (%d files)\t\t\t%d\t%d\t%d\t%d\t\n", len(rep.Files), rep.Loaded, rep.Rejected, rep.Skipped, rep.Duplicates)
	if err := w.Flush(); err != nil {
		return err
	}
	for _, r := range rep.SkipReasonsSorted() {
		fmt.Fprintf(c.App.Writer, "skipped %d: %s\n", rep.SkipReasons[r], r)
	}
	if rep.ProblemCount > 0 {
		fmt.Fprintf(c.App.Writer, "problems (%d of %d):\n", len(problems), rep.ProblemCount)
		for _, p := range problems {
			fmt.Fprintf(c.App.Writer, "  %s\n", p)
		}
	}
	return nil
}
