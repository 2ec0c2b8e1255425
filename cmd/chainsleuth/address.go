package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/urfave/cli/v2"

	"github.com/chainsleuth/chainsleuth/heuristics/investigate"
)

func addressCommand() *cli.Command {
	return &cli.Command{
		Name:      "address",
		Usage:     "one address: its cluster, tags, companies, score, first and last activity, totals in and out, top counterparties",
		ArgsUsage: "ADDRESS",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "chain", Usage: "btc or eth (default: from the address's form)"},
			&cli.IntFlag{Name: "counterparties", Usage: "how many top counterparties", Value: 10},
			&cli.StringFlag{Name: "format", Usage: "table or json", Value: "table"},
			&cli.BoolFlag{Name: "wide", Usage: "show addresses and hashes whole (the table shortens them)"},
		},
		Action: addressAction,
	}
}

// investigateErr maps the investigator's errors to exit codes: the caller's
// mistakes are usage errors (2), the rest (not found included) errors (1).
func investigateErr(err error) error {
	if errors.Is(err, investigate.ErrMalformed) || errors.Is(err, investigate.ErrWrongNetwork) {
		return usagef("%v", err)
	}
	return err
}

// oneArg is the single positional argument of a command (flags may follow it).
func oneArg(c *cli.Context, what string) (string, error) {
	pos, err := trailingFlags(c)
	if err != nil {
		return "", err
	}
	if len(pos) != 1 {
		return "", usagef("%s: give one %s", c.Command.FullName(), what)
	}
	return pos[0], nil
}

func addressAction(c *cli.Context) error {
	arg, err := oneArg(c, "address")
	if err != nil {
		return err
	}
	format, err := checkFormat(c, "table", "json")
	if err != nil {
		return err
	}
	if c.Int("counterparties") < 1 {
		return usagef("--counterparties must be at least 1")
	}
	// Check the address before connecting: a malformed one is the caller's mistake whatever the server.
	chainName, addr, err := investigate.Normalize(c.String("chain"), arg)
	if err != nil {
		return investigateErr(err)
	}
	st, err := openCurrentStore(c)
	if err != nil {
		return err
	}
	defer st.Close()
	p, err := investigate.AddressProfile(c.Context, st, chainName, addr, investigate.ProfileOptions{Counterparties: c.Int("counterparties")})
	if err != nil {
		return investigateErr(err)
	}
	if format == "json" {
		return json.NewEncoder(c.App.Writer).Encode(p)
	}
	return writeProfile(c.App.Writer, p, c.Bool("wide"))
}

// short shortens a hash or address for a table: its head and tail.
func short(s string, wide bool) string {
	if wide || len(s) <= 20 {
		return s
	}
	return s[:10] + "…" + s[len(s)-6:]
}

// amount is whole units with their unit (a token's symbol, or its shortened contract).
func amount(v float64, unit string, wide bool) string {
	return investigate.FormatValue(v) + " " + short(unit, wide)
}

// nodeLines are a cluster's score, actor and companies, one per line.
func nodeLines(n *investigate.Node) []string {
	var out []string
	if s := n.Score; s != nil {
		kind := s.Kind
		if kind == "" {
			kind = "-"
		}
		out = append(out, fmt.Sprintf("score %.1f  kind %s (%.2f)  payers %d", s.Score, kind, s.KindConfidence, s.Payers))
		for _, r := range s.Reasons {
			out = append(out, "  - "+r)
		}
	} else {
		out = append(out, "score -  (no score run yet: `chainsleuth score`)")
	}
	if a := n.Actor; a != nil {
		out = append(out, fmt.Sprintf("actor %s (%s, confidence %.2f)", firstOf(a.Label, a.ID), a.ID, a.Confidence))
	}
	for _, co := range n.Companies {
		out = append(out, fmt.Sprintf("company %s %s (%s, confidence %.2f)", co.CompanyID, co.Name, co.Method, co.Confidence))
	}
	return out
}

func firstOf(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return "-"
}

func writeProfile(out io.Writer, p *investigate.Profile, wide bool) error {
	fmt.Fprintf(out, "%s address %s\n", p.Chain, p.Address)
	if n := p.Cluster; n != nil {
		fmt.Fprintf(out, "cluster %d (%d addresses)\n", n.ClusterID, n.Size)
		for _, l := range nodeLines(n) {
			fmt.Fprintln(out, "  "+l)
		}
	} else {
		fmt.Fprintf(out, "cluster -  (not clustered yet: `chainsleuth cluster --chain %s`)\n", p.Chain)
	}
	for _, co := range p.Companies {
		fmt.Fprintf(out, "registry: company %s %s names this address\n", co.CompanyID, co.Name)
	}
	for _, t := range p.Tags {
		fmt.Fprintf(out, "tag: %s [%s%s] actor %s, source %s, confidence %d\n", t.Label, firstOf(t.Category), abuse(t.Abuse), firstOf(t.Actor), firstOf(t.Source), t.ConfidenceLevel)
	}
	if p.FirstSeen == nil {
		fmt.Fprintln(out, "\nno transfers")
		return nil
	}
	fmt.Fprintf(out, "first seen  block %d  %s\nlast seen   block %d  %s\n", p.FirstSeen.Height, p.FirstSeen.Time.Format("2006-01-02 15:04:05Z"),
		p.LastSeen.Height, p.LastSeen.Time.Format("2006-01-02 15:04:05Z"))
	fmt.Fprintln(out, "\ntotals:")
	w := tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
	fmt.Fprintln(w, "  asset\treceived\tin\tsent\tout")
	for _, t := range p.Totals {
		fmt.Fprintf(w, "  %s\t%s\t%d\t%s\t%d\n", short(t.Unit, wide), amount(t.Received, t.Unit, wide), t.TransfersIn, amount(t.Sent, t.Unit, wide), t.TransfersOut)
	}
	if err := w.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(out, "\ntop counterparties (%d):\n", len(p.Counterparties))
	w = tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
	fmt.Fprintln(w, "  counterparty\tcluster\treceived from\tin\tsent to\tout")
	for _, cp := range p.Counterparties {
		cluster := "-"
		if cp.ClusterID != nil {
			cluster = strconv.FormatUint(uint64(*cp.ClusterID), 10)
		}
		fmt.Fprintf(w, "  %s\t%s\t%s\t%d\t%s\t%d\n", short(cp.Address, wide), cluster, amount(cp.Received, cp.Unit, wide), cp.TransfersIn,
			amount(cp.Sent, cp.Unit, wide), cp.TransfersOut)
	}
	return w.Flush()
}

func abuse(a string) string {
	if a == "" {
		return ""
	}
	return ", abuse " + a
}

// joinShort shortens each hash of a list for a table.
func joinShort(hashes []string, wide bool) string {
	out := make([]string, len(hashes))
	for i, h := range hashes {
		out[i] = short(h, wide)
	}
	return strings.Join(out, " ")
}
