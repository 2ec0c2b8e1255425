package main

import (
	"slices"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/chainsleuth/chainsleuth/heuristics/runs"
	"github.com/chainsleuth/chainsleuth/ingest/store"
)

// selectChains is the chains --chain names: one of chains, or all of them for "all".
func selectChains(c *cli.Context, chains []string) ([]string, error) {
	switch ch := c.String("chain"); {
	case ch == "all":
		return chains, nil
	case slices.Contains(chains, ch):
		return []string{ch}, nil
	default:
		return nil, usagef("--chain %q: use %s or all", ch, strings.Join(chains, ", "))
	}
}

// checkFormat is --format, checked against the formats a command writes.
func checkFormat(c *cli.Context, formats ...string) (string, error) {
	f := c.String("format")
	if !slices.Contains(formats, f) {
		return "", usagef("--format %q: use %s", f, strings.Join(formats, " or "))
	}
	return f, nil
}

// newRecorder records batch job runs with the binary's version.
func newRecorder(st *store.Store) *runs.Recorder {
	rec := runs.NewRecorder(st)
	if version != "dev" {
		rec.CodeVersion = version
	}
	return rec
}
