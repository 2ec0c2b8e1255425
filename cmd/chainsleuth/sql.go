package main

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/chainsleuth/chainsleuth/ingest/store"
)

// dumpedStatement is one statement of `sql dump`, as the server receives it.
type dumpedStatement struct {
	Name string `json:"name"`
	Kind string `json:"kind"` // migration, schema, insert, query or mutation
	SQL  string `json:"sql"`
}

// sqlDump is the output of `sql dump --format json`.
type sqlDump struct {
	Dialect    string            `json:"dialect"`
	Statements []dumpedStatement `json:"statements"`
}

func sqlCommand() *cli.Command {
	return &cli.Command{
		Name:  "sql",
		Usage: "the SQL chainsleuth sends to ClickHouse",
		Subcommands: []*cli.Command{
			{
				Name: "dump",
				Usage: "print every statement: the migrations rendered for a dialect, then every statement the code " +
					"issues with representative values bound (no server needed; used by tests/dialect)",
				Flags: []cli.Flag{
					&cli.StringFlag{Name: "dialect", Value: "modern",
						Usage: "legacy (18.16: String for LowCardinality), modern (20.1+), or a server version such as 18.16.1 to get what the store would choose"},
					&cli.StringFlag{Name: "format", Value: "sql", Usage: "sql (statements ending in ';', each after a '-- name' comment) or json"},
					&cli.StringFlag{Name: "cluster", Usage: "print the schema as `migrate --cluster NAME` creates it on a ClickHouse cluster (DDL only)"},
				},
				Action: func(c *cli.Context) error {
					d, name, err := parseDialect(c.String("dialect"))
					if err != nil {
						return err
					}
					format := c.String("format")
					if format != "sql" && format != "json" {
						return usagef("--format %q: use sql or json", format)
					}
					var dump sqlDump
					if cl := c.String("cluster"); cl != "" {
						dump, err = dumpClusterSQL(d, name, store.Cluster{Name: cl, Database: "chainsleuth"})
					} else {
						dump, err = dumpSQL(d, name)
					}
					if err != nil {
						return err
					}
					if format == "json" {
						enc := json.NewEncoder(c.App.Writer)
						enc.SetIndent("", "  ")
						return enc.Encode(dump)
					}
					for _, s := range dump.Statements {
						fmt.Fprintf(c.App.Writer, "-- %s (%s)\n%s;\n\n", s.Name, s.Kind, s.SQL)
					}
					return nil
				},
			},
		},
	}
}

// parseDialect reads --dialect: legacy, modern, or a server version.
func parseDialect(s string) (store.Dialect, string, error) {
	var v store.Version
	switch s {
	case "legacy":
		v = store.Version{Major: 18, Minor: 16}
	case "modern":
		v = store.Version{Major: 26, Minor: 1}
	default:
		parts := strings.Split(s, ".")
		nums := make([]int, len(parts))
		for i, p := range parts {
			n, err := strconv.Atoi(p)
			if err != nil || n < 0 || len(parts) < 2 {
				return store.Dialect{}, "", usagef("--dialect %q: use legacy, modern or a server version such as 18.16.1", s)
			}
			nums[i] = n
		}
		v = store.Version{Major: nums[0], Minor: nums[1]}
	}
	d := store.DialectFor(v)
	if d.Modern {
		return d, "modern", nil
	}
	return d, "legacy", nil
}

// dumpSQL lists the migrations (in order) and every registered statement
// (schema, inserts, queries, mutations), rendered for the dialect.
func dumpSQL(d store.Dialect, name string) (sqlDump, error) {
	out := sqlDump{Dialect: name, Statements: []dumpedStatement{}}
	migs, err := store.Migrations(d)
	if err != nil {
		return out, err
	}
	for _, m := range migs {
		for i, st := range m.Statements {
			out.Statements = append(out.Statements, dumpedStatement{
				// The name Migrate gives the statement in its errors.
				Name: fmt.Sprintf("migration %04d_%s statement %d", m.Version, m.Name, i+1),
				Kind: "migration",
				SQL:  st,
			})
		}
	}
	for _, st := range store.Registered() {
		sql, err := st.Render()
		if err != nil {
			return out, fmt.Errorf("render statement %s: %w", st.Name, err)
		}
		out.Statements = append(out.Statements, dumpedStatement{Name: st.Name, Kind: st.Kind(), SQL: sql})
	}
	return out, nil
}

// dumpClusterSQL lists the migrations as they are created on a cluster, and
// the cluster form of a rollback mutation.
func dumpClusterSQL(d store.Dialect, name string, cl store.Cluster) (sqlDump, error) {
	out := sqlDump{Dialect: name + " on cluster " + cl.Name, Statements: []dumpedStatement{}}
	if err := cl.Validate(); err != nil {
		return out, usagef("--cluster: %v", err)
	}
	migs, err := store.ClusterMigrations(d, cl)
	if err != nil {
		return out, err
	}
	for _, m := range migs {
		for i, st := range m.Statements {
			out.Statements = append(out.Statements, dumpedStatement{
				Name: fmt.Sprintf("cluster migration %04d_%s statement %d", m.Version, m.Name, i+1), Kind: "migration", SQL: st})
		}
	}
	out.Statements = append(out.Statements, dumpedStatement{Name: "cluster rollback", Kind: store.KindMutation,
		SQL: cl.DeleteSQL("transfers", "chain = 'btc' AND height >= 100")})
	return out, nil
}
