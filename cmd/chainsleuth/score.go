package main

import (
	"encoding/json"
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/chainsleuth/chainsleuth/chain"
	"github.com/chainsleuth/chainsleuth/heuristics/score"
)

func scoreCommand() *cli.Command {
	return &cli.Command{
		Name:  "score",
		Usage: "give every cluster a 0–100 fundraising-flow score with its components and reasons, and raise growth alerts",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "chain", Usage: "btc, eth or all", Value: "all"},
			&cli.StringFlag{Name: "window", Usage: "flows read back from each chain's latest transfer (e.g. 30d, 12h; 0 for all; default: the config's)"},
			&cli.StringFlag{Name: "config", Usage: "score config file (JSON; default: the built-in score-v1)"},
			&cli.Uint64Flag{Name: "period-blocks", Usage: "period length in blocks for both chains (default: the config's, btc 144 and eth 7200)"},
			&cli.StringFlag{Name: "format", Usage: "table or json", Value: "table"},
		},
		Action: scoreAction,
	}
}

func scoreAction(c *cli.Context) error {
	chains, err := selectChains(c, []string{chain.Bitcoin, chain.Ethereum})
	if err != nil {
		return err
	}
	format, err := checkFormat(c, "table", "json")
	if err != nil {
		return err
	}
	cfg := score.DefaultConfig()
	if path := c.String("config"); path != "" {
		if cfg, err = score.LoadConfig(path); err != nil {
			return usagef("%v", err)
		}
	}
	if w := c.String("window"); w != "" {
		if _, err := score.ParseWindow(w); err != nil {
			return usagef("--window: %v", err)
		}
		cfg.Window = w
	}
	if n := c.Uint64("period-blocks"); n > 0 {
		cfg.PeriodBlocks = map[string]uint64{chain.Bitcoin: n, chain.Ethereum: n}
	}
	st, err := openCurrentStore(c)
	if err != nil {
		return err
	}
	defer st.Close()
	results, err := score.Run(c.Context, st, score.Options{Config: cfg, Chains: chains, Recorder: newRecorder(st)})
	if err != nil {
		return err
	}
	if format == "json" {
		return json.NewEncoder(c.App.Writer).Encode(results)
	}
	w := tabwriter.NewWriter(c.App.Writer, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(w, "chain\trun\tflows\tclusters\talerts\ttop score\tunclustered flows\t")
	for _, r := range results {
		fmt.Fprintf(w, "%s\t%d\t%d\t%d\t%d\t%.1f\t%d\t\n", r.Chain, r.RunID, r.Flows, r.Clusters, r.Alerts, r.Top, r.Unclustered)
	}
	return w.Flush()
}

func topCommand() *cli.Command {
	return &cli.Command{
		Name:  "top",
		Usage: "the clusters with the highest fundraising-flow scores, with their kind, company and reasons",
		Flags: []cli.Flag{
			&cli.IntFlag{Name: "limit", Usage: "how many clusters", Value: 20},
			&cli.StringFlag{Name: "format", Usage: "table or json", Value: "table"},
		},
		Action: func(c *cli.Context) error {
			format, err := checkFormat(c, "table", "json")
			if err != nil {
				return err
			}
			if c.Int("limit") < 1 {
				return usagef("--limit must be at least 1")
			}
			st, err := openCurrentStore(c)
			if err != nil {
				return err
			}
			defer st.Close()
			rows, err := score.Top(c.Context, st, c.Int("limit"))
			if err != nil {
				return err
			}
			if format == "json" {
				if rows == nil {
					rows = []score.TopRow{}
				}
				return json.NewEncoder(c.App.Writer).Encode(rows)
			}
			if len(rows) == 0 {
				fmt.Fprintln(c.App.Writer, "no scores yet: run `chainsleuth cluster` and `chainsleuth score` first")
				return nil
			}
			w := tabwriter.NewWriter(c.App.Writer, 0, 0, 2, ' ', 0)
			fmt.Fprintln(w, "chain\tcluster\tscore\tkind\tpayers\tcompany\treasons")
			for _, r := range rows {
				company := "-"
				if r.Company != nil {
					company = *r.Company
				}
				kind := r.Kind
				if kind == "" {
					kind = "-"
				}
				fmt.Fprintf(w, "%s\t%d\t%.1f\t%s\t%d\t%s\t%s\n", r.Chain, r.ClusterID, r.Score, kind, r.Payers, company, strings.Join(r.Reasons, "; "))
			}
			return w.Flush()
		},
	}
}

func alertsCommand() *cli.Command {
	return &cli.Command{
		Name:  "alerts",
		Usage: "early warnings: clusters whose new payers in a period rose far above their own baseline",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "since", Usage: "only periods from this time: a date (2024-05-01), an RFC 3339 time, or a duration back from now (7d, 12h)"},
			&cli.StringFlag{Name: "format", Usage: "table or json", Value: "table"},
		},
		Action: func(c *cli.Context) error {
			format, err := checkFormat(c, "table", "json")
			if err != nil {
				return err
			}
			since, err := parseSince(c.String("since"), time.Now())
			if err != nil {
				return err
			}
			st, err := openCurrentStore(c)
			if err != nil {
				return err
			}
			defer st.Close()
			rows, err := score.Alerts(c.Context, st, since)
			if err != nil {
				return err
			}
			if format == "json" {
				if rows == nil {
					rows = []score.AlertRow{}
				}
				return json.NewEncoder(c.App.Writer).Encode(rows)
			}
			if len(rows) == 0 {
				fmt.Fprintln(c.App.Writer, "no alerts")
				return nil
			}
			w := tabwriter.NewWriter(c.App.Writer, 0, 0, 2, ' ', 0)
			fmt.Fprintln(w, "chain\tcluster\tkind\tseverity\tblocks\tnew payers\tbaseline\tratio")
			for _, a := range rows {
				fmt.Fprintf(w, "%s\t%d\t%s\t%s\t%s\t%d\t%.1f\t%.1f×\n", a.Chain, a.ClusterID, a.Kind, a.Severity, a.Period, a.Value, a.Baseline, a.Ratio)
			}
			return w.Flush()
		},
	}
}

// parseSince reads --since: empty (everything), a date, an RFC 3339 time or
// a window back from now.
func parseSince(s string, now time.Time) (time.Time, error) {
	if s == "" {
		return time.Unix(0, 0), nil
	}
	for _, layout := range []string{"2006-01-02", time.RFC3339} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, nil
		}
	}
	d, err := score.ParseWindow(s)
	if err != nil {
		return time.Time{}, usagef("--since %q: use a date (2024-05-01), an RFC 3339 time or a duration (7d, 12h)", s)
	}
	return now.Add(-d), nil
}
